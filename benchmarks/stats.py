"""Percentiles and summaries of latency samples."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated q-th percentile (0-100); 0.0 for no samples."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(ms: list[float]) -> dict:
    """p50/p95/mean/max in ms and the sample count."""
    return {
        "n": len(ms), "p50": round(percentile(ms, 50), 2), "p95": round(percentile(ms, 95), 2),
        "mean": round(statistics.fmean(ms), 2) if ms else 0.0, "max": round(max(ms), 2) if ms else 0.0,
    }


def ratio(value: float, reference: float) -> float | None:
    return round(value / reference, 2) if reference else None
