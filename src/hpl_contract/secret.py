"""A credential that never prints itself: `repr`, `str` and f-strings show `***`.

Tracebacks, hypothesis' falsifying examples and pytest's assertion rewriting print the objects they
meet (the target fixture among them); holding passwords and tokens in a `Secret` keeps them out of
every report and console line. Code that must send the value asks for it with `reveal()`.
"""

from __future__ import annotations

import hmac

MASK = "***"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)


def secret(value: str | None) -> Secret | None:
    """`value` wrapped, or None when unset or empty."""
    return Secret(value) if value else None
