"""Median, spread and percentiles of repeated measurements, the only statistics RESULTS.md reports."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# The percentiles every latency distribution is kept as (wrk reports these; raw samples are reduced to them).
PERCENTILES = (1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Repeated runs of one measurement: median and the min–max spread."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("summary of no values")
        return cls(statistics.median(values), min(values), max(values), len(values))

    @property
    def spread_pct(self) -> float:
        """(max − min) / median, in percent: how far repeated runs drifted."""
        return 100 * (self.high - self.low) / self.median if self.median else 0.0

    def show(self, fmt: str = "{:.0f}") -> str:
        return f"{fmt.format(self.median)} ({fmt.format(self.low)}–{fmt.format(self.high)}, n={self.runs})"


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Summary:
    """Ratios of runs taken side by side (round i against round i), so slow drift cancels."""
    if len(numerators) != len(denominators):
        raise ValueError("paired ratios need the same number of runs on both sides")
    return Summary.of([n / d for n, d in zip(numerators, denominators, strict=True)])


def curve(samples: Sequence[float]) -> list[float]:
    """Raw samples reduced to their values at PERCENTILES."""
    return [percentile(samples, q) for q in PERCENTILES]


def median_curve(curves: Sequence[Sequence[float]]) -> list[float]:
    """Percentile curves of repeated runs, combined point by point by their median."""
    return [statistics.median(points) for points in zip(*curves, strict=True)]


def at(values: Sequence[float], q: float) -> float:
    """The value a curve holds at percentile q (one of PERCENTILES)."""
    return values[PERCENTILES.index(q)]
