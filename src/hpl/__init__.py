"""The hand-written client of the ThingSpace HPL Device Reports API, on top of the generated `hpl_client`."""

from hpl.auth import Credentials, HplAuth
from hpl.callbacks import AsyncReportResult, CallbackListener, CallbackReceiver, run_async_report
from hpl.client import PRODUCTION_URL, SANDBOX_URL, AsyncClient, Client
from hpl.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CallbackTimeoutError,
    ConflictError,
    DeadlineExceededError,
    HplError,
    InternalServerError,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RequestLimitError,
    UnexpectedStatusError,
)
from hpl.retry import RetryPolicy

__all__ = [
    "PRODUCTION_URL",
    "SANDBOX_URL",
    "ApiError",
    "AsyncClient",
    "AsyncReportResult",
    "AuthenticationError",
    "BadRequestError",
    "CallbackListener",
    "CallbackReceiver",
    "CallbackTimeoutError",
    "Client",
    "ConflictError",
    "Credentials",
    "DeadlineExceededError",
    "HplAuth",
    "HplError",
    "InternalServerError",
    "InvalidResponseError",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "RequestLimitError",
    "RetryPolicy",
    "UnexpectedStatusError",
    "run_async_report",
]
