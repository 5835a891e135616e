"""Issue 15 item 1: what the package carries — the spec as a resource, type markers, one version —
and what `import hpl` must leave unloaded."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from openapi_schema_validator import oas30_format_checker

import hpl
import hpl_sandbox
from hpl_sandbox import cli as sandbox_cli
from hpl_sandbox.spec import SPEC_RESOURCE, default_spec_path, load_spec
from hpl_sandbox.validation import MissingDependencyError, require_format_checks

ROOT = Path(__file__).resolve().parent.parent
REPO_SPEC = ROOT / "openapi" / "hpl-device-reports.yaml"


def test_the_packaged_spec_is_byte_for_byte_the_repository_spec() -> None:
    packaged = files("hpl_sandbox").joinpath(SPEC_RESOURCE).read_bytes()
    assert packaged == REPO_SPEC.read_bytes()


def test_the_repository_keeps_one_copy_of_the_spec() -> None:
    # The package's file points at openapi/; a second real file could drift from it.
    link = ROOT / "src" / "hpl_sandbox" / SPEC_RESOURCE
    assert link.is_symlink()
    assert link.resolve() == REPO_SPEC.resolve()


def test_the_sandbox_finds_the_packaged_spec_without_hpl_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HPL_SPEC", raising=False)
    assert default_spec_path().read_bytes() == REPO_SPEC.read_bytes()


def test_both_packages_carry_the_py_typed_marker() -> None:
    assert files("hpl").joinpath("py.typed").is_file()
    assert files("hpl_sandbox").joinpath("py.typed").is_file()


def test_both_packages_report_the_distribution_version() -> None:
    version = importlib.metadata.version("thingspace-hpl")
    assert hpl.__version__ == version
    assert hpl_sandbox.__version__ == version


def test_importing_hpl_loads_no_server_code() -> None:
    # A fresh interpreter: this test process has long since imported uvicorn for other tests.
    check = (
        "import sys, hpl\n"
        "loaded = sorted(m for m in ('uvicorn', 'starlette', 'hpl_sandbox') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_sandbox_refuses_to_run_when_uri_checks_would_be_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    # What jsonschema's checker looks like when rfc3986-validator is not installed.
    without_uri = {name: check for name, check in oas30_format_checker.checkers.items() if name != "uri"}
    monkeypatch.setattr(oas30_format_checker, "checkers", without_uri)
    with pytest.raises(MissingDependencyError, match=r"rfc3986-validator.*thingspace-hpl\[sandbox\]"):
        require_format_checks(load_spec())


def test_hpl_sandbox_names_the_extra_when_a_package_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "orjson", None)  # what an install without [sandbox] looks like
    monkeypatch.delitem(sys.modules, "hpl_sandbox.app", raising=False)
    assert sandbox_cli.main(["serve", "--db", ":memory:", "--port", "0"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "orjson" in line and "pip install 'thingspace-hpl[sandbox]'" in line
