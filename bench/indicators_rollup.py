"""Benchmark: the indicator resolver (kechuang/indicators/compute.py) computing every city and regional value —
sums over the partition and derived ratios of sums — for a city with 12 regions, 40 indicators and 11 years,
against a naive baseline that scans the observation list for each value it needs."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, timed
from kechuang.indicators.compute import Resolver, Spec, parse_formula

REGIONS = [f"r{i}" for i in range(12)]
YEARS = list(range(2015, 2026))
BASE = [f"count_{i}" for i in range(30)]
DERIVED = {f"ratio_{i}": f"count_{i} / count_{i + 1} * 100" for i in range(10)}


def data():
    rng = random.Random(7)
    values = {(c, r, y): rng.uniform(10, 1000) for c in BASE for r in REGIONS for y in YEARS}
    specs = {c: Spec(c, "sum") for c in BASE} | {
        c: Spec(c, "ratio_of_sums", parse_formula(f)) for c, f in DERIVED.items()
    }
    return values, specs


def resolver_all(values, specs):
    r = Resolver(values, specs, "city", REGIONS)
    return sum(1 for c in specs for u in ["city", *REGIONS] for y in YEARS if r.value(c, u, y) is not None)


def naive_all(values, specs):
    rows = list(values.items())

    def entered(c, u, y):
        for (c2, u2, y2), v in rows:
            if (c2, u2, y2) == (c, u, y):
                return v
        return None

    def value(c, u, y):
        spec = specs[c]
        if spec.formula:
            n, d = value(spec.formula.numerator, u, y), value(spec.formula.denominator, u, y)
            return None if n is None or not d else n / d * spec.formula.factor
        v = entered(c, u, y)
        if v is None and u == "city":
            parts = [entered(c, r, y) for r in REGIONS]
            v = sum(parts) if all(p is not None for p in parts) else None
        return v

    sample = list(specs)[::8]  # the baseline is slow: time every 8th indicator and scale up
    n = sum(1 for c in sample for u in ["city", *REGIONS] for y in YEARS if value(c, u, y) is not None)
    return n, len(specs) / len(sample)


def main() -> None:
    values, specs = data()
    seconds, count = timed(lambda: resolver_all(values, specs))
    base_seconds, (_n, scale) = timed(lambda: naive_all(values, specs), repeat=1)
    report(
        "indicators_rollup",
        size=f"{count} values from {len(values)} observations ({len(specs)} indicators × 13 units × 11 years)",
        seconds=seconds,
        baseline_seconds=base_seconds * scale,
        baseline="linear scan per value (timed on every 8th indicator, scaled)",
    )


if __name__ == "__main__":
    main()
