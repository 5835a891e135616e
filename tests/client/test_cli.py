"""The `hpl` command: its grammar, its three formats, credentials from the environment or a config
file, and one-line errors with distinct exit codes for usage, API and network errors."""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hpl import cli
from hpl.config import ConfigError, load
from hpl_sandbox.testing import SandboxControl
from tests.client.conftest import ACCOUNT, DEVICE, INACTIVE, NOT_CERTIFIED
from tests.serving import free_port

DEV_ENV = {
    "HPL_CLIENT_ID": "sandbox-client-1",
    "HPL_CLIENT_SECRET": "sandbox-secret-1",
    "HPL_USERNAME": "sandbox-user-1",
    "HPL_PASSWORD": "sandbox-password-1",
}


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def hpl(*argv: str, env: dict[str, str] | None = None, stdin: str = "") -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        list(argv),
        stdout=out,
        stderr=err,
        stdin=io.StringIO(stdin),
        environ={"HPL_CONFIG": os.devnull, **DEV_ENV} if env is None else env,
    )
    return Run(code, out.getvalue(), err.getvalue())


def sandbox_hpl(sandbox: SandboxControl, *argv: str) -> Run:
    return hpl("--base-url", sandbox.origin, *argv)


def test_sessions_prints_a_table(sandbox: SandboxControl) -> None:
    run = sandbox_hpl(sandbox, "sessions", "--account", ACCOUNT, "--imei", DEVICE)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].split() == ["startTime", "endTime", "numBytes"]
    assert set(lines[1]) == {"-", " "}
    assert len(lines) > 3


def test_sessions_json_uses_the_api_field_names(sandbox: SandboxControl) -> None:
    run = sandbox_hpl(
        sandbox,
        "--format",
        "json",
        "sessions",
        "--account",
        ACCOUNT,
        "--imei",
        DEVICE,
        "--duration-low",
        "0",
        "--duration-high",
        "86400",
    )
    assert run.code == 0, run.err
    body = json.loads(run.out)
    assert body["id"] == DEVICE and body["txid"]
    assert set(body["sessions"][0]) == {"startTime", "endTime", "numBytes"}


def test_sessions_csv_has_a_header_and_one_row_per_session(sandbox: SandboxControl) -> None:
    as_json = json.loads(
        sandbox_hpl(sandbox, "--format", "json", "sessions", "--account", ACCOUNT, "--imei", DEVICE).out
    )
    run = sandbox_hpl(sandbox, "--format", "csv", "sessions", "--account", ACCOUNT, "--imei", DEVICE)
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == ["startTime", "endTime", "numBytes"]
    assert len(rows) - 1 == len(as_json["sessions"])


def test_sessions_accepts_dates_and_a_split_long_range(sandbox: SandboxControl) -> None:
    run = sandbox_hpl(
        sandbox,
        "sessions",
        "--account",
        ACCOUNT,
        "--imei",
        DEVICE,
        "--from",
        "2020-01-01",
        "--split",
    )
    assert run.code == 0, run.err
    assert len(sandbox.journal("/report/sessions")) > 1


def test_aggregate_batches_an_imei_file_past_10_devices(sandbox: SandboxControl, tmp_path: Path) -> None:
    imeis = sandbox.imeis()[:20]
    path = tmp_path / "imeis.txt"
    path.write_text("# fleet\n" + "\n".join(imeis) + "\n")
    run = sandbox_hpl(sandbox, "--format", "json", "aggregate", "--account", ACCOUNT, "--imei-file", str(path))
    assert run.code == 0, run.err
    body = json.loads(run.out)
    reported = [u["imei"] for u in body["usage"]] + [e["imei"] for e in body["errors"]]
    assert sorted(reported) == sorted(imeis)
    assert len(sandbox.journal("/report/aggregate")) == 2


def test_aggregate_reads_imeis_from_stdin(sandbox: SandboxControl) -> None:
    run = hpl(
        "--base-url",
        sandbox.origin,
        "--format",
        "csv",
        "aggregate",
        "--account",
        ACCOUNT,
        "--imei-file",
        "-",
        stdin=f"{DEVICE}, {INACTIVE}\n",
    )
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert {row["imei"]: row["error"] for row in rows} == {DEVICE: "", INACTIVE: "404 NOT_FOUND: Device inactive"}


