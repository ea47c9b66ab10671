"""The technology market's demo library, as `make run` loads it: its load time, and the top 10 achievements the
search page shows for shop-floor demands from the city's industries, with a person's judgement of each.

Run from the repository root: `python bench/demo_library.py` (about a minute on 2 cores); `--dense` first embeds
every record as the worker's backfill does after `make run` (minutes), then asks with dense retrieval fused in.
It migrates a scratch SQLite database in a temporary directory, loads the policy, then times the technology
market's demo loader alone (records, matches, contracts and the match index build after the commit). Then it asks
the product's search (`index.search` → `index.resolve`, what /techmarket/search/ shows, first 10) each demand
below as `bureau_staff`. Lines: `demo_library_load` (seconds, records per industry) and one `demo_library_query`
line per demand, each followed by its ten titles and the three experts the demand page suggests;
bench/results/demo_library.json (demo_library_dense.json with `--dense`) holds all of it.

Relevance is judged by a person reading the record (title, keywords, abstract) by the labelling rule of
bench/matching_sets/LABELLING.md (2 relevant, 1 partly, 0 not relevant), never by this script: the judgements are
data, `bench/demo_library_judgements.jsonl`, one line per (demand, CSL record) with its grade and a note. Each
title is printed with its grade (`?` when no one has judged it yet) and each demand with its counts: relevant
(grade >= 1, as P@10 counts it in bench/matching.py), of them grade 2, unjudged, and `majority` (>= 6 of 10
relevant), `no majority`, or `undecided` while unjudged records could change it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
JUDGEMENTS = ROOT / "bench" / "demo_library_judgements.jsonl"
MAJORITY = 6  # of the top 10

# Shop-floor demands from the city's industries (issue 13's acceptance: the first one and ten more).
DEMANDS = (
    ("ceramics", "我们厂陶瓷烧结能耗太高，想找降低烧结温度的技术"),
    ("ceramics", "耐火砖用不了多久就剥落开裂，想提高抗热震性"),
    ("fluorosilicon", "有机硅胶和含氟材料耐高温不够，想找改性配方"),
    ("chemicals", "反应用的催化剂寿命短、选择性差，想换更好的催化剂"),
    ("pharma", "制药厂废水COD高，生化处理效果差，求处理技术"),
    ("solvent", "车间用的有机溶剂毒性大、挥发多，想找替代溶剂或回收技术"),
    ("machinery", "数控车床刀具磨损太快，换刀频繁，想提高刀具寿命"),
    ("new_energy", "锂电池冬天续航掉得厉害，想改进电极材料"),
    ("new_energy", "窑炉和锅炉余热白白浪费，想回收利用发电"),
    ("environment", "车间粉尘和废气超标，想找除尘脱硫的办法"),
    ("textiles", "织物染色后色牢度差，想改进印染和整理工艺"),
)


def main() -> int:
    dense = "--dense" in sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="kc-demo-bench-")
    os.environ["KECHUANG_VAR_DIR"] = tmp
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from bench.common import report
    from kechuang.core.demo import ensure_demo_accounts
    from kechuang.core.registry import default_policy
    from kechuang.techmarket import demo, index
    from kechuang.techmarket.models import Achievement

    call_command("migrate", verbosity=0)
    call_command("load_policy", str(sorted((ROOT / "policies").glob("*.yaml"))[0]), verbosity=0)
    city = default_policy().city
    with transaction.atomic():
        ensure_demo_accounts(city, "Bench-only-password-1!")
    start = time.perf_counter()
    with transaction.atomic():  # as load_demo runs it; the index is rebuilt once the transaction commits
        summary = demo.load_demo(city)
    seconds = time.perf_counter() - start
    report("demo_library_load", size=summary, seconds=seconds, achievements=Achievement.objects.count())

    mode = "lexical"
    if dense:  # what `make run` serves once the worker's backfill has embedded every record
        start = time.perf_counter()
        while (progress := index.embed_slice(max_seconds=60))["pending"]:
            print(f"embedding: {progress}", flush=True)
        status = index.dense_status()
        mode = "dense fused" if status["active"] else f"lexical (dense {status['state']})"
        report("demo_library_embedding", size=f"{status.get('total', 0)} records", seconds=time.perf_counter() - start)
    print(f"matching: {mode}")

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bureau_staff")
    judged = load_judgements()
    answers = []
    for industry, text in DEMANDS:
        start = time.perf_counter()
        rows = index.resolve(index.search(text, kind="achievement", k=100), user)[:10]
        took = time.perf_counter() - start
        top = []
        for r in rows:
            achievement, match = r["object"], r["match"]
            grade, note = judged.get((text, achievement.source_ref), (None, ""))
            top.append(
                {
                    "source_ref": achievement.source_ref,
                    "title": achievement.title,
                    "field": achievement.field,
                    "matched_terms": list(match.matched_terms),
                    "weak": match.weak,
                    "grade": grade,
                    "note": note,
                }
            )
        counts = verdict([t["grade"] for t in top])
        # the demand page's expert suggestions: experts matched on their own expertise and papers
        experts = [
            {
                "name": r["object"].name,
                "expertise": r["object"].expertise,
                "matched_terms": list(r["match"].matched_terms),
                "weak": r["match"].weak,
            }
            for r in index.resolve(index.search(text, kind="expert", k=3), user)
        ]
        row = {"industry": industry, "demand": text, "top10": top, "experts": experts, "seconds": round(took, 4)}
        answers.append({**row, **counts})
        print(
            f"demo_library_query: {industry} {text} ({len(rows)} results, {took * 1000:.0f} ms): "
            f"relevant {counts['relevant']}/10 (grade 2: {counts['grade2']}, unjudged {counts['unjudged']}) "
            f"→ {counts['verdict']}"
        )
        for rank, t in enumerate(top, 1):
            grade = "?" if t["grade"] is None else t["grade"]
            weak = " 弱" if t["weak"] else ""
            print(f"  {rank:2d}. [{grade}]{weak} {t['title']} [{t['field']}] {t['source_ref']} — {t['note']}")
            print(f"      matched: {'、'.join(t['matched_terms'])}")
        for e in experts:
            weak = " 弱" if e["weak"] else ""
            print(f"  expert{weak}: {e['name']} {e['expertise']} (matched: {'、'.join(e['matched_terms'])})")
    passed = sum(a["verdict"] == "majority" for a in answers)
    name = "demo_library_dense" if dense else "demo_library"
    report(name, size=summary, seconds=seconds, matching=mode, passed=f"{passed}/{len(answers)}", queries=answers)
    return 0


def load_judgements(path: Path = JUDGEMENTS) -> dict[tuple[str, str], tuple[int, str]]:
    """(demand, CSL record id) → (grade, note), from the judgement file (a person's reading, never computed)."""
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[(row["demand"], row["doc_id"])] = (int(row["grade"]), row.get("note", ""))
    return out


def verdict(grades: list[int | None]) -> dict:
    """Counts of a top 10 and whether a majority of it is relevant (grade >= 1); unjudged records count as
    neither, so a verdict they could change is `undecided`."""
    relevant = sum(1 for g in grades if g is not None and g >= 1)
    unjudged = sum(1 for g in grades if g is None)
    if relevant >= MAJORITY:
        word = "majority"
    elif relevant + unjudged >= MAJORITY:
        word = "undecided"
    else:
        word = "no majority"
    grade2 = sum(1 for g in grades if g == 2)
    return {"relevant": relevant, "grade2": grade2, "unjudged": unjudged, "verdict": word}


if __name__ == "__main__":
    sys.exit(main())
