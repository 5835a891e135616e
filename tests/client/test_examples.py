"""The documented examples of `hpl` and the `hpl` command run, in order, against the sandbox.

They live in README.md, as blocks tagged ```python name=client-...``` and ```sh name=cli-...```.
"""

from __future__ import annotations

import io
import os
import re
import shlex
from pathlib import Path

import pytest

from hpl import cli
from hpl_sandbox.testing import SandboxControl

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_ORIGIN = "http://127.0.0.1:8080"
BLOCK = re.compile(r"^```(?P<lang>python|sh) name=(?P<name>(client|cli)-[\w-]+)\n(?P<code>.*?)^```$", re.M | re.S)


def example_blocks() -> tuple[Path, list[tuple[str, str, str]]]:
    path = ROOT / "README.md"
    blocks = [(m["lang"], m["name"], m["code"]) for m in BLOCK.finditer(path.read_text(encoding="utf-8"))]
    assert blocks, "no client examples in README.md"
    return path, blocks


def test_there_is_an_example_of_each_part_of_the_client() -> None:
    _, blocks = example_blocks()
    code = "\n".join(code for _, _, code in blocks)
    for needle in (
        ".sessions(",
        ".aggregate(",
        "split_range=True",
        "run_async_report(",
        "CallbackReceiver(",
        "AsyncClient(",
        "except hpl.",
        "$ hpl --sandbox callbacks",
        "--async --listen",
    ):
        assert needle in code


def test_the_python_examples_run_against_the_sandbox(
    sandbox: SandboxControl, capsys: pytest.CaptureFixture[str]
) -> None:
    path, blocks = example_blocks()
    namespace: dict[str, object] = {}
    for lang, name, code in blocks:
        if lang == "python":
            exec(compile(code.replace(SANDBOX_ORIGIN, sandbox.origin), f"{path.name}:{name}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "709312034493372" in printed
    assert "403 INVALID_PARAMETER Device Not Certified" in printed
    assert "not sent:" in printed and "complete: True" in printed


def test_the_cli_examples_run_against_the_sandbox(sandbox: SandboxControl) -> None:
    _, blocks = example_blocks()
    lines = [
        line[2:] for lang, _, code in blocks if lang == "sh" for line in code.splitlines() if line.startswith("$ hpl ")
    ]
    assert lines
    for line in lines:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(
            shlex.split(line)[1:],
            stdout=out,
            stderr=err,
            environ={"HPL_SANDBOX_URL": sandbox.origin, "HPL_CONFIG": os.devnull},
        )
        assert code == 0, f"{line}: {err.getvalue()}"
        assert out.getvalue() or "remove" in line
