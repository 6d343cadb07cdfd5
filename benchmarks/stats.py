"""Repeated measurements: median and spread."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    @property
    def spread(self) -> float:
        """max − min, as a share of the median (0 for a single run)."""
        return (self.high - self.low) / self.median if self.median else 0.0

    def seconds(self) -> str:
        """'12.3 s (11.9–13.0, n=3)'."""
        if self.n == 1:
            return f"{format_seconds(self.median)}"
        return f"{format_seconds(self.median)} ({format_seconds(self.low, unit=False)}–{format_seconds(self.high, unit=False)}, n={self.n})"


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("no measurement to summarize")
    return Summary(statistics.median(values), min(values), max(values), len(values))


def format_seconds(seconds: float, *, unit: bool = True) -> str:
    text = f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}" if seconds < 100 else f"{seconds:.0f}"
    return f"{text} s" if unit else text


def format_bytes(size: float) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.2f} {unit}" if unit == "GiB" else f"{size / factor:.0f} {unit}"
    return f"{size:.0f} B"
