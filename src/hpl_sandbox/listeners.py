"""The callback listener operations: list, register (a name again replaces its URL), remove."""

from __future__ import annotations

from typing import Any

from hpl_sandbox.errors import ApiError
from hpl_sandbox.store import Store


def list_listeners(store: Store, account: str) -> list[dict[str, Any]]:
    rows = store.query("SELECT name, url FROM listeners WHERE account = ? ORDER BY name", (account,))
    # D8: the vendor's current SDKs name the account `accountName`; the spec also accepts `aname`.
    return [{"accountName": account, "name": name, "url": url} for name, url in rows]


def register(store: Store, account: str, name: str, url: str) -> dict[str, Any]:
    store.execute(
        "INSERT INTO listeners (account, name, url) VALUES (?, ?, ?)"
        " ON CONFLICT (account, name) DO UPDATE SET url = excluded.url",
        (account, name, url),
    )
    return {"accountName": account, "name": name}


def deregister(store: Store, account: str, name: str) -> dict[str, Any]:
    if store.execute("DELETE FROM listeners WHERE account = ? AND name = ?", (account, name)) == 0:
        raise ApiError(404, f"No callback listener named {name!r} is registered for {account}")
    # The doc pages' answer (D8); the vendor's current SDKs expect no body and ignore one.
    return {"responseCode": "SUCCESS", "message": f"Callback listener {name} removed"}


def has_listener(store: Store, account: str) -> bool:
    return bool(store.query("SELECT EXISTS (SELECT 1 FROM listeners WHERE account = ?)", (account,))[0][0])
