"""How many relevant records the CSL corpus holds for each of the demo library's demands (bench/demo_library.py's
DEMANDS): the evidence for which top 10s *can* have a majority relevant (6 of 10) once the library holds the right
records, and which cannot from this corpus.

Run from the repository root:
- `python bench/demo_library_supply.py` prints the table from the grades in bench/demo_library_supply.jsonl:
  per demand, records graded >= 1 (and 2) in the licensed part (the 2,000 Apache-2.0 ydli-ai/CSL records, bundled
  as matching/data/csl_bench.jsonl, the only ones the demo library may hold), in the whole corpus (4,758), and how
  many of the licensed relevant ones the demo library picks, against the 6 a majority needs.
- `python bench/demo_library_supply.py --pool` writes the labelling pool, bench/results/demo_library_supply_pool.jsonl
  (gitignored: it quotes abstracts): per demand the union of plain word BM25's top 50 and the engine's top 50
  (MatchOptions defaults) over the whole corpus (`--corpus FILE`, by default bench/matching.py's), in a seeded
  shuffled order that hides which method found a record.

The grades are a person's reading of title, keywords and abstract by bench/matching_sets/LABELLING.md, one line per
(demand, record) of the pool: {"demand", "doc_id", "grade", "note"}; never computed here. They include every grade
of bench/demo_library_judgements.jsonl (records the demo's top 10s showed) and the table reads both (a pair graded
differently in the two stops it). A record outside
the pool is not counted: the figures are a lower bound of what the corpus holds (the pool is the two retrievers' top
50; a relevant record neither found stays unseen).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.demo_library import DEMANDS, JUDGEMENTS, MAJORITY  # noqa: E402

GRADES = ROOT / "bench" / "demo_library_supply.jsonl"
POOL = ROOT / "bench" / "results" / "demo_library_supply_pool.jsonl"
DEPTH = 50
SEED = 20261207


def read_grades(paths: tuple[Path, ...] = (GRADES, JUDGEMENTS)) -> dict[str, dict[str, int]]:
    """demand → {record id: grade}, from the supply grades and the demo's judgements; a pair graded twice must
    carry the same grade in both."""
    out: dict[str, dict[str, int]] = {}
    for path in paths:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            grades = out.setdefault(row["demand"], {})
            grade = int(row["grade"])
            if grades.setdefault(row["doc_id"], grade) != grade:
                raise ValueError(f"{path.name}:{i}: {row['doc_id']} graded {grade}, elsewhere {grades[row['doc_id']]}")
    return out


def build_pool(corpus: Path | None) -> int:
    from bench.matching import CORPUS, JiebaBm25
    from kechuang.techmarket.matching import MatchEngine, MatchOptions
    from kechuang.techmarket.matching.corpus import csl_record_to_doc, read_jsonl

    records = list(read_jsonl(corpus or CORPUS))
    by_id = {r["id"]: r for r in records}
    docs = [csl_record_to_doc(r) for r in records]
    bm25 = JiebaBm25([replace(d, text=" ".join(d.keywords) + " " + d.text) for d in docs])  # the bench's baseline
    rng = random.Random(SEED)  # nosec B311  # a seeded order that hides the method
    lines = []
    with tempfile.TemporaryDirectory(prefix="demo-supply-") as tmp:
        engine = MatchEngine(Path(tmp) / "engine", options=MatchOptions())
        engine.rebuild(docs)
        for _, demand in DEMANDS:
            found = dict.fromkeys(bm25.search(demand, DEPTH, set()))
            found.update(dict.fromkeys(m.id for m in engine.search(demand, DEPTH, explain=False)))
            ids = sorted(found)
            rng.shuffle(ids)
            for doc_id in ids:
                r = by_id[doc_id]
                lines.append(
                    {
                        "demand": demand,
                        "doc_id": doc_id,
                        "title": r["title"],
                        "keywords": r["keywords"],
                        "discipline": r["discipline"],
                        "abstract": r["abstract"][:300],
                    }
                )
    POOL.parent.mkdir(parents=True, exist_ok=True)
    POOL.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    print(f"{POOL}: {len(lines)} pairs for {len(DEMANDS)} demands")
    return 0


def library_ids() -> set[str]:
    """The record ids the demo library picks (demo.Library's rule over the bundled records), without a database."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from kechuang.techmarket.demo import Library, library_records

    return {r["id"] for rows in Library.load().pick(library_records()).values() for r in rows}


def licensed(doc_id: str) -> bool:
    return doc_id.startswith("csl-bench-")


def table(grades: dict[str, dict[str, int]], in_library: set[str]) -> list[dict]:
    rows = []
    for industry, demand in DEMANDS:
        g = grades.get(demand, {})
        rel = [d for d, x in g.items() if x >= 1]
        lic = [d for d in rel if licensed(d)]
        rows.append(
            {
                "industry": industry,
                "demand": demand,
                "judged": len(g),
                "licensed": len(lic),
                "licensed_grade2": sum(1 for d in lic if g[d] == 2),
                "whole": len(rel),
                "whole_grade2": sum(1 for d in rel if g[d] == 2),
                "in_library": sum(1 for d in lic if d in in_library),
                "enough": len(lic) >= MAJORITY,
            }
        )
    return rows


def main(argv: list[str]) -> int:
    if "--pool" in argv:
        corpus = argv[argv.index("--corpus") + 1] if "--corpus" in argv else None
        return build_pool(Path(corpus) if corpus else None)
    import time

    from bench.common import report

    start = time.perf_counter()
    rows = table(read_grades(), library_ids())
    print(f"relevant records (grade >= 1; of them grade 2) per demand, against the {MAJORITY} a majority of 10 needs")
    print(f"{'industry':<14}{'judged':>7}{'licensed':>11}{'whole':>11}{'in library':>12}  verdict  demand")
    for r in rows:
        verdict = "can" if r["enough"] else "cannot"
        print(
            f"{r['industry']:<14}{r['judged']:>7}{r['licensed']:>6} ({r['licensed_grade2']:>2}){r['whole']:>6} "
            f"({r['whole_grade2']:>2}){r['in_library']:>12}  {verdict:<7}  {r['demand']}"
        )
    enough = sum(r["enough"] for r in rows)
    report(
        "demo_library_supply",
        size=f"{len(rows)} demands, {sum(r['judged'] for r in rows)} graded pairs",
        seconds=time.perf_counter() - start,
        reachable=f"{enough}/{len(rows)}",
        demands=rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
