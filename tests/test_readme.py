"""The README's examples run, in order, against the sandbox over a real socket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hpl_sandbox.app import create_app
from tests.serving import serve

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python name=(?P<name>generated-[\w-]+)\n(?P<code>.*?)^```$", re.DOTALL | re.MULTILINE)
SANDBOX_URL = "http://127.0.0.1:8080"


def readme_blocks() -> list[tuple[str, str]]:
    return [(m["name"], m["code"]) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serve(create_app()) as url:
        yield url


def tokens(origin: str) -> tuple[str, str]:
    """The two development credentials of account 0844021539-00001, as a user would fetch them."""
    oauth = httpx.post(
        f"{origin}/api/ts/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client-1", "sandbox-secret-1"),
    )
    oauth.raise_for_status()
    access_token = oauth.json()["access_token"]
    login = httpx.post(
        f"{origin}/api/m2m/v1/session/login",
        json={"username": "sandbox-user-1", "password": "sandbox-password-1"},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    login.raise_for_status()
    return access_token, login.json()["sessionToken"]


def test_readme_has_an_example_of_each_report_operation() -> None:
    code = "\n".join(code for _, code in readme_blocks())
    for operation in (
        "get_sessions_report",
        "calculate_aggregated_report_synchronous",
        "calculate_aggregated_report_asynchronous",
    ):
        assert f"{operation}.sync(" in code


def test_readme_examples_run_against_the_sandbox(origin: str, capsys: pytest.CaptureFixture[str]) -> None:
    access_token, session_token = tokens(origin)
    namespace: dict[str, object] = {"access_token": access_token, "session_token": session_token}
    for name, code in readme_blocks():
        exec(compile(code.replace(SANDBOX_URL, origin), f"README.md:{name}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "709312034493372" in printed
    assert "report queued as" in printed
