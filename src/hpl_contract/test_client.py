"""The generated `hpl_client` against the target: for hypothesis-generated valid requests it sends
what the spec describes and parses every answer, success or error, into the spec's models (documented
shapes); where a test also looks at what the answer says, that part names its own rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpl_client.api.callback_listeners import list_registered_callbacks
from hpl_client.api.device_reports import (
    calculate_aggregated_report_asynchronous,
    calculate_aggregated_report_synchronous,
    get_sessions_report,
)
from hpl_client.client import AuthenticatedClient
from hpl_client.models import (
    AggregatedReportCallbackResult,
    AggregateSessionReport,
    AggregateSessionReportRequest,
    CallbackCreated,
    HyperPreciseLocationResult,
    SessionReport,
    SessionReportRequest,
)
from hpl_client.models.no_session_flag import NoSessionFlag
from hpl_client.types import UNSET, Unset
from hpl_contract import strategies as gen
from hpl_contract import wire
from hpl_contract.hooks import format_date
from hpl_contract.rules import checking, rule
from hpl_contract.target import Target


@pytest.fixture(scope="module")
def client(target: Target) -> Iterator[AuthenticatedClient]:
    tokens = target.tokens()
    with AuthenticatedClient(
        base_url=target.base_url,
        token=tokens.access_token.reveal(),
        headers={"VZ-M2M-Token": tokens.m2m_token.reveal()},
        raise_on_unexpected_status=True,
        httpx_args={"event_hooks": {"response": [wire.remember]}},
    ) as authenticated:
        yield authenticated


def header(body: dict[str, Any], name: str) -> Any:
    return body.get(name, UNSET)


@rule("doc.response-models", "D5.report-identity", "D4.range-order")
@given(data=st.data(), reversed_range=st.booleans())
def test_generated_client_sends_sessions_reports_and_parses_the_answer(
    client: AuthenticatedClient, target: Target, data: st.DataObject, reversed_range: bool
) -> None:
    """The client's sessions request is accepted as the spec describes; its answer parses into
    `SessionReport`, or, for a reversed range, into the error model with INVALID_PARAMETER."""
    body = data.draw(gen.session_requests(target.account, target.imeis), label="body")
    if reversed_range:
        start, end = data.draw(gen.date_ranges(), label="range")
        body.update(startDate=format_date(end), endDate=format_date(start))
        reversed_range = end > start
    response = get_sessions_report.sync_detailed(
        client=client,
        body=SessionReportRequest.from_dict(body),
        account_number=body["accountNumber"],
        imei=body["imei"],
        start_date=header(body, "startDate"),
        end_date=header(body, "endDate"),
        duration_low=header(body, "durationLow"),
        duration_high=header(body, "durationHigh"),
    )
    if reversed_range:
        with checking("D4.range-order"):
            assert isinstance(response.parsed, HyperPreciseLocationResult), response.content
            assert response.parsed.error_code == "INVALID_PARAMETER"
    else:
        with checking("doc.response-models"):
            assert isinstance(response.parsed, SessionReport), response.content
        with checking("D5.report-identity"):
            assert response.parsed.id == body["imei"]
            assert response.parsed.to_dict()["id"] == body["imei"]


@rule("doc.response-models", "doc.aggregate-filters", "D5.aggregate-devices")
@given(data=st.data(), noise=st.sampled_from(["true", "false", None]))
def test_generated_client_sends_synchronous_aggregates_and_parses_the_answer(
    client: AuthenticatedClient, target: Target, data: st.DataObject, noise: str | None
) -> None:
    """The client's synchronous aggregate is accepted and its answer parses into `AggregateSessionReport`
    naming the requested devices (all of them, unless `noSessionFlag` drops those with sessions)."""
    body = data.draw(gen.aggregate_requests(target.account, target.imeis), label="body")
    if noise is not None:
        body["noSessionFlag"] = noise
    response = calculate_aggregated_report_synchronous.sync_detailed(
        client=client,
        body=AggregateSessionReportRequest.from_dict(body),
        account_number=body["accountNumber"],
        imei=str(len(body["imei"])),
        start_date=header(body, "startDate"),
        end_date=header(body, "endDate"),
        no_session_flag=NoSessionFlag(noise) if noise is not None else UNSET,
    )
    with checking("doc.response-models"):
        assert isinstance(response.parsed, AggregateSessionReport), response.content
    usage = response.parsed.usage if not isinstance(response.parsed.usage, Unset) else []
    errors = response.parsed.errors if not isinstance(response.parsed.errors, Unset) else []
    reported = sorted(str(i) for i in [u.imei for u in usage] + [e.imei for e in errors])
    if noise == "true":
        with checking("doc.aggregate-filters"):
            assert set(reported) <= set(body["imei"])
            assert all(u.number_of_sessions == 0 for u in usage)
    else:
        with checking("D5.aggregate-devices"):
            assert reported == sorted(body["imei"])


@rule("doc.async-queued")
@given(data=st.data(), portal=st.booleans())
def test_generated_client_queues_asynchronous_aggregates_and_parses_the_answer(
    client: AuthenticatedClient, target: Target, listener_registered: str, data: st.DataObject, portal: bool
) -> None:
    """The client's asynchronous aggregate is queued; the answer parses into a QUEUED
    `AggregatedReportCallbackResult`."""
    body = data.draw(gen.aggregate_requests(target.account, target.imeis, max_devices=3), label="body")
    response = calculate_aggregated_report_asynchronous.sync_detailed(
        client=client,
        body=AggregateSessionReportRequest.from_dict(body),
        x_portal_initiated=portal,
        account_number=body["accountNumber"],
        imei=str(len(body["imei"])),
        start_date=header(body, "startDate"),
        end_date=header(body, "endDate"),
    )
    assert isinstance(response.parsed, AggregatedReportCallbackResult), response.content
    assert response.parsed.status == "QUEUED"


@rule("doc.response-models", "D6.account-binding")
@given(account=st.one_of(st.just("own"), gen.other_accounts("0844021539-00001")))
def test_generated_client_lists_listeners_and_parses_the_answer(
    client: AuthenticatedClient, target: Target, listener_registered: str, account: str
) -> None:
    """Listing the own account's listeners parses into `CallbackCreated` models; another account's
    refusal parses into the error model."""
    own = account == "own" or account == target.account
    response = list_registered_callbacks.sync_detailed(client=client, account_number=target.account if own else account)
    if own:
        with checking("doc.response-models"):
            assert isinstance(response.parsed, list), response.content
            assert all(isinstance(entry, CallbackCreated) for entry in response.parsed)
            assert listener_registered in [entry.url for entry in response.parsed]
    else:
        with checking("D6.account-binding"):
            assert isinstance(response.parsed, HyperPreciseLocationResult), response.content
