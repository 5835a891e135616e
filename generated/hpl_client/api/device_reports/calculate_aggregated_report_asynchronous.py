from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.aggregate_session_report_request import AggregateSessionReportRequest
from ...models.aggregated_report_callback_result import AggregatedReportCallbackResult
from ...models.hyper_precise_location_gateway_result import HyperPreciseLocationGatewayResult
from ...models.hyper_precise_location_result import HyperPreciseLocationResult
from ...models.no_session_flag import NoSessionFlag
from ...types import UNSET, Response, Unset, http_status


def build_request(
    *,
    body: AggregateSessionReportRequest,
    x_portal_initiated: bool,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    device_group: str | Unset = UNSET,
    data_plan: str | Unset = UNSET,
    no_session_flag: NoSessionFlag | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    """The request of this operation as keyword arguments of `httpx.Client.request` (method, url and, where
    the operation has them, params, headers, cookies and body), built from the same arguments as `sync`.

    For a layer that sends the request itself (its own retries, authentication or transport) and still
    sends exactly what the spec describes; `parse_response` reads the answer.
    """
    headers: dict[str, Any] = {}
    headers["X-Portal-Initiated"] = "true" if x_portal_initiated else "false"

    headers["accountNumber"] = account_number

    headers["imei"] = imei

    if not isinstance(start_date, Unset):
        headers["startDate"] = start_date

    if not isinstance(end_date, Unset):
        headers["endDate"] = end_date

    if not isinstance(device_group, Unset):
        headers["deviceGroup"] = device_group

    if not isinstance(data_plan, Unset):
        headers["dataPlan"] = data_plan

    if not isinstance(no_session_flag, Unset):
        headers["noSessionFlag"] = str(no_session_flag)

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/report/async/aggregate",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse(
    response: httpx.Response,
) -> AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None:
    if response.status_code == 200:
        response_200 = AggregatedReportCallbackResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:

        def _parse_response_400(data: object) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = HyperPreciseLocationResult.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = HyperPreciseLocationGatewayResult.from_dict(data)

            return componentsschemas_error_body_type_1

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:

        def _parse_response_401(data: object) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = HyperPreciseLocationResult.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = HyperPreciseLocationGatewayResult.from_dict(data)

            return componentsschemas_error_body_type_1

        response_401 = _parse_response_401(response.json())

        return response_401

    if response.status_code == 403:

        def _parse_response_403(data: object) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = HyperPreciseLocationResult.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = HyperPreciseLocationGatewayResult.from_dict(data)

            return componentsschemas_error_body_type_1

        response_403 = _parse_response_403(response.json())

        return response_403

    if response.status_code == 404:

        def _parse_response_404(data: object) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = HyperPreciseLocationResult.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = HyperPreciseLocationGatewayResult.from_dict(data)

            return componentsschemas_error_body_type_1

        response_404 = _parse_response_404(response.json())

        return response_404

    if response.status_code == 409:

        def _parse_response_409(data: object) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = HyperPreciseLocationResult.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = HyperPreciseLocationGatewayResult.from_dict(data)

            return componentsschemas_error_body_type_1

        response_409 = _parse_response_409(response.json())

        return response_409

    if response.status_code == 500:

        def _parse_response_500(data: object) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = HyperPreciseLocationResult.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = HyperPreciseLocationGatewayResult.from_dict(data)

            return componentsschemas_error_body_type_1

        response_500 = _parse_response_500(response.json())

        return response_500

    raise errors.UnexpectedStatus(response.status_code, response.content)


def parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]:
    """The answer of this operation: its status, headers and raw body, and `parsed`, the body as the
    documented model of its status.

    It never fails on what an API can answer (D8, "tolerant reader"): `parsed` is None when the status
    is not documented for this operation (a gateway's 502, a 499, a 302) or the body is not the
    documented model (an HTML page, an empty or truncated body, another JSON document), and
    `content` keeps the raw bytes. With `client.raise_on_unexpected_status`, those two cases raise
    `errors.UnexpectedStatus` and `errors.UnexpectedBody` (with the parsing error as its cause)
    instead. `client` is read for that flag only.
    """
    parsed: AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None = (
        None
    )
    try:
        parsed = _parse(response)
    except errors.UnexpectedStatus:
        if client.raise_on_unexpected_status:
            raise
    except Exception as error:
        if client.raise_on_unexpected_status:
            raise errors.UnexpectedBody(response.status_code, response.content) from error
    return Response(
        status_code=http_status(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AggregateSessionReportRequest,
    x_portal_initiated: bool,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    device_group: str | Unset = UNSET,
    data_plan: str | Unset = UNSET,
    no_session_flag: NoSessionFlag | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]:
    """An aggregated asynchronous sessions and usage report for a user specified selection of devices and
    date range.

     Calculate aggregated report per day with number of sessions and usage information. User
    will receive an asynchronous callback for the specified list of devices (Max 10000) and
    date range (Max 180 days).

    The answer comes at once, `{txid, status: "QUEUED"}`; the report is computed in the
    background and delivered to every callback listener registered for the account
    (`POST /callbacks`): one message per device, each an `AggregateReportCallbackMessage`
    with the request's `txid` and that one device in `usage` or in `errors`. Delivery is
    at-least-once: a listener that fails or times out is retried with backoff, and a message
    that still cannot be delivered is kept as undelivered, never silently dropped. The
    `X-Portal-Initiated` header is recorded with the job and sent back on every message.

    Rules the schema cannot state: the same as the synchronous aggregate, with a limit of
    10,000 devices (400 `INVALID_PARAMETER`); and no listener registered for the account →
    409 `INVALID_PARAMETER` "No callback listener registered".

    `Idempotency-Key` (D8): the same key with the same body within 24 hours answers the first
    request's `txid` and queues nothing new, so a client may retry safely; the same key with
    a different body is refused with 409 `INVALID_PARAMETER`.

    Args:
        x_portal_initiated (bool):
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str):
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        device_group (str | Unset): A device group or data plan name.
        data_plan (str | Unset): A device group or data plan name.
        no_session_flag (NoSessionFlag | Unset): Optional filter parameter which return only
            devices with no sessions.
        idempotency_key (str | Unset):
        body (AggregateSessionReportRequest): Request for getting an aggregated session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]: the status, headers and raw body; `parsed` is None
        when the status is undocumented or the body is not its documented model.
    """

    kwargs = build_request(
        body=body,
        x_portal_initiated=x_portal_initiated,
        account_number=account_number,
        imei=imei,
        start_date=start_date,
        end_date=end_date,
        device_group=device_group,
        data_plan=data_plan,
        no_session_flag=no_session_flag,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return parse_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: AggregateSessionReportRequest,
    x_portal_initiated: bool,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    device_group: str | Unset = UNSET,
    data_plan: str | Unset = UNSET,
    no_session_flag: NoSessionFlag | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None:
    """An aggregated asynchronous sessions and usage report for a user specified selection of devices and
    date range.

     Calculate aggregated report per day with number of sessions and usage information. User
    will receive an asynchronous callback for the specified list of devices (Max 10000) and
    date range (Max 180 days).

    The answer comes at once, `{txid, status: "QUEUED"}`; the report is computed in the
    background and delivered to every callback listener registered for the account
    (`POST /callbacks`): one message per device, each an `AggregateReportCallbackMessage`
    with the request's `txid` and that one device in `usage` or in `errors`. Delivery is
    at-least-once: a listener that fails or times out is retried with backoff, and a message
    that still cannot be delivered is kept as undelivered, never silently dropped. The
    `X-Portal-Initiated` header is recorded with the job and sent back on every message.

    Rules the schema cannot state: the same as the synchronous aggregate, with a limit of
    10,000 devices (400 `INVALID_PARAMETER`); and no listener registered for the account →
    409 `INVALID_PARAMETER` "No callback listener registered".

    `Idempotency-Key` (D8): the same key with the same body within 24 hours answers the first
    request's `txid` and queues nothing new, so a client may retry safely; the same key with
    a different body is refused with 409 `INVALID_PARAMETER`.

    Args:
        x_portal_initiated (bool):
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str):
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        device_group (str | Unset): A device group or data plan name.
        data_plan (str | Unset): A device group or data plan name.
        no_session_flag (NoSessionFlag | Unset): Optional filter parameter which return only
            devices with no sessions.
        idempotency_key (str | Unset):
        body (AggregateSessionReportRequest): Request for getting an aggregated session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None: the documented model of the answer's status (an error
        model for a documented error status); None when the status is undocumented or the body is not its
        documented model (unless Client.raise_on_unexpected_status). `sync_detailed` keeps the raw answer.
    """

    return sync_detailed(
        client=client,
        body=body,
        x_portal_initiated=x_portal_initiated,
        account_number=account_number,
        imei=imei,
        start_date=start_date,
        end_date=end_date,
        device_group=device_group,
        data_plan=data_plan,
        no_session_flag=no_session_flag,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AggregateSessionReportRequest,
    x_portal_initiated: bool,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    device_group: str | Unset = UNSET,
    data_plan: str | Unset = UNSET,
    no_session_flag: NoSessionFlag | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]:
    """An aggregated asynchronous sessions and usage report for a user specified selection of devices and
    date range.

     Calculate aggregated report per day with number of sessions and usage information. User
    will receive an asynchronous callback for the specified list of devices (Max 10000) and
    date range (Max 180 days).

    The answer comes at once, `{txid, status: "QUEUED"}`; the report is computed in the
    background and delivered to every callback listener registered for the account
    (`POST /callbacks`): one message per device, each an `AggregateReportCallbackMessage`
    with the request's `txid` and that one device in `usage` or in `errors`. Delivery is
    at-least-once: a listener that fails or times out is retried with backoff, and a message
    that still cannot be delivered is kept as undelivered, never silently dropped. The
    `X-Portal-Initiated` header is recorded with the job and sent back on every message.

    Rules the schema cannot state: the same as the synchronous aggregate, with a limit of
    10,000 devices (400 `INVALID_PARAMETER`); and no listener registered for the account →
    409 `INVALID_PARAMETER` "No callback listener registered".

    `Idempotency-Key` (D8): the same key with the same body within 24 hours answers the first
    request's `txid` and queues nothing new, so a client may retry safely; the same key with
    a different body is refused with 409 `INVALID_PARAMETER`.

    Args:
        x_portal_initiated (bool):
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str):
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        device_group (str | Unset): A device group or data plan name.
        data_plan (str | Unset): A device group or data plan name.
        no_session_flag (NoSessionFlag | Unset): Optional filter parameter which return only
            devices with no sessions.
        idempotency_key (str | Unset):
        body (AggregateSessionReportRequest): Request for getting an aggregated session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]: the status, headers and raw body; `parsed` is None
        when the status is undocumented or the body is not its documented model.
    """

    kwargs = build_request(
        body=body,
        x_portal_initiated=x_portal_initiated,
        account_number=account_number,
        imei=imei,
        start_date=start_date,
        end_date=end_date,
        device_group=device_group,
        data_plan=data_plan,
        no_session_flag=no_session_flag,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return parse_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AggregateSessionReportRequest,
    x_portal_initiated: bool,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    device_group: str | Unset = UNSET,
    data_plan: str | Unset = UNSET,
    no_session_flag: NoSessionFlag | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None:
    """An aggregated asynchronous sessions and usage report for a user specified selection of devices and
    date range.

     Calculate aggregated report per day with number of sessions and usage information. User
    will receive an asynchronous callback for the specified list of devices (Max 10000) and
    date range (Max 180 days).

    The answer comes at once, `{txid, status: "QUEUED"}`; the report is computed in the
    background and delivered to every callback listener registered for the account
    (`POST /callbacks`): one message per device, each an `AggregateReportCallbackMessage`
    with the request's `txid` and that one device in `usage` or in `errors`. Delivery is
    at-least-once: a listener that fails or times out is retried with backoff, and a message
    that still cannot be delivered is kept as undelivered, never silently dropped. The
    `X-Portal-Initiated` header is recorded with the job and sent back on every message.

    Rules the schema cannot state: the same as the synchronous aggregate, with a limit of
    10,000 devices (400 `INVALID_PARAMETER`); and no listener registered for the account →
    409 `INVALID_PARAMETER` "No callback listener registered".

    `Idempotency-Key` (D8): the same key with the same body within 24 hours answers the first
    request's `txid` and queues nothing new, so a client may retry safely; the same key with
    a different body is refused with 409 `INVALID_PARAMETER`.

    Args:
        x_portal_initiated (bool):
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str):
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        device_group (str | Unset): A device group or data plan name.
        data_plan (str | Unset): A device group or data plan name.
        no_session_flag (NoSessionFlag | Unset): Optional filter parameter which return only
            devices with no sessions.
        idempotency_key (str | Unset):
        body (AggregateSessionReportRequest): Request for getting an aggregated session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AggregatedReportCallbackResult | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None: the documented model of the answer's status (an error
        model for a documented error status); None when the status is undocumented or the body is not its
        documented model (unless Client.raise_on_unexpected_status). `sync_detailed` keeps the raw answer.
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_portal_initiated=x_portal_initiated,
            account_number=account_number,
            imei=imei,
            start_date=start_date,
            end_date=end_date,
            device_group=device_group,
            data_plan=data_plan,
            no_session_flag=no_session_flag,
            idempotency_key=idempotency_key,
        )
    ).parsed
