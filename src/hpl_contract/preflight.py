"""Before any test: the settings checked at once, then one authenticated call per operation family.

A misconfigured run would otherwise end in dozens of red tests minutes later; here it stops with one
line naming the fix. Every problem found without the network is listed together (`settings_problems`);
the calls (`check_target`) stop at the first family that answers wrongly, in the order that tells the
causes apart: the token services (when the target opens), the listener listing (path and account),
a sessions report (the first device), an aggregate (every device named).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from hpl.paths import API_PATH as API_PREFIX
from hpl_contract import profiles
from hpl_contract.listener import remember_listeners
from hpl_contract.spec_loader import operations
from hpl_contract.target import Target, TargetError
from hpl_contract.wire import SESSIONS, SYNC_AGGREGATE, mirrored_headers

IMEI = re.compile(r"^[0-9]{15}$")
# The synchronous aggregate takes at most ten devices; the preflight asks about that many at most.
AGGREGATE_LIMIT = 10


def imeis_of(env: Mapping[str, str]) -> list[str]:
    return [i for i in env.get("HPL_IMEIS", "").replace(",", " ").split() if i]


def operation_ids() -> list[str]:
    return [str(op["operationId"]) for _, _, op in operations() if "operationId" in op]


def settings_problems(
    env: Mapping[str, str], *, include: list[str] | None = None, exclude: list[str] | None = None
) -> list[str]:
    """Every problem of the settings that needs no network, one line each; every missing setting in one."""
    problems: list[str] = []
    profile = profiles.requested(env)
    if profile not in profiles.NAMES:
        problems.append(f"unknown profile {profile!r}: use one of {', '.join(profiles.NAMES)}")
    known = operation_ids()
    for option, ids in (("--include", include or []), ("--exclude", exclude or [])):
        unknown = [i for i in ids if i not in known]
        if unknown:
            problems.append(f"unknown operation id {', '.join(unknown)} in {option}: use one of {', '.join(known)}")
    base_url = env.get("BASE_URL", "")
    if not base_url:
        return problems
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            f"BASE_URL={base_url!r} is not an http(s) URL: give the HPL base URL, e.g. https://host{API_PREFIX}"
        )
    elif parts.path.rstrip("/") == "":
        problems.append(
            f"BASE_URL={base_url} is an origin without the API path: use {base_url.rstrip('/')}{API_PREFIX}"
        )
    missing = []
    if not env.get("HPL_ACCOUNT"):
        missing.append("HPL_ACCOUNT (the account the credentials own)")
    if not imeis_of(env):
        missing.append("HPL_IMEIS (active devices of that account)")
    if not env.get("HPL_ACCESS_TOKEN"):
        lacking = [name for name in ("HPL_CLIENT_ID", "HPL_CLIENT_SECRET") if not env.get(name)]
        if lacking:
            missing.append(f"{' and '.join(lacking)} (or a ready HPL_ACCESS_TOKEN)")
    if not env.get("HPL_M2M_TOKEN"):
        lacking = [name for name in ("HPL_USERNAME", "HPL_PASSWORD") if not env.get(name)]
        if lacking:
            missing.append(f"{' and '.join(lacking)} (or a ready HPL_M2M_TOKEN)")
    if missing:
        problems.append(f"missing settings: {'; '.join(missing)}. Export them and run again")
    malformed = [i for i in imeis_of(env) if not IMEI.match(i)]
    if malformed:
        problems.append(f"HPL_IMEIS: {', '.join(repr(i) for i in malformed)} not an IMEI (15 digits): fix HPL_IMEIS")
    return problems


def _said(answer: httpx.Response) -> str:
    """The server's own words: its errorMessage, else the start of its body, on one line."""
    try:
        body: Any = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("errorMessage", "message", "error_description", "error"):
            if isinstance(body.get(key), str):
                return " ".join(str(body[key]).split())[:160]
    return " ".join(answer.text.split())[:160] or "(empty body)"


def _credentials_fix(target: Target) -> str:
    login = target.logins[0]
    access = "HPL_ACCESS_TOKEN" if login.access_token else "HPL_CLIENT_ID / HPL_CLIENT_SECRET"
    m2m = "HPL_M2M_TOKEN" if login.m2m_token else "HPL_USERNAME / HPL_PASSWORD"
    return f"check {access} and {m2m} (a ready token may have expired)"


def _family_problem(what: str, answer: httpx.Response, target: Target) -> str | None:
    """The fix for an answer every family shares (credentials, account); None when it is not one."""
    status = answer.status_code
    if status == 401:
        return f"{what} answered 401 ({_said(answer)}): the target refused the credentials; {_credentials_fix(target)}"
    if status == 403 and "account" in _said(answer).lower():
        return (
            f"{what} answered 403 ({_said(answer)}): the credentials do not own HPL_ACCOUNT={target.account}; "
            "set HPL_ACCOUNT to their account"
        )
    return None


def check_target(target: Target) -> None:
    """One call per operation family with the run's credentials; raises `TargetError` with the fix."""
    with httpx.Client(base_url=target.base_url, timeout=30.0) as http:
        headers = target.auth_headers()
        listing = http.get("/callbacks", params={"accountNumber": target.account}, headers=headers)
        what = f"GET {target.base_url}/callbacks"
        if listing.status_code == 404:
            raise TargetError(
                f"{what} answered 404 ({_said(listing)}): no HPL API under BASE_URL={target.base_url}; "
                f"its path must be the API's, e.g. {target.origin}{API_PREFIX}"
            )
        problem = _family_problem(what, listing, target)
        if problem is None and listing.status_code != 200:
            problem = f"{what} answered {listing.status_code} ({_said(listing)}): the listener listing must work"
        if problem:
            raise TargetError(problem)

        imei = target.imeis[0]
        body: dict[str, Any] = {"accountNumber": target.account, "imei": imei}
        answer = http.post(SESSIONS, json=body, headers={**mirrored_headers(SESSIONS, body), **headers})
        what = f"POST {target.base_url}{SESSIONS}"
        problem = _family_problem(what, answer, target)
        if problem is None and answer.status_code != 200:
            problem = (
                f"HPL_IMEIS: {imei} is not an active device of {target.account} (a sessions report answered "
                f"{answer.status_code} {_said(answer)}): name devices the account owns that report normally"
            )
        if problem:
            raise TargetError(problem)

        devices = list(target.imeis[:AGGREGATE_LIMIT])
        body = {"accountNumber": target.account, "imei": devices}
        answer = http.post(SYNC_AGGREGATE, json=body, headers={**mirrored_headers(SYNC_AGGREGATE, body), **headers})
        what = f"POST {target.base_url}{SYNC_AGGREGATE}"
        problem = _family_problem(what, answer, target)
        if problem is None and answer.status_code != 200:
            problem = f"{what} answered {answer.status_code} ({_said(answer)}) for HPL_IMEIS {' '.join(devices)}"
        if problem:
            raise TargetError(problem)
        refused = _refused_devices(answer)
        if refused:
            raise TargetError(
                f"HPL_IMEIS: {', '.join(refused)} not active devices of {target.account} (the aggregate lists them "
                "under errors): name devices the account owns that report normally"
            )
    remember_listeners(target)


def _refused_devices(answer: httpx.Response) -> list[str]:
    try:
        body: Any = answer.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        f"{e.get('imei')} ({e.get('errorMessage', 'refused')})" for e in errors if isinstance(e, dict) and e.get("imei")
    ]
