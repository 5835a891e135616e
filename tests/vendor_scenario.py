"""Drives the vendor SDK (`sdksio-verizon-apis-sdk` 2.0.0) against a server, under the vendor's own venv.

`python -m tests.vendor_scenario` from the repository root, with a JSON scenario on stdin: the
server's origin, the credentials, the request values, and `steps`, the names of the calls to make
in order. It prints one JSON document: for each step, whether the SDK returned or raised, the HTTP
status, the class of what it raised and what the SDK made of the answer (its models as plain
attribute dictionaries, its exception's fields). Secrets never appear in it: of the token and the
session only their presence is reported. tests/test_vendor_sdk.py runs it and judges the record.

This file runs under the vendor venv's python, so it imports only the standard library, `verizon`
and tools/vendor_sdk.py.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

from verizon.api_helper import APIHelper
from verizon.http.auth.thingspace_oauth import ThingspaceOauthCredentials
from verizon.http.auth.vz_m2m_token import VZM2mTokenCredentials
from verizon.models.aggregate_session_report_request import AggregateSessionReportRequest
from verizon.models.hyper_precise_location_callback import HyperPreciseLocationCallback
from verizon.models.log_in_request import LogInRequest
from verizon.models.session_report_request import SessionReportRequest
from verizon.verizon_client import VerizonClient

from tools.vendor_sdk import sandbox_configuration


def plain(value: Any) -> Any:
    """A model of the SDK as nested dicts of its attributes (an attribute it left unset is absent)."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if value is APIHelper.SKIP:
        return "<SKIP>"
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {key: plain(item) for key, item in vars(value).items() if not key.startswith("_")}
    return value


class Scenario:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.credentials = ThingspaceOauthCredentials(
            oauth_client_id=spec["client_id"], oauth_client_secret=spec["client_secret"]
        )
        # How the vendor's README sets it up: client credentials, and the token fetched on demand.
        self.client = VerizonClient(
            config=sandbox_configuration(spec["origin"], thingspace_oauth_credentials=self.credentials)
        )
        self.session_token: str | None = None

    def _with_session(self, session_token: str) -> VerizonClient:
        # The SDK neither obtains nor renews the M2M session token (vendor-sdk.md §1.3): the user
        # logs in, then builds a client that carries it next to the OAuth credentials.
        config = self.client.config.clone_with(vz_m2m_token_credentials=VZM2mTokenCredentials(session_token))
        return VerizonClient(config=config)

    @property
    def reporting(self) -> VerizonClient:
        if self.session_token is None:
            raise RuntimeError("the scenario must log in before it asks for reports")
        return self._with_session(self.session_token)

    def aggregate_request(self, account: str) -> Any:
        spec = self.spec
        # noSessionFlag as the JSON boolean this SDK sends (D8), not the seeds' string.
        return AggregateSessionReportRequest(
            account_number=account,
            imei=spec["imeis"],
            start_date=spec["start"],
            end_date=spec["end"],
            no_session_flag=False,
        )

    def sessions_request(self, account: str) -> Any:
        spec = self.spec
        return SessionReportRequest(
            account_number=account, imei=spec["imei"], start_date=spec["start"], end_date=spec["end"]
        )

    # Each step returns the SDK's ApiResponse, or a dict that stands for one it must not print.

    def token(self) -> Any:
        manager = self.client.auth_managers["thingspace_oauth"]
        token = manager.fetch_token()
        # The vendor's documented way to keep a fetched token: clone the credentials with it.
        credentials = self.client.config.thingspace_oauth_credentials.clone_with(oauth_token=token)
        self.client = VerizonClient(config=self.client.config.clone_with(thingspace_oauth_credentials=credentials))
        return {
            "token_type": token.token_type,
            "expires_in": token.expires_in,
            "has_access_token": bool(token.access_token),
        }

    def login(self) -> Any:
        spec = self.spec
        request = LogInRequest(username=spec["username"], password=spec["password"])
        response = self.client.session_management.start_connectivity_management_session(request)
        self.session_token = getattr(response.body, "session_token", None)
        return {"status": response.status_code, "has_session_token": bool(self.session_token)}

    def bad_login(self) -> Any:
        request = LogInRequest(username=self.spec["username"], password="not-" + self.spec["password"])
        return self.client.session_management.start_connectivity_management_session(request)

    def bad_client_secret(self) -> Any:
        credentials = ThingspaceOauthCredentials(
            oauth_client_id=self.spec["client_id"], oauth_client_secret="not-" + self.spec["client_secret"]
        )
        client = VerizonClient(
            config=sandbox_configuration(self.spec["origin"], thingspace_oauth_credentials=credentials)
        )
        client.auth_managers["thingspace_oauth"].fetch_token()
        return {"fetched": True}

    def register(self) -> Any:
        listener = HyperPreciseLocationCallback(name=self.spec["listener"]["name"], url=self.spec["listener"]["url"])
        return self.reporting.hyper_precise_location_callbacks.register_callback(self.spec["account"], listener)

    def list(self) -> Any:
        return self.reporting.hyper_precise_location_callbacks.list_registered_callbacks(self.spec["account"])

    def deregister(self) -> Any:
        callbacks = self.reporting.hyper_precise_location_callbacks
        return callbacks.deregister_callback(self.spec["account"], self.spec["listener"]["name"])

    def sessions(self) -> Any:
        return self.reporting.device_reports.get_sessions_report(self.sessions_request(self.spec["account"]))

    def aggregate(self) -> Any:
        reports = self.reporting.device_reports
        return reports.calculate_aggregated_report_synchronous(self.aggregate_request(self.spec["account"]))

    def async_aggregate(self) -> Any:
        reports = self.reporting.device_reports
        return reports.calculate_aggregated_report_asynchronous(self.aggregate_request(self.spec["account"]))

    def other_account_sessions(self) -> Any:
        return self.reporting.device_reports.get_sessions_report(self.sessions_request(self.spec["other_account"]))

    def bad_session_token(self) -> Any:
        reports = self._with_session("not-a-session-token").device_reports
        return reports.get_sessions_report(self.sessions_request(self.spec["account"]))


def run_step(step: Callable[[], Any]) -> dict[str, Any]:
    try:
        answer = step()
    except Exception as error:  # every outcome is recorded; the test judges it
        response = getattr(error, "response", None)
        fields = {k: plain(v) for k, v in vars(error).items() if k != "response"}
        return {
            "outcome": "raised",
            "exception": f"{type(error).__module__}.{type(error).__qualname__}",
            "status": getattr(response, "status_code", None),
            "fields": fields,
            "text": getattr(response, "text", None),
            "traceback": traceback.format_exc(limit=4) if response is None else None,
        }
    if isinstance(answer, dict):
        return {"outcome": "returned", "status": answer.get("status"), "body": answer}
    return {"outcome": "returned", "status": answer.status_code, "body": plain(answer.body), "text": answer.text}


def main() -> None:
    spec = json.load(sys.stdin)
    scenario = Scenario(spec)
    record = {name: run_step(getattr(scenario, name)) for name in spec["steps"]}
    json.dump(record, sys.stdout)


if __name__ == "__main__":
    main()
