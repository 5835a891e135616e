from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.callback_registered import CallbackRegistered
from ...models.hyper_precise_location_callback import HyperPreciseLocationCallback
from ...models.hyper_precise_location_result import HyperPreciseLocationResult
from ...types import UNSET, Response


def _get_kwargs(
    *,
    body: HyperPreciseLocationCallback,
    account_number: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["accountNumber"] = account_number

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/callbacks",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CallbackRegistered | HyperPreciseLocationResult | None:
    if response.status_code == 200:
        response_200 = CallbackRegistered.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = HyperPreciseLocationResult.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = HyperPreciseLocationResult.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = HyperPreciseLocationResult.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = HyperPreciseLocationResult.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = HyperPreciseLocationResult.from_dict(response.json())

        return response_409

    if response.status_code == 500:
        response_500 = HyperPreciseLocationResult.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CallbackRegistered | HyperPreciseLocationResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: HyperPreciseLocationCallback,
    account_number: str,
) -> Response[CallbackRegistered | HyperPreciseLocationResult]:
    """Register a callback listener.

     Registers a URL at which an account receives asynchronous responses and other messages
    from a ThingSpace Platform callback service. The messages are REST messages. You are
    responsible for creating and running a listening process on your server at that URL to
    receive and parse the messages. Registering a name again replaces its URL.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        body (HyperPreciseLocationCallback): Callback registration request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallbackRegistered | HyperPreciseLocationResult]
    """

    kwargs = _get_kwargs(
        body=body,
        account_number=account_number,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: HyperPreciseLocationCallback,
    account_number: str,
) -> CallbackRegistered | HyperPreciseLocationResult | None:
    """Register a callback listener.

     Registers a URL at which an account receives asynchronous responses and other messages
    from a ThingSpace Platform callback service. The messages are REST messages. You are
    responsible for creating and running a listening process on your server at that URL to
    receive and parse the messages. Registering a name again replaces its URL.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        body (HyperPreciseLocationCallback): Callback registration request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallbackRegistered | HyperPreciseLocationResult
    """

    return sync_detailed(
        client=client,
        body=body,
        account_number=account_number,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: HyperPreciseLocationCallback,
    account_number: str,
) -> Response[CallbackRegistered | HyperPreciseLocationResult]:
    """Register a callback listener.

     Registers a URL at which an account receives asynchronous responses and other messages
    from a ThingSpace Platform callback service. The messages are REST messages. You are
    responsible for creating and running a listening process on your server at that URL to
    receive and parse the messages. Registering a name again replaces its URL.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        body (HyperPreciseLocationCallback): Callback registration request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallbackRegistered | HyperPreciseLocationResult]
    """

    kwargs = _get_kwargs(
        body=body,
        account_number=account_number,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: HyperPreciseLocationCallback,
    account_number: str,
) -> CallbackRegistered | HyperPreciseLocationResult | None:
    """Register a callback listener.

     Registers a URL at which an account receives asynchronous responses and other messages
    from a ThingSpace Platform callback service. The messages are REST messages. You are
    responsible for creating and running a listening process on your server at that URL to
    receive and parse the messages. Registering a name again replaces its URL.

    Args:
        account_number (str): The unique identifier for the account, 10 digits, a dash and 5
            digits, with leading zeroes. Example: 0844021539-00001.
        body (HyperPreciseLocationCallback): Callback registration request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallbackRegistered | HyperPreciseLocationResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            account_number=account_number,
        )
    ).parsed
