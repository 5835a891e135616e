"""Schemathesis over every operation of the spec: examples, coverage and fuzzing phases, positive and
negative cases, every default check, and response bodies validated with their formats.

The hooks in `hooks.py` keep positive cases semantically valid; the summary at the end of the run
reports how many of them the target answered with 2xx. Each check stands for one rule
(`rules.CHECK_RULES`): a failing case is attributed to the rules of the checks it failed.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.schemas import BaseSchema

from hpl_contract import hooks, rules, wire
from hpl_contract import strategies as gen
from hpl_contract.listener import LISTENER_NAME, register_listener, suite_callback_url
from hpl_contract.report import DEFAULT_SEED, Recorder
from hpl_contract.spec_loader import load_spec
from hpl_contract.target import Target, sandbox_devices, usable_target

SEED = int(os.environ.get("HPL_CONTRACT_SEED") or DEFAULT_SEED)
CALLBACK_OPERATIONS = {"registerCallback", "deregisterCallback"}


def _config() -> SchemathesisConfig:
    """Configured here, not in a schemathesis.toml that every loader in the repo would pick up."""
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": gen.profile().max_examples,
                "deterministic": gen.profile().derandomize,
                "database": "none",
                # A server may ignore headers it does not know (tooling.md §4.5).
                "allow-extra-parameters": False,
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                # The spec has no links; stateful testing would have nothing to chain.
                "stateful": {"enabled": False},
            },
            "checks": {"response_schema_conformance": {"validate-formats": True}},
        }
    )


def _record_checks(context: Any, case: Any, response: Any, results: list[Any]) -> None:
    _CHECK_RESULTS[:] = [(result.name, result.failure) for result in results if result.failure is not None]


_CHECK_RESULTS: list[tuple[str, Any]] = []


def _semantics(target: Target) -> hooks.Semantics:
    semantics = hooks.Semantics(account=target.account, imeis=target.imeis, callback_url=suite_callback_url(target))
    if target.is_sandbox:
        devices = sandbox_devices(target, target.account)
        semantics.device_groups = tuple(sorted({d["deviceGroup"] for d in devices if d.get("deviceGroup")}))
        semantics.data_plans = tuple(sorted({d["dataPlan"] for d in devices if d.get("dataPlan")}))
    return semantics


def _spec_for_generation() -> dict[str, Any]:
    """The spec, less one boundary: building the 10,000-IMEI unique arrays of the `maxItems` coverage
    scenarios takes about 5 s each, longer than the rest of the run. `test_rules` checks that
    boundary (10,001 devices refused) and the synchronous limit of 10 explicitly."""
    spec = copy.deepcopy(load_spec())
    imei = spec["components"]["schemas"]["AggregateSessionReportRequest"]["properties"]["imei"]
    for branch in imei["anyOf"]:  # the array of IMEIs, beside one IMEI string (D8)
        branch.pop("maxItems", None)
    return spec


def _selected(schema: BaseSchema) -> BaseSchema:
    """Only the operations `HPL_CONTRACT_INCLUDE` names, less those of `HPL_CONTRACT_EXCLUDE` (operation
    ids; `hpl-contract --include/--exclude` sets them and refuses an unknown id)."""
    include = os.environ.get("HPL_CONTRACT_INCLUDE", "").replace(",", " ").split()
    exclude = os.environ.get("HPL_CONTRACT_EXCLUDE", "").replace(",", " ").split()
    if include:
        schema = schema.include(operation_id=include)
    if exclude:
        schema = schema.exclude(operation_id=exclude)
    return schema


# Examples and coverage cases are built while pytest collects, so the target must be known then.
TARGET = usable_target()
schema = _selected(schemathesis.openapi.from_dict(_spec_for_generation(), config=_config()))
schema.config.update(base_url=TARGET.base_url)
SEMANTICS = _semantics(TARGET)
hooks.install(schema, SEMANTICS)
schema.hook("after_validate")(_record_checks)


@pytest.fixture(scope="module", autouse=True)
def _arranged(target: Target, api: httpx.Client, recorder: Recorder) -> None:
    """The suite's listener registered, so that positive asynchronous cases can be queued."""
    recorder.seed = SEED
    if SEMANTICS.callback_url is not None:
        register_listener(api, target, LISTENER_NAME, SEMANTICS.callback_url)


def _is_positive(case: Any) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _reproducible_curl(case: Any, headers: dict[str, str], target: Target) -> str:
    """The failing request as curl, its credentials read from the shell instead of printed."""
    curl: str = case.as_curl_command(headers=headers, base_url=target.base_url)
    tokens = target.tokens()
    for secret, variable, header in (
        (f"Bearer {tokens.access_token.reveal()}", "Bearer $HPL_ACCESS_TOKEN", "Authorization"),
        (tokens.m2m_token.reveal(), "$HPL_M2M_TOKEN", "VZ-M2M-Token"),
    ):
        curl = curl.replace(f"-H '{header}: [Filtered]'", f'-H "{header}: {variable}"')
        curl = curl.replace(f"-H '{header}: {secret}'", f'-H "{header}: {variable}"')
    return wire.Redactor(target.redactions()).text(curl)


@rules.rule(*dict.fromkeys(rules.CHECK_RULES.values()))
@schema.parametrize()
def test_operation_conforms_to_the_spec(case: Any, target: Target, api: httpx.Client, recorder: Recorder) -> None:
    operation_id = case.operation.definition.raw.get("operationId", "")
    if operation_id in CALLBACK_OPERATIONS and SEMANTICS.callback_url is None:
        pytest.skip("registering listeners on a live target needs HPL_CALLBACK_URL (a URL you own)")
    headers = target.auth_headers()
    if operation_id == "deregisterCallback" and _is_positive(case) and SEMANTICS.callback_url is not None:
        # A positive removal names a listener that exists, as a client would.
        register_listener(api, target, case.query["service"], SEMANTICS.callback_url)
    response = case.call(base_url=target.base_url, headers=headers)
    if operation_id == "deregisterCallback" and SEMANTICS.callback_url is not None:
        # Schemathesis reuses values it has seen in answers, so it may remove the suite's own listener;
        # later tests queue asynchronous reports and need it back.
        register_listener(api, target, LISTENER_NAME, SEMANTICS.callback_url)
    recorder.record_call(case.operation.label, positive=_is_positive(case), status=response.status_code)
    _CHECK_RESULTS.clear()
    try:
        case.validate_response(response, headers=headers)
    except (AssertionError, BaseExceptionGroup) as error:
        failures = [(name, failure.title, failure.message) for name, failure in _CHECK_RESULTS] or [
            ("assertion", type(error).__name__, str(error))
        ]
        curl = _reproducible_curl(case, headers, target)
        recorder.record_failures(case.operation.label, failures, response.status_code, curl)
        wire.remember_curl(curl, response.status_code, response.text)
        if _CHECK_RESULTS:
            # Without the checks' names the failure stays unattributed: the test's labels, documented
            # ones among them, then decide, so it fails the run.
            rules.attribute(
                error,
                [
                    rules.Breach(rules.check_rule(name), f"{title}: {message}", wire.last_exchange())
                    for name, title, message in failures
                ],
            )
        raise
