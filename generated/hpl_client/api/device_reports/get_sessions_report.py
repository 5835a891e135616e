from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.hyper_precise_location_gateway_result import HyperPreciseLocationGatewayResult
from ...models.hyper_precise_location_result import HyperPreciseLocationResult
from ...models.session_report import SessionReport
from ...models.session_report_request import SessionReportRequest
from ...types import UNSET, Response, Unset, http_status


def build_request(
    *,
    body: SessionReportRequest,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    duration_low: int | Unset = UNSET,
    duration_high: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    """The request of this operation as keyword arguments of `httpx.Client.request` (method, url and, where
    the operation has them, params, headers, cookies and body), built from the same arguments as `sync`.

    For a layer that sends the request itself (its own retries, authentication or transport) and still
    sends exactly what the spec describes; `parse_response` reads the answer.
    """
    headers: dict[str, Any] = {}
    headers["accountNumber"] = account_number

    headers["imei"] = imei

    if not isinstance(start_date, Unset):
        headers["startDate"] = start_date

    if not isinstance(end_date, Unset):
        headers["endDate"] = end_date

    if not isinstance(duration_low, Unset):
        headers["durationLow"] = str(duration_low)

    if not isinstance(duration_high, Unset):
        headers["durationHigh"] = str(duration_high)

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/report/sessions",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse(
    response: httpx.Response,
) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport | None:
    if response.status_code == 200:
        response_200 = SessionReport.from_dict(response.json())

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
) -> Response[HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport]:
    """The answer of this operation: its status, headers and raw body, and `parsed`, the body as the
    documented model of its status.

    It never fails on what an API can answer (D8, "tolerant reader"): `parsed` is None when the status
    is not documented for this operation (a gateway's 502, a 499, a 302) or the body is not the
    documented model (an HTML page, an empty or truncated body, another JSON document), and
    `content` keeps the raw bytes. With `client.raise_on_unexpected_status`, those two cases raise
    `errors.UnexpectedStatus` and `errors.UnexpectedBody` (with the parsing error as its cause)
    instead. `client` is read for that flag only.
    """
    parsed: HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport | None = None
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
    body: SessionReportRequest,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    duration_low: int | Unset = UNSET,
    duration_high: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport]:
    """A daily usage report for a single device for a specified date range (up to 180 days).

     Detailed report of session duration and number of bytes transferred per day for an
    individual device.

    Rules the schema cannot state (each refused with 400 `INVALID_PARAMETER`):
    * every header that is present must equal the body field of the same name;
    * `startDate` must not be after `endDate`, and the range must not exceed 180 days;
    * `durationLow` must not exceed `durationHigh`;
    * an IMEI that the account does not own is refused with 400 "Device Not Found".

    Missing dates: `endDate` defaults to now and `startDate` to 180 days before `endDate`;
    `null` in an optional field means the field is absent (D8). The report holds the sessions that start
    inside the range and whose duration, in
    seconds, lies within [`durationLow`, `durationHigh`]. Device states: not certified → 403,
    inactive → 404, HPL service not purchased → 409, active in several accounts → 500.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str): International Mobile Equipment Identifier, 15 digits. Example:
            709312034493372.
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        duration_low (int | Unset):
        duration_high (int | Unset):
        idempotency_key (str | Unset):
        body (SessionReportRequest): Request for obtaining a session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport]: the status, headers and raw body; `parsed` is None
        when the status is undocumented or the body is not its documented model.
    """

    kwargs = build_request(
        body=body,
        account_number=account_number,
        imei=imei,
        start_date=start_date,
        end_date=end_date,
        duration_low=duration_low,
        duration_high=duration_high,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return parse_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SessionReportRequest,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    duration_low: int | Unset = UNSET,
    duration_high: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport | None:
    """A daily usage report for a single device for a specified date range (up to 180 days).

     Detailed report of session duration and number of bytes transferred per day for an
    individual device.

    Rules the schema cannot state (each refused with 400 `INVALID_PARAMETER`):
    * every header that is present must equal the body field of the same name;
    * `startDate` must not be after `endDate`, and the range must not exceed 180 days;
    * `durationLow` must not exceed `durationHigh`;
    * an IMEI that the account does not own is refused with 400 "Device Not Found".

    Missing dates: `endDate` defaults to now and `startDate` to 180 days before `endDate`;
    `null` in an optional field means the field is absent (D8). The report holds the sessions that start
    inside the range and whose duration, in
    seconds, lies within [`durationLow`, `durationHigh`]. Device states: not certified → 403,
    inactive → 404, HPL service not purchased → 409, active in several accounts → 500.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str): International Mobile Equipment Identifier, 15 digits. Example:
            709312034493372.
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        duration_low (int | Unset):
        duration_high (int | Unset):
        idempotency_key (str | Unset):
        body (SessionReportRequest): Request for obtaining a session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport | None: the documented model of the answer's status (an error
        model for a documented error status); None when the status is undocumented or the body is not its
        documented model (unless Client.raise_on_unexpected_status). `sync_detailed` keeps the raw answer.
    """

    return sync_detailed(
        client=client,
        body=body,
        account_number=account_number,
        imei=imei,
        start_date=start_date,
        end_date=end_date,
        duration_low=duration_low,
        duration_high=duration_high,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SessionReportRequest,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    duration_low: int | Unset = UNSET,
    duration_high: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport]:
    """A daily usage report for a single device for a specified date range (up to 180 days).

     Detailed report of session duration and number of bytes transferred per day for an
    individual device.

    Rules the schema cannot state (each refused with 400 `INVALID_PARAMETER`):
    * every header that is present must equal the body field of the same name;
    * `startDate` must not be after `endDate`, and the range must not exceed 180 days;
    * `durationLow` must not exceed `durationHigh`;
    * an IMEI that the account does not own is refused with 400 "Device Not Found".

    Missing dates: `endDate` defaults to now and `startDate` to 180 days before `endDate`;
    `null` in an optional field means the field is absent (D8). The report holds the sessions that start
    inside the range and whose duration, in
    seconds, lies within [`durationLow`, `durationHigh`]. Device states: not certified → 403,
    inactive → 404, HPL service not purchased → 409, active in several accounts → 500.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str): International Mobile Equipment Identifier, 15 digits. Example:
            709312034493372.
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        duration_low (int | Unset):
        duration_high (int | Unset):
        idempotency_key (str | Unset):
        body (SessionReportRequest): Request for obtaining a session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport]: the status, headers and raw body; `parsed` is None
        when the status is undocumented or the body is not its documented model.
    """

    kwargs = build_request(
        body=body,
        account_number=account_number,
        imei=imei,
        start_date=start_date,
        end_date=end_date,
        duration_low=duration_low,
        duration_high=duration_high,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return parse_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SessionReportRequest,
    account_number: str,
    imei: str,
    start_date: str | Unset = UNSET,
    end_date: str | Unset = UNSET,
    duration_low: int | Unset = UNSET,
    duration_high: int | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport | None:
    """A daily usage report for a single device for a specified date range (up to 180 days).

     Detailed report of session duration and number of bytes transferred per day for an
    individual device.

    Rules the schema cannot state (each refused with 400 `INVALID_PARAMETER`):
    * every header that is present must equal the body field of the same name;
    * `startDate` must not be after `endDate`, and the range must not exceed 180 days;
    * `durationLow` must not exceed `durationHigh`;
    * an IMEI that the account does not own is refused with 400 "Device Not Found".

    Missing dates: `endDate` defaults to now and `startDate` to 180 days before `endDate`;
    `null` in an optional field means the field is absent (D8). The report holds the sessions that start
    inside the range and whose duration, in
    seconds, lies within [`durationLow`, `durationHigh`]. Device states: not certified → 403,
    inactive → 404, HPL service not purchased → 409, active in several accounts → 500.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        imei (str): International Mobile Equipment Identifier, 15 digits. Example:
            709312034493372.
        start_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        end_date (str | Unset): An RFC 3339 date-time, as in the body (headers cannot carry
            `format` for the generator). Example: 2022-12-09T22:01:06.217Z.
        duration_low (int | Unset):
        duration_high (int | Unset):
        idempotency_key (str | Unset):
        body (SessionReportRequest): Request for obtaining a session report.

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | SessionReport | None: the documented model of the answer's status (an error
        model for a documented error status); None when the status is undocumented or the body is not its
        documented model (unless Client.raise_on_unexpected_status). `sync_detailed` keeps the raw answer.
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            account_number=account_number,
            imei=imei,
            start_date=start_date,
            end_date=end_date,
            duration_low=duration_low,
            duration_high=duration_high,
            idempotency_key=idempotency_key,
        )
    ).parsed
