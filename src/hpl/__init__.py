"""The hand-written client of the ThingSpace HPL Device Reports API, on top of the generated `hpl_client`."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

try:
    # pyproject.toml's `version` is the one source; installed metadata carries it here.
    __version__ = _distribution_version("thingspace-hpl")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

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
    "__version__",
    "run_async_report",
]
