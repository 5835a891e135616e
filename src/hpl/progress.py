"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

_WIDTH = 30
# Redrawing more often than this only costs time on a fast stream of callbacks.
_MIN_INTERVAL = 0.1


class ProgressBar:
    """`update(done, total)` redraws `[#####.....] done/total`; `close()` ends the line.

    On a stream that is not a terminal it draws nothing, so logs and pipes stay clean.
    """

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self._clock = clock
        self._last_draw = float("-inf")
        self._drawn = False

    def update(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = self._clock()
        finished = total is not None and done >= total
        if not finished and now - self._last_draw < _MIN_INTERVAL:
            return
        self._last_draw = now
        self.stream.write("\r" + render(self.label, done, total))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def render(label: str, done: int, total: int | None) -> str:
    """The bar's text: a filled bar for a known total, a count for an unknown one."""
    if total is None or total <= 0:
        return f"{label} {done:,} received"
    share = min(done / total, 1.0)
    filled = round(share * _WIDTH)
    return f"{label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {done:,}/{total:,} {share:4.0%}"
