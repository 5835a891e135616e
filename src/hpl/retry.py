"""When and how long to wait before trying a request again.

Only the policy lives here; the clients run the loop, so the sync and async paths share one rule.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

# A server asking for more than this is treated as asking for this: a report call should fail
# visibly rather than hang for an hour on one header.
MAX_RETRY_AFTER = 60.0


def retry_after_seconds(response: httpx.Response, *, now: Callable[[], float] = time.time) -> float | None:
    """The delay a `Retry-After` header asks for (seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now())


def is_retryable_status(status_code: int) -> bool:
    return status_code == 429 or 500 <= status_code <= 599


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n)).

    `attempts` counts every try, the first included; `attempts=1` turns retrying off. `sleep`
    and `async_sleep` are injectable so that tests do not wait.
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """How long to wait after failed try number `attempt` (0-based)."""
        backoff = self.rng.uniform(0.0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        if response is not None:
            asked = retry_after_seconds(response)
            if asked is not None:
                return max(backoff, min(asked, MAX_RETRY_AFTER))
        return backoff


NO_RETRY = RetryPolicy(attempts=1)
