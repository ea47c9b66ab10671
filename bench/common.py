"""Shared reporting for benchmarks: each writes bench/results/<name>.json and prints one line."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time over `repeat` runs, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def report(name: str, *, size: str, seconds: float, baseline_seconds: float | None = None, **extra: Any) -> dict:
    """Write the JSON result and print the one-line summary."""
    ratio = (baseline_seconds / seconds) if baseline_seconds and seconds else None
    data = {
        "name": name,
        "size": size,
        "seconds": round(seconds, 6),
        "baseline_seconds": round(baseline_seconds, 6) if baseline_seconds is not None else None,
        "speedup_vs_baseline": round(ratio, 2) if ratio else None,
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        **extra,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    line = f"{name}: {size} in {seconds:.4f}s"
    if ratio:
        line += f" (baseline {baseline_seconds:.4f}s, {ratio:.1f}x)"
    for key, value in extra.items():
        if isinstance(value, int | float | str):
            line += f", {key}={value}"
    print(line)
    return data
