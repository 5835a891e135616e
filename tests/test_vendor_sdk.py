"""The vendor's own Python SDK, `sdksio-verizon-apis-sdk` 2.0.0, works against the sandbox (issue 14, item 5).

The SDK runs in a venv of its own (tools/vendor_sdk.py; its pins clash with ours), as a subprocess
(tests/vendor_scenario.py) that talks to a sandbox on a real loopback socket. The sandbox runs in
compatibility mode, because the SDK sends the report parameters in the body only (D2). Every call
must either succeed or raise the SDK's own exception class for the right HTTP status.

The first run installs the SDK into benchmarks/.vendor-venv (about 10 s with a reachable index);
without one, these tests are skipped with pip's reason, and only then.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hpl_sandbox.config import ACCOUNT_1, ACCOUNT_2, SandboxConfig
from hpl_sandbox.testing import JournalEntry, RunningSandbox, start_sandbox
from tools import vendor_sdk

ROOT = Path(__file__).resolve().parent.parent
README_SNIPPET = re.compile(r"^ *```python name=vendor-sdk-sandbox\n(?P<code>.*?)^ *```$", re.DOTALL | re.MULTILINE)
HPL_ERROR = "verizon.exceptions.hyper_precise_location_result_exception.HyperPreciseLocationResultException"
OAUTH_ERROR = "verizon.exceptions.oauth_provider_exception.OauthProviderException"
API_ERROR = "verizon.exceptions.api_exception.APIException"
LISTENER = {"name": "vendor-sdk-listener", "url": "http://127.0.0.1:9/hpl-callbacks"}
JOURNEY = ["token", "login", "register", "list", "sessions", "aggregate", "async_aggregate", "deregister"]


def sandbox_config(*, compat_mode: bool = True) -> SandboxConfig:
    # A callback to the listener above is refused at once; one attempt keeps the sandbox quiet.
    return SandboxConfig(compat_mode=compat_mode, callback_max_attempts=1)


Record = dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def vendor_python() -> Path:
    try:
        return vendor_sdk.ensure()
    except vendor_sdk.VendorSdkUnavailable as unavailable:
        pytest.skip(str(unavailable))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox("socket", sandbox_config()) as running:
        yield running


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def drive(python: Path, sandbox: RunningSandbox, steps: list[str]) -> Record:
    """Run `steps` of tests/vendor_scenario.py with the vendor SDK against `sandbox`; its record."""
    credentials = SandboxConfig().credentials[0]
    # Dates from the sandbox clock, so the scenario holds whatever the wall clock says.
    now = dt.datetime.fromisoformat(sandbox.control.clock()["now"])
    imeis = sandbox.control.imeis(ACCOUNT_1, state="active")[:3]
    scenario = {
        "origin": sandbox.origin,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "username": credentials.username,
        "password": credentials.password,
        "account": ACCOUNT_1,
        "other_account": ACCOUNT_2,
        "imei": imeis[0],
        "imeis": imeis,
        "start": _rfc3339(now - dt.timedelta(days=30)),
        "end": _rfc3339(now),
        "listener": LISTENER,
        "steps": steps,
    }
    # Credentials go over stdin, never on a command line.
    done = subprocess.run(
        [str(python), "-m", "tests.vendor_scenario"],
        cwd=ROOT,
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    record: Record = json.loads(done.stdout)
    return record


@pytest.fixture(scope="module")
def journey(vendor_python: Path, sandbox: RunningSandbox) -> tuple[Record, list[JournalEntry]]:
    sandbox.control.clear_journal()
    record = drive(vendor_python, sandbox, [*JOURNEY, "other_account_sessions", "bad_session_token"])
    return record, sandbox.control.journal()


def returned(record: Record, step: str) -> Any:
    outcome = record[step]
    assert outcome["outcome"] == "returned", outcome
    return outcome["body"]


def test_the_vendor_sdk_fetches_an_oauth_token_from_the_sandbox(journey: tuple[Record, list[JournalEntry]]) -> None:
    token = returned(journey[0], "token")
    assert token == {"token_type": "bearer", "expires_in": SandboxConfig().token_ttl, "has_access_token": True}


def test_the_vendor_sdk_logs_in_for_an_m2m_session_token(journey: tuple[Record, list[JournalEntry]]) -> None:
    assert returned(journey[0], "login") == {"status": 200, "has_session_token": True}


def test_the_vendor_sdk_registers_a_callback_listener(journey: tuple[Record, list[JournalEntry]]) -> None:
    assert journey[0]["register"]["status"] == 200
    assert returned(journey[0], "register") == {"account_name": ACCOUNT_1, "name": LISTENER["name"]}


def test_the_vendor_sdk_reads_the_listing_with_its_account_name(journey: tuple[Record, list[JournalEntry]]) -> None:
    # The current SDK reads `accountName` only (D8): with `aname` its model would lack the account.
    listing = returned(journey[0], "list")
    assert listing == [{"account_name": ACCOUNT_1, "name": LISTENER["name"], "url": LISTENER["url"]}]


def test_the_vendor_sdk_deregisters_the_listener(journey: tuple[Record, list[JournalEntry]]) -> None:
    outcome = journey[0]["deregister"]
    assert (outcome["outcome"], outcome["status"]) == ("returned", 200)


def test_the_vendor_sdk_reads_a_sessions_report(journey: tuple[Record, list[JournalEntry]]) -> None:
    record = journey[0]
    report = returned(record, "sessions")
    answered = json.loads(record["sessions"]["text"])
    assert report["id"] == answered["id"]
    assert report["txid"] == answered["txid"]
    assert [s["num_bytes"] for s in report["sessions"]] == [s["numBytes"] for s in answered["sessions"]]
    assert report["sessions"], "the demo device has sessions in the last 30 days"


def test_the_vendor_sdk_reads_a_synchronous_aggregate(journey: tuple[Record, list[JournalEntry]]) -> None:
    record, journal = journey
    report = returned(record, "aggregate")
    (sent,) = [entry["body"] for entry in journal if entry["path"].endswith("/report/aggregate")]
    assert [item["imei"] for item in report["usage"]] == sent["imei"]
    assert all(item["number_of_sessions"] > 0 for item in report["usage"])


def test_the_sandbox_takes_the_vendor_sdks_boolean_no_session_flag(
    journey: tuple[Record, list[JournalEntry]],
) -> None:
    # D8: the current SDK sends noSessionFlag as a JSON boolean, where the seeds show a string.
    record, journal = journey
    (entry,) = [entry for entry in journal if entry["path"].endswith("/report/aggregate")]
    assert (entry["body"]["noSessionFlag"], entry["status"]) == (False, 200)
    assert record["aggregate"]["status"] == 200


def test_the_vendor_sdk_queues_an_asynchronous_aggregate(
    journey: tuple[Record, list[JournalEntry]], sandbox: RunningSandbox
) -> None:
    queued = returned(journey[0], "async_aggregate")
    assert queued["status"] == "QUEUED"
    assert [job["txid"] for job in sandbox.control.jobs(queued["txid"])] == [queued["txid"]]


def test_the_vendor_sdk_raises_its_hpl_error_with_403_for_another_account(
    journey: tuple[Record, list[JournalEntry]],
) -> None:
    outcome = journey[0]["other_account_sessions"]
    assert (outcome["outcome"], outcome["exception"], outcome["status"]) == ("raised", HPL_ERROR, 403)
    assert outcome["fields"]["reason"] == "Forbidden request."


def test_the_vendor_sdk_raises_its_hpl_error_with_401_for_an_unknown_session_token(
    journey: tuple[Record, list[JournalEntry]],
) -> None:
    outcome = journey[0]["bad_session_token"]
    assert (outcome["outcome"], outcome["exception"], outcome["status"]) == ("raised", HPL_ERROR, 401)


def test_the_vendor_sdk_raises_its_oauth_error_with_401_for_a_wrong_client_secret(
    vendor_python: Path, sandbox: RunningSandbox
) -> None:
    outcome = drive(vendor_python, sandbox, ["bad_client_secret"])["bad_client_secret"]
    assert (outcome["outcome"], outcome["exception"], outcome["status"]) == ("raised", OAUTH_ERROR, 401)
    assert outcome["fields"]["error"] == "invalid_client"


def test_the_vendor_sdk_raises_its_base_error_with_401_for_a_wrong_password(
    vendor_python: Path, sandbox: RunningSandbox
) -> None:
    # The SDK declares only a 400 for the login (ConnectivityManagementResultException); the
    # sandbox answers a wrong password with 401 (D6), which the SDK raises as its base APIException.
    outcome = drive(vendor_python, sandbox, ["token", "bad_login"])["bad_login"]
    assert (outcome["outcome"], outcome["exception"], outcome["status"]) == ("raised", API_ERROR, 401)


def test_the_vendor_sdk_reads_the_gateway_envelope_the_sandbox_can_answer(
    vendor_python: Path, sandbox: RunningSandbox
) -> None:
    # The SDK's error model is the gateway's {responseCode, message, fault} (D8); it reads nothing
    # of {errorCode, errorMessage}. The control plane makes the sandbox answer the former.
    sandbox.control.force("calculateAggregatedReportSynchronous", 404, gateway_envelope=True)
    outcome = drive(vendor_python, sandbox, ["token", "login", "aggregate"])["aggregate"]
    assert (outcome["outcome"], outcome["exception"], outcome["status"]) == ("raised", HPL_ERROR, 404)
    assert outcome["fields"]["fault"]["code"] == "900906"


def test_without_compatibility_mode_the_sandbox_refuses_the_vendor_sdks_body_only_reports(
    vendor_python: Path,
) -> None:
    with start_sandbox("socket", sandbox_config(compat_mode=False)) as strict:
        outcome = drive(vendor_python, strict, ["token", "login", "sessions"])["sessions"]
    assert (outcome["outcome"], outcome["exception"], outcome["status"]) == ("raised", HPL_ERROR, 400)
    assert "accountNumber" in json.loads(outcome["text"])["errorMessage"]


def test_the_readmes_vendor_sdk_snippet_reaches_the_sandbox(vendor_python: Path, sandbox: RunningSandbox) -> None:
    found = README_SNIPPET.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no `python name=vendor-sdk-sandbox` block"
    code = textwrap.dedent(found["code"]).replace("http://127.0.0.1:8080", sandbox.origin)
    code += f"print(client.hyper_precise_location_callbacks.list_registered_callbacks({ACCOUNT_1!r}).status_code)\n"
    done = subprocess.run(
        [str(vendor_python), "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout) == (0, "200\n"), done.stderr[-3000:]
