"""docs/ci/contract.yml, the GitHub Actions example, can be copied as it is: it parses, installs an
extra that exists, every program it calls is there and takes the options it is given, and the summary
step reads a report the command writes."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from hpl_contract import cli

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "docs" / "ci" / "contract.yml"
BIN = Path(sys.executable).parent
# Keywords and the loop variable of the wait loop; what is left of a line starts with a program.
SHELL_WORDS = {"for", "attempt", "in", "do", "done", "break"}


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def steps() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"]["contract"]["steps"]
    return found


def commands() -> list[list[str]]:
    """Every simple command of every `run:` step, split as the shell would (variables left as written)."""
    out: list[list[str]] = []
    for step in steps():
        for line in str(step.get("run", "")).splitlines():
            for part in line.replace("&&", ";").replace("$(", "; ").replace(")", " ").split(";"):
                words = shlex.split(part, comments=True)
                while words and words[0] in SHELL_WORDS:
                    words = words[1:]
                if words and not words[0].replace(".", "").isdigit():
                    out.append(words)
    return out


def command(program: str) -> list[str]:
    return next(words for words in commands() if words[0] == program)


def test_the_workflow_parses_with_a_job_that_runs_on_every_push() -> None:
    loaded = workflow()
    # YAML 1.1 reads the key `on` as True.
    triggers = loaded["on"] if "on" in loaded else loaded[True]
    assert "push" in triggers
    assert [s for s in steps() if "hpl-contract" in str(s.get("run", ""))]


def test_every_program_the_workflow_calls_exists_here() -> None:
    programs = {words[0] for words in commands()}
    assert {"python", "hpl-sandbox", "hpl-contract", "cat"} <= programs, programs
    missing = [p for p in programs if not ((BIN / p).exists() or shutil.which(p) or p == "python")]
    assert not missing, missing


def test_the_install_line_names_an_extra_the_package_declares() -> None:
    words = command("python")
    requirement = words[words.index("install") + 1]
    name, _, extras = requirement.partition("[")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert name == project["name"]
    assert extras.rstrip("]") in project["optional-dependencies"]
    assert "contract" in project["scripts"]["hpl-contract"]


def test_the_contract_command_of_the_workflow_runs_and_takes_its_options() -> None:
    words = command("hpl-contract")
    done = subprocess.run([str(BIN / "hpl-contract"), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "--report-dir" in done.stdout
    args = cli.parser().parse_args([os.path.expandvars(w) for w in words[1:]])
    assert args.report_dir == Path("reports") and args.profile == "ci"


def test_the_server_step_starts_a_server_command_that_exists() -> None:
    words = command("hpl-sandbox")
    done = subprocess.run([str(BIN / "hpl-sandbox"), words[1], "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    for option in (w for w in words if w.startswith("--")):
        assert option in done.stdout, option


def test_the_job_summary_reads_the_markdown_report_into_the_step_summary_and_uploads_the_report_dir() -> None:
    words = command("cat")
    report_dir = cli.parser().parse_args(command("hpl-contract")[1:]).report_dir
    assert words[1] == f"{report_dir}/contract-report.md" and Path(words[1]).name in cli.REPORT_NAMES
    summary = next(s for s in steps() if "GITHUB_STEP_SUMMARY" in str(s.get("run", "")))
    upload = next(s for s in steps() if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert summary.get("if") == upload.get("if") == "always()"
    assert upload["with"]["path"].rstrip("/") == str(report_dir)
