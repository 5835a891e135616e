"""Issue item 1: the sandbox serves the spec file it is given — routes, parameters and schemas
come from the file, not from a copy in the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hpl_sandbox.app import HandlerTableError, create_app
from hpl_sandbox.config import ACCOUNT_1, SandboxConfig
from hpl_sandbox.handlers import HANDLERS
from hpl_sandbox.spec import default_spec_path, load_spec, operations
from tests.sandbox.support import ACTIVE, Api, TestClient, assert_error, login


def edited_spec(tmp_path: Path, old: str, new: str) -> Path:
    text = default_spec_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_tightened_schema_in_the_spec_file_is_enforced(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    spec = edited_spec(tmp_path, "      maxItems: 10000\n", "      maxItems: 1\n")
    client = make_client(spec_path=str(spec))
    api = Api(client, login(client), ACCOUNT_1)
    assert api.aggregate(imei=[ACTIVE]).status_code == 200
    assert_error(api.aggregate(imei=[ACTIVE, "709312035000000"]), 400, says="imei")


def test_the_base_path_comes_from_the_spec_servers(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    spec = edited_spec(tmp_path, "/api/hyper-precise/v1", "/api/hyper-precise/v9")
    client = make_client(spec_path=str(spec))
    credentials = login(client)
    body = {"accountNumber": ACCOUNT_1, "imei": ACTIVE}
    headers = {**credentials, "accountNumber": ACCOUNT_1, "imei": ACTIVE}
    assert client.post("/api/hyper-precise/v9/report/sessions", json=body, headers=headers).status_code == 200
    assert_error(client.post("/api/hyper-precise/v1/report/sessions", json=body, headers=headers), 404)


def test_hpl_spec_names_the_spec_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HPL_SPEC", str(tmp_path / "elsewhere.yaml"))
    assert default_spec_path() == tmp_path / "elsewhere.yaml"


def test_a_spec_operation_without_a_handler_stops_create_app_with_one_clear_error(tmp_path: Path) -> None:
    spec = edited_spec(tmp_path, "operationId: getSessionsReport", "operationId: getSessionsReportV2")
    with pytest.raises(HandlerTableError) as refused:
        create_app(SandboxConfig(spec_path=str(spec)))
    assert str(refused.value) == (
        "The sandbox cannot serve this spec: operations of the spec without a handler: getSessionsReportV2;"
        " handlers for operations the spec does not have: getSessionsReport (see src/hpl_sandbox/handlers.py)"
    )


def test_a_handler_table_missing_an_operation_of_the_spec_stops_create_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(HANDLERS, "registerCallback")
    with pytest.raises(HandlerTableError, match=r"without a handler: registerCallback \("):
        create_app()


def test_the_handler_table_answers_exactly_the_operations_of_the_spec() -> None:
    spec_operations = {ref.operation_id for ref in operations(load_spec())}
    assert set(HANDLERS) == spec_operations