def test_aggregate_takes_several_imeis_after_one_flag_and_filters(sandbox: SandboxControl) -> None:
    run = sandbox_hpl(
        sandbox,
        "--format",
        "json",
        "aggregate",
        "--account",
        ACCOUNT,
        "--imei",
        DEVICE,
        INACTIVE,
        "--device-group",
        "fleet-north",
        "--data-plan",
        "hpl-basic",
        "--no-sessions",
    )
    assert run.code == 0, run.err
    [call] = sandbox.journal("/report/aggregate")
    assert call["headers"]["nosessionflag"] == "true"
    assert call["headers"]["devicegroup"] == "fleet-north"


def test_aggregate_async_collects_every_device_through_a_listener(sandbox: SandboxControl) -> None:
    imeis = sandbox.imeis()[:6]
    run = sandbox_hpl(
        sandbox,
        "--format",
        "json",
        "aggregate",
        "--account",
        ACCOUNT,
        "--imei",
        *imeis,
        "--async",
        "--listen",
        "127.0.0.1:0",
        "--wait-timeout",
        "30",
    )
    assert run.code == 0, run.err
    body = json.loads(run.out)
    assert len(body["usage"]) + len(body["errors"]) == 6
    assert body["txid"]
    # The listener it registered is gone again.
    assert json.loads(sandbox_hpl(sandbox, "--format", "json", "callbacks", "list", "--account", ACCOUNT).out) == []


def test_aggregate_async_removes_its_listener_when_the_report_is_refused(sandbox: SandboxControl) -> None:
    sandbox.force("calculateAggregatedReportAsynchronous", 409)
    run = sandbox_hpl(
        sandbox, "aggregate", "--account", ACCOUNT, "--imei", DEVICE, "--async", "--listen", "127.0.0.1:0"
    )
    assert run.code == 3
    assert run.err.startswith("hpl: API error: HTTP 409")
    assert json.loads(sandbox_hpl(sandbox, "--format", "json", "callbacks", "list", "--account", ACCOUNT).out) == []


