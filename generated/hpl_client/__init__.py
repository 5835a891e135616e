"""A client library for accessing ThingSpace Hyper Precise Location — Device Reports"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
