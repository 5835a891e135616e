"""When and how long to wait before trying a request again.

Only the policy lives here; the clients run the loop, so the sync and async paths share one rule.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from hpl.errors import ApiError, retry_after_seconds

# A server asking to wait longer than this gets a typed error at once that says when to retry: a
# report call should fail visibly rather than hang for an hour on one header.
MAX_RETRY_AFTER = 60.0


def is_retryable_status(status_code: int) -> bool:
    return status_code == 429 or 500 <= status_code <= 599


# Verizon documents a 500 for a device active in several accounts: a state of the device that a
# second try cannot change (the spec's description of each report operation).
_PERMANENT_500 = re.compile(r"several accounts|more than one account", re.IGNORECASE)


def is_permanent(error: ApiError) -> bool:
    """An error status that the service documents as permanent, which no retry can fix."""
    return error.status_code == 500 and bool(_PERMANENT_500.search(error.error_message))


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n)).

    `attempts` counts every try, the first included; `attempts=1` turns retrying off. A
    `Retry-After` up to `max_retry_after` seconds is waited; a longer one stops the call at once
    with the service's error, which says when to retry. `sleep` and `async_sleep` are
    injectable so that tests do not wait.
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    max_retry_after: float = MAX_RETRY_AFTER
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
                return max(backoff, asked)
        return backoff


NO_RETRY = RetryPolicy(attempts=1)

__all__ = ["MAX_RETRY_AFTER", "NO_RETRY", "RetryPolicy", "is_permanent", "is_retryable_status", "retry_after_seconds"]
