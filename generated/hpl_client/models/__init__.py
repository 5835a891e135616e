"""Contains all the data models used in inputs/outputs"""

from .aggregate_report_callback_message import AggregateReportCallbackMessage
from .aggregate_session_report import AggregateSessionReport
from .aggregate_session_report_request import AggregateSessionReportRequest
from .aggregate_usage_error import AggregateUsageError
from .aggregate_usage_item import AggregateUsageItem
from .aggregated_report_callback_result import AggregatedReportCallbackResult
from .aggregated_report_callback_status import AggregatedReportCallbackStatus
from .api_response_code import ApiResponseCode
from .callback_created import CallbackCreated
from .callback_registered import CallbackRegistered
from .daily_usage_item import DailyUsageItem
from .error_response_code import ErrorResponseCode
from .http_status_code import HttpStatusCode
from .hyper_precise_location_callback import HyperPreciseLocationCallback
from .hyper_precise_location_fault import HyperPreciseLocationFault
from .hyper_precise_location_gateway_result import HyperPreciseLocationGatewayResult
from .hyper_precise_location_result import HyperPreciseLocationResult
from .i_error_message import IErrorMessage
from .no_session_flag import NoSessionFlag
from .session_report import SessionReport
from .session_report_request import SessionReportRequest

__all__ = (
    "AggregatedReportCallbackResult",
    "AggregatedReportCallbackStatus",
    "AggregateReportCallbackMessage",
    "AggregateSessionReport",
    "AggregateSessionReportRequest",
    "AggregateUsageError",
    "AggregateUsageItem",
    "ApiResponseCode",
    "CallbackCreated",
    "CallbackRegistered",
    "DailyUsageItem",
    "ErrorResponseCode",
    "HttpStatusCode",
    "HyperPreciseLocationCallback",
    "HyperPreciseLocationFault",
    "HyperPreciseLocationGatewayResult",
    "HyperPreciseLocationResult",
    "IErrorMessage",
    "NoSessionFlag",
    "SessionReport",
    "SessionReportRequest",
)