def test_the_installed_console_script_exits_with_the_code(sandbox: SandboxControl) -> None:
    script = Path(sys.executable).with_name("hpl")
    done = subprocess.run(
        [str(script), "--base-url", sandbox.origin, "sessions", "--account", ACCOUNT, "--imei", NOT_CERTIFIED],
        env={**DEV_ENV, "HPL_CONFIG": os.devnull, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "Device Not Certified" in done.stderr


def test_aggregate_async_needs_listen() -> None:
    run = hpl("--sandbox", "aggregate", "--account", ACCOUNT, "--imei", DEVICE, "--async")
    assert run.code == 2
    assert "--listen" in run.err


def test_callbacks_add_list_remove(sandbox: SandboxControl) -> None:
    added = sandbox_hpl(
        sandbox, "--format", "json", "callbacks", "add", "hook", "https://example.com/x", "--account", ACCOUNT
    )
    assert json.loads(added.out) == {"accountName": ACCOUNT, "name": "hook"}
    listed = sandbox_hpl(sandbox, "callbacks", "list", "--account", ACCOUNT)
    assert "https://example.com/x" in listed.out
    removed = sandbox_hpl(sandbox, "callbacks", "remove", "hook", "--account", ACCOUNT)
    assert removed.code == 0 and removed.err.strip() == "removed listener hook"
    assert json.loads(sandbox_hpl(sandbox, "--format", "json", "callbacks", "list", "--account", ACCOUNT).out) == []


def test_an_api_error_is_one_line_with_exit_code_3(sandbox: SandboxControl) -> None:
    run = sandbox_hpl(sandbox, "sessions", "--account", ACCOUNT, "--imei", NOT_CERTIFIED)
    assert run.code == 3
    assert run.err == "hpl: API error: HTTP 403 INVALID_PARAMETER: Device Not Certified\n"
    assert run.out == ""


def test_an_unreachable_service_is_one_line_with_exit_code_4() -> None:
    origin = f"http://127.0.0.1:{free_port()}"
    run = hpl(
        "--base-url", origin, "--timeout", "2", "--retries", "0", "sessions", "--account", ACCOUNT, "--imei", DEVICE
    )
    assert run.code == 4
    assert run.err.startswith("hpl: network error: ") and run.err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sessions", "--imei", DEVICE], "--account"),
        (["sessions", "--account", ACCOUNT, "--imei", DEVICE, "--from", "yesterday"], "not a date"),
        (["sessions", "--account", ACCOUNT, "--imei", DEVICE, "--duration-low", "-5"], "negative"),
        (["sessions", "--account", ACCOUNT, "--imei", "123"], "15 digits"),
        (["sessions", "--account", ACCOUNT, "--imei", DEVICE, "--from", "2020-01-01"], "180"),
        (["--format", "xml", "sessions"], "invalid choice"),
        (["sessions", "--account", ACCOUNT, "--imei", DEVICE, "--password", "hunter2"], "unrecognized"),
        (["aggregate", "--account", ACCOUNT, "--imei-file", "/nonexistent/imeis"], "cannot read"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_a_usage_error_is_one_line_with_exit_code_2(argv: list[str], message: str) -> None:
    run = hpl("--sandbox", *argv)
    assert run.code == 2
    assert run.err.startswith("hpl: error: ") and run.err.count("\n") == 1
    assert message in run.err


def test_missing_credentials_are_a_usage_error_naming_the_variables(sandbox: SandboxControl) -> None:
    run = hpl(
        "--base-url", sandbox.origin, "sessions", "--account", ACCOUNT, "--imei", DEVICE, env={"HPL_CONFIG": os.devnull}
    )
    assert run.code == 2
    assert "HPL_CLIENT_ID" in run.err


def test_sandbox_flag_uses_the_development_credentials(sandbox: SandboxControl) -> None:
    run = hpl(
        "--sandbox",
        "sessions",
        "--account",
        ACCOUNT,
        "--imei",
        DEVICE,
        env={"HPL_SANDBOX_URL": sandbox.origin, "HPL_CONFIG": os.devnull},
    )
    assert run.code == 0, run.err


def test_credentials_come_from_a_config_file(sandbox: SandboxControl, tmp_path: Path) -> None:
    config = tmp_path / "hpl.toml"
    config.write_text(
        "[hpl]\n"
        + "".join(
            f'{key} = "{value}"\n'
            for key, value in {
                "client_id": "sandbox-client-1",
                "client_secret": "sandbox-secret-1",
                "username": "sandbox-user-1",
                "password": "sandbox-password-1",
                "base_url": sandbox.origin,
            }.items()
        )
    )
    run = hpl("--config", str(config), "sessions", "--account", ACCOUNT, "--imei", DEVICE, env={})
    assert run.code == 0, run.err


def test_the_environment_overrides_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "hpl.toml"
    config.write_text('client_id = "from-file"\nclient_secret = "s"\nusername = "u"\npassword = "p"\n')
    settings = load({"HPL_CLIENT_ID": "from-env"}, str(config))
    assert settings.credentials is not None and settings.credentials.client_id == "from-env"


def test_partial_credentials_name_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="HPL_PASSWORD"):
        load({"HPL_CLIENT_ID": "a", "HPL_CLIENT_SECRET": "b", "HPL_USERNAME": "c", "HPL_CONFIG": os.devnull})


def test_no_option_takes_a_secret() -> None:
    options = {option for action in cli.build_parser()._actions for option in action.option_strings}
    assert not {"--password", "--client-secret", "--secret", "--token"} & options


def test_help_exits_0() -> None:
    assert hpl("--help").code == 0


def test_bare_hpl_prints_the_help_and_exits_2() -> None:
    run = hpl()
    assert run.code == 2
    assert run.out.startswith("usage: hpl") and "sessions" in run.out
    assert run.err == ""


def test_version_prints_the_package_version() -> None:
    run = hpl("--version")
    assert run.code == 0
    assert run.out == f"hpl {importlib.metadata.version('thingspace-hpl')}\n"


class ClosedPipe(io.StringIO):
    """Standard output whose reader has gone, as after `hpl … | head -2`."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_goes_away_ends_hpl_quietly_with_141(sandbox: SandboxControl) -> None:
    err = io.StringIO()
    argv = ["--base-url", sandbox.origin, "sessions", "--account", ACCOUNT, "--imei", DEVICE]
    code = cli.main(argv, stdout=ClosedPipe(), stderr=err, environ={"HPL_CONFIG": os.devnull, **DEV_ENV})
    assert code == 141
    assert err.getvalue() == ""


def test_the_console_script_prints_no_traceback_into_a_closed_pipe(sandbox: SandboxControl) -> None:
    script = Path(sys.executable).parent / "hpl"
    process = subprocess.Popen(
        [str(script), "--base-url", sandbox.origin, "sessions", "--account", ACCOUNT, "--imei", DEVICE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HPL_CONFIG": os.devnull, **DEV_ENV},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # long before the report comes back, so its output finds no reader
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_sandbox_with_nothing_running_says_to_start_hpl_sandbox_serve() -> None:
    env = {"HPL_CONFIG": os.devnull, "HPL_SANDBOX_URL": f"http://127.0.0.1:{free_port()}"}
    run = hpl(
        "--sandbox", "--timeout", "2", "--retries", "0", "sessions", "--account", ACCOUNT, "--imei", DEVICE, env=env
    )
    assert run.code == 4
    assert run.err.count("\n") == 1
    assert "hpl-sandbox serve" in run.err


def test_a_base_url_with_the_wrong_path_says_the_prefix_is_likely_wrong(sandbox: SandboxControl) -> None:
    run = hpl("--base-url", sandbox.origin + "/api", "sessions", "--account", ACCOUNT, "--imei", DEVICE)
    assert run.code == 3
    assert run.err.count("\n") == 1
    assert "likely wrong" in run.err and "/api/hyper-precise/v1" in run.err


def test_a_404_from_the_right_path_gets_no_path_hint(sandbox: SandboxControl) -> None:
    run = sandbox_hpl(sandbox, "sessions", "--account", ACCOUNT, "--imei", INACTIVE)
    assert run.code == 3
    assert "Device inactive" in run.err and "likely wrong" not in run.err


def test_aggregate_without_imei_over_more_than_10_devices_points_to_async(sandbox: SandboxControl) -> None:
    assert len(sandbox.imeis()) > 10
    run = sandbox_hpl(sandbox, "aggregate", "--account", ACCOUNT)
    assert run.code == 3
    assert run.err.count("\n") == 1
    assert "--async" in run.err


def test_an_async_wait_that_runs_out_is_a_timeout_with_exit_code_5(sandbox: SandboxControl) -> None:
    # The messages go to a URL nobody serves, so the listener waits in vain.
    run = sandbox_hpl(
        sandbox,
        "aggregate",
        "--account",
        ACCOUNT,
        "--imei",
        DEVICE,
        "--async",
        "--listen",
        "127.0.0.1:0",
        "--public-url",
        f"http://127.0.0.1:{free_port()}/nobody",
        "--wait-timeout",
        "0.5",
    )
    assert run.code == 5
    assert run.err.startswith("hpl: timeout: ") and run.err.count("\n") == 1


def test_an_unknown_key_in_the_config_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "hpl.toml"
    config.write_text('[hpl]\nclient_id = "a"\nclient_secret = "b"\nusername = "c"\npasword = "d"\n')
    run = hpl("--config", str(config), "sessions", "--account", ACCOUNT, "--imei", DEVICE, env={})
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert "'pasword'" in run.err


COMMANDS = [
    [],
    ["sessions"],
    ["aggregate"],
    ["callbacks"],
    ["callbacks", "list"],
    ["callbacks", "add"],
    ["callbacks", "remove"],
]


def subparser(path: list[str]) -> argparse.ArgumentParser:
    parser = cli.build_parser()
    for name in path:
        [choices] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = choices.choices[name]
    return parser


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(["hpl", *c]))
def test_every_help_has_a_description_and_an_example(command: list[str]) -> None:
    run = hpl(*command, "--help")
    assert run.code == 0
    assert subparser(command).description
    assert "example" in run.out and "hpl " in run.out.split("example", 1)[1]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(["hpl", *c]))
def test_every_option_with_a_default_states_it_in_the_help(command: list[str]) -> None:
    formatter = subparser(command)._get_formatter()
    for action in subparser(command)._actions:
        if action.default not in (None, False, [], argparse.SUPPRESS) and action.help is not argparse.SUPPRESS:
            assert "default" in (formatter._get_help_string(action) or ""), action.dest
