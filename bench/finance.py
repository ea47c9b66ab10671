"""Benchmark the credit-enhancement capability score: `python bench/finance.py [N]` from the repo root (N = 100000).

Timing: N synthetic register profiles (yearly facts of two years, IP, tiers held and eligible, R&D institutions:
what `enterprise_profiles` gives the finance module) → measures (`measures_from_profile`) → the whole batch scored
column by column (`score_batch`) with the default scheme (kechuang/finance/data/score_scheme.yaml). Baseline: the
per-record path (`score` firm by firm) on the same measures; the two must agree on every total (checked here too).
Target (issue 17): < 10 s for 100,000 enterprises in one batch.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report
from kechuang.finance.scoring.engine import measures_from_profile, parse_scheme, score, score_batch

SCHEME = Path(__file__).resolve().parent.parent / "kechuang" / "finance" / "data" / "score_scheme.yaml"
TIERS = ["tech_sme", "high_tech", "innovative_sme", "specialized_sme", "little_giant"]
LEVELS = ["national", "provincial", "municipal", "below_municipal"]


def profiles(n: int, seed: int = 17) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        revenue = rng.uniform(100, 50000)
        years = {
            2024: {
                "operating_revenue": revenue,
                "rd_expense": revenue * rng.uniform(0, 0.1),
                "employees": rng.randint(5, 2000),
                "rd_staff": rng.randint(0, 300),
            },
            2025: {
                "operating_revenue": revenue * rng.uniform(0.7, 1.5),
                "rd_expense": revenue * rng.uniform(0, 0.1),
                "employees": rng.randint(5, 2000),
                "rd_staff": rng.randint(0, 300),
            },
        }
        out.append(
            {
                "years": years if rng.random() > 0.1 else {},
                "ip": {"class_i": rng.randint(0, 6), "class_ii": rng.randint(0, 20), "high_value": rng.randint(0, 2)},
                "tiers_held": {t: "x" for t in rng.sample(TIERS, rng.randint(0, 3))},
                "tiers_eligible": rng.sample(TIERS, rng.randint(0, 2)),
                "institutions": {lv: rng.randint(0, 1) for lv in rng.sample(LEVELS, rng.randint(0, 2))},
            }
        )
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    scheme = parse_scheme(yaml.safe_load(SCHEME.read_text(encoding="utf-8")))
    data = profiles(n)
    start, cpu = time.perf_counter(), time.process_time()
    measures = [measures_from_profile(p) for p in data]
    built = time.perf_counter() - start
    batch = score_batch(measures, scheme)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    singles = [score(m, scheme).total for m in measures]
    baseline = time.perf_counter() - start
    mismatches = sum(1 for a, b in zip(batch.totals, singles, strict=True) if a != b)
    report(
        "finance_score",
        size=f"{n} enterprises",
        seconds=seconds,
        baseline_seconds=baseline,
        cpu_seconds=round(cpu_seconds, 3),
        measures_seconds=round(built, 3),
        target_seconds=10.0,
        meets_target=seconds < 10.0,
        mismatches=mismatches,
        load_average=round(os.getloadavg()[0], 1),
    )
    if mismatches:
        raise SystemExit(f"{mismatches} totals differ between the batch and the per-record path")


if __name__ == "__main__":
    main()
