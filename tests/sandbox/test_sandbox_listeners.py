"""The callback listener operations (D7, with D8's shapes): register, list, replace, remove."""

from __future__ import annotations

from tests.sandbox.support import CALLBACKS, Api, assert_error


def listed(api: Api) -> list[dict[str, str]]:
    response = api.client.get(CALLBACKS, params={"accountNumber": api.account}, headers=api.credentials)
    assert response.status_code == 200
    found: list[dict[str, str]] = response.json()
    return found


def test_no_listeners_are_registered_at_first(api: Api) -> None:
    assert listed(api) == []


def test_a_registered_listener_is_listed_with_the_account_as_account_name(api: Api) -> None:
    # D8: the vendor's current SDKs read `accountName` (the doc pages' `aname` is the other shape).
    answer = api.register("BullseyeReporting", "https://example.com/hook")
    assert answer.json() == {"accountName": api.account, "name": "BullseyeReporting"}
    assert listed(api) == [{"accountName": api.account, "name": "BullseyeReporting", "url": "https://example.com/hook"}]


def test_registering_a_name_again_replaces_its_url(api: Api) -> None:
    api.register("hook", "https://example.com/old")
    api.register("hook", "https://example.com/new")
    assert [entry["url"] for entry in listed(api)] == ["https://example.com/new"]


def test_listeners_belong_to_their_account(api: Api, api2: Api) -> None:
    api.register("hook", "https://example.com/one")
    assert listed(api2) == []


def test_a_removed_listener_is_gone(api: Api) -> None:
    api.register("hook", "https://example.com/hook")
    params = {"accountNumber": api.account, "service": "hook"}
    response = api.client.delete(CALLBACKS, params=params, headers=api.credentials)
    assert response.status_code == 200
    assert listed(api) == []


def test_removing_a_listener_answers_the_doc_pages_body(api: Api) -> None:
    # D8: the doc pages answer `{responseCode, message}`; the spec allows that or no body.
    api.register("hook", "https://example.com/hook")
    params = {"accountNumber": api.account, "service": "hook"}
    response = api.client.delete(CALLBACKS, params=params, headers=api.credentials)
    assert response.json() == {"responseCode": "SUCCESS", "message": "Callback listener hook removed"}


def test_removing_an_unknown_name_is_404(api: Api) -> None:
    params = {"accountNumber": api.account, "service": "nobody"}
    assert_error(api.client.delete(CALLBACKS, params=params, headers=api.credentials), 404, "INVALID_PARAMETER")


def test_a_url_that_is_not_http_is_refused(api: Api) -> None:
    assert_error(api.register("hook", "ftp://example.com/hook"), 400, says="url")


def test_an_unknown_field_in_a_registration_is_refused(api: Api) -> None:
    body = {"name": "hook", "url": "https://example.com/hook", "secret": "x"}
    response = api.client.post(CALLBACKS, params={"accountNumber": api.account}, json=body, headers=api.credentials)
    assert_error(response, 400, says="secret")
