"""Enterprise ladder: bulk (Polars, columnar) vs the per-record loop (baseline) on N synthetic records.

Run from the repository root: `python bench/bench_ladder.py [-n 20000] [--seed S]`.
Both paths start from the same JSON-like dicts (validation + flattening included in both timings);
`rules_seconds` is the columnar rule evaluation alone on an already-built facts frame.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import report, timed  # noqa: E402
from kechuang.enterprises.ladder import TIERS, evaluate, evaluate_bulk  # noqa: E402
from kechuang.enterprises.ladder.bulk import _tier_frame, facts_frame  # noqa: E402
from kechuang.enterprises.ladder.samples import random_records  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20_000, help="number of facts records (default 20000)")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)

    records = random_records(args.n, seed=args.seed)
    evaluate(records[0])  # warm-up: compile the rule closures and Polars expressions once
    evaluate_bulk(records[:50])

    start = time.perf_counter()
    per_record = []  # keep only what the agreement check needs, not ~2M result objects
    for rec in records:
        per_record.append([(r.tier, r.status, r.score) for r in evaluate(rec)])
    baseline = time.perf_counter() - start

    seconds, result = timed(lambda: evaluate_bulk(records).frame, repeat=3)
    frame = facts_frame(records).frame
    rules_seconds, _ = timed(lambda: [_tier_frame(t, frame) for t in TIERS], repeat=3)

    # the two paths must agree on every tier's status and score
    mismatches = 0
    statuses = {t: result[f"{t}.status"].to_list() for t in TIERS}
    scores = {t: result[f"{t}.score"].to_list() for t in TIERS}
    for i, results in enumerate(per_record):
        for tier, status, score in results:
            if statuses[tier][i] != status or scores[tier][i] != score:
                mismatches += 1
    eligible = {t: statuses[t].count("eligible") for t in TIERS}
    return report(
        "ladder_bulk",
        size=f"{args.n} records x {len(TIERS)} tiers",
        seconds=seconds,
        baseline_seconds=baseline,
        rules_seconds=round(rules_seconds, 4),
        records_per_second=int(args.n / seconds),
        mismatches=mismatches,
        eligible=eligible,
    )


if __name__ == "__main__":
    main()
