from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_response_code import ApiResponseCode
from ...models.hyper_precise_location_gateway_result import HyperPreciseLocationGatewayResult
from ...models.hyper_precise_location_result import HyperPreciseLocationResult
from ...types import UNSET, Response, http_status


def build_request(
    *,
    account_number: str,
    service: str,
) -> dict[str, Any]:
    """The request of this operation as keyword arguments of `httpx.Client.request` (method, url and, where
    the operation has them, params, headers, cookies and body), built from the same arguments as `sync`.

    For a layer that sends the request itself (its own retries, authentication or transport) and still
    sends exactly what the spec describes; `parse_response` reads the answer.
    """

    params: dict[str, Any] = {}

    params["accountNumber"] = account_number

    params["service"] = service

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/callbacks",
        "params": params,
    }

    return _kwargs


def _parse(
    response: httpx.Response,
) -> ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None:
    if response.status_code == 200:
        response_200 = ApiResponseCode.from_dict(response.json())

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
) -> Response[ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]:
    """The answer of this operation: its status, headers and raw body, and `parsed`, the body as the
    documented model of its status.

    It never fails on what an API can answer (D8, "tolerant reader"): `parsed` is None when the status
    is not documented for this operation (a gateway's 502, a 499, a 302) or the body is not the
    documented model (an HTML page, an empty or truncated body, another JSON document), and
    `content` keeps the raw bytes. With `client.raise_on_unexpected_status`, those two cases raise
    `errors.UnexpectedStatus` and `errors.UnexpectedBody` (with the parsing error as its cause)
    instead. `client` is read for that flag only.
    """
    parsed: ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None = None
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
    account_number: str,
    service: str,
) -> Response[ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]:
    """Remove a callback listener.

     Stops ThingSpace from sending callback messages for the specified account and listener
    name. Removing a name that is not registered is refused with 404 `INVALID_PARAMETER`.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        service (str):

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]: the status, headers and raw body; `parsed` is None
        when the status is undocumented or the body is not its documented model.
    """

    kwargs = build_request(
        account_number=account_number,
        service=service,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return parse_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    account_number: str,
    service: str,
) -> ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None:
    """Remove a callback listener.

     Stops ThingSpace from sending callback messages for the specified account and listener
    name. Removing a name that is not registered is refused with 404 `INVALID_PARAMETER`.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        service (str):

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None: the documented model of the answer's status (an error
        model for a documented error status); None when the status is undocumented or the body is not its
        documented model (unless Client.raise_on_unexpected_status). `sync_detailed` keeps the raw answer.
    """

    return sync_detailed(
        client=client,
        account_number=account_number,
        service=service,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    account_number: str,
    service: str,
) -> Response[ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]:
    """Remove a callback listener.

     Stops ThingSpace from sending callback messages for the specified account and listener
    name. Removing a name that is not registered is refused with 404 `INVALID_PARAMETER`.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        service (str):

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult]: the status, headers and raw body; `parsed` is None
        when the status is undocumented or the body is not its documented model.
    """

    kwargs = build_request(
        account_number=account_number,
        service=service,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return parse_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    account_number: str,
    service: str,
) -> ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None:
    """Remove a callback listener.

     Stops ThingSpace from sending callback messages for the specified account and listener
    name. Removing a name that is not registered is refused with 404 `INVALID_PARAMETER`.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        service (str):

    Raises:
        errors.UnexpectedStatus: If Client.raise_on_unexpected_status is True and the server answers a status
            this operation does not document (any integer, also one outside http.HTTPStatus).
        errors.UnexpectedBody: If Client.raise_on_unexpected_status is True and the body is not the documented
            model of its status.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiResponseCode | HyperPreciseLocationGatewayResult | HyperPreciseLocationResult | None: the documented model of the answer's status (an error
        model for a documented error status); None when the status is undocumented or the body is not its
        documented model (unless Client.raise_on_unexpected_status). `sync_detailed` keeps the raw answer.
    """

    return (
        await asyncio_detailed(
            client=client,
            account_number=account_number,
            service=service,
        )
    ).parsed
