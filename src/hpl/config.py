"""Where the CLI finds credentials and the base URL: the environment first, then a config file.

Credentials never come from command-line arguments, which end up in shell history and in the
process list for every user of the machine to read.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hpl.auth import Credentials

ENV_NAMES = {
    "client_id": "HPL_CLIENT_ID",
    "client_secret": "HPL_CLIENT_SECRET",
    "username": "HPL_USERNAME",
    "password": "HPL_PASSWORD",
}
ENV_BASE_URL = "HPL_BASE_URL"
ENV_SANDBOX_URL = "HPL_SANDBOX_URL"
ENV_CONFIG = "HPL_CONFIG"
DEFAULT_CONFIG = Path("~/.config/hpl/config.toml")
FILE_KEYS = frozenset({*ENV_NAMES, "base_url", "sandbox_url"})


class ConfigError(Exception):
    """The configuration is unreadable or incomplete."""


@dataclass(frozen=True)
class Settings:
    credentials: Credentials | None
    base_url: str | None = None
    sandbox_url: str | None = None
    source: str = field(default="environment")


def _read_file(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    # Keys may sit at the top level or under an [hpl] table.
    section = data.get("hpl", data)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [hpl] must be a table")
    # A misspelt key would otherwise be ignored, and the value meant for it silently not used.
    unknown = sorted(set(section) - FILE_KEYS)
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown key {', '.join(map(repr, unknown))} (known: {', '.join(sorted(FILE_KEYS))})"
        )
    return section


def load(environ: Mapping[str, str] | None = None, config_path: str | None = None) -> Settings:
    """Credentials and URLs: each value from the environment if set, else from the config file.

    The config file is `config_path`, else `$HPL_CONFIG`, else `~/.config/hpl/config.toml`
    when it exists. Partial credentials are an error that names what is missing.
    """
    env = os.environ if environ is None else environ
    explicit = config_path or env.get(ENV_CONFIG)
    path = Path(explicit).expanduser() if explicit else DEFAULT_CONFIG.expanduser()
    from_file: dict[str, object] = _read_file(path) if explicit or path.is_file() else {}

    def value(key: str, env_name: str) -> str | None:
        found = env.get(env_name)
        if found:
            return found
        raw = from_file.get(key)
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise ConfigError(f"config file {path}: {key} must be a string")
        return raw

    parts = {key: value(key, env_name) for key, env_name in ENV_NAMES.items()}
    missing = [ENV_NAMES[key] for key, part in parts.items() if not part]
    credentials: Credentials | None = None
    if len(missing) < len(parts):
        if missing:
            raise ConfigError(f"incomplete credentials: set {', '.join(missing)} (or put them in {path})")
        credentials = Credentials(
            client_id=str(parts["client_id"]),
            client_secret=str(parts["client_secret"]),
            username=str(parts["username"]),
            password=str(parts["password"]),
        )
    return Settings(
        credentials=credentials,
        base_url=value("base_url", ENV_BASE_URL),
        sandbox_url=value("sandbox_url", ENV_SANDBOX_URL),
        source=str(path) if from_file else "environment",
    )
