"""`python manage.py match --query TEXT [--k 10] [--corpus FILE.jsonl]`: search the matching index, print JSON.
`python manage.py match --check [FILE.jsonl] [--corpus FILE.jsonl]`: run the bureau's check queries (default: the
bundled set, matching/data/check_queries.jsonl) and print how each ranks the records that answer it.

With --corpus, a temporary index is built from a CSL-shaped JSONL file (id, title, abstract, keywords,
discipline) and searched: no database and no existing index needed. Without it, the persistent index in
--index-dir (default var/match_index/ in the repository) is searched. The engine runs with its shipped defaults
(what bench/matching.py measures); flags turn single stages off or on.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kechuang.techmarket.matching import KINDS, MatchEngine, MatchOptions, load_csl_jsonl
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
        parser.add_argument("--k", type=int, default=10, help="number of results (default 10)")
        parser.add_argument("--corpus", help="CSL-shaped JSONL file: build a temporary index from it and search that")
        parser.add_argument("--index-dir", default=str(DEFAULT_INDEX_DIR), help="persistent index (without --corpus)")
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

    @contextmanager
    def _engine(self, options, engine_options):
        corpus = options.get("corpus")
        if corpus:
            path = Path(corpus)
            if not path.is_file():
                raise CommandError(f"--corpus {corpus}: no such file")
            try:
                docs = load_csl_jsonl(path)
            except (ValueError, KeyError) as exc:
                raise CommandError(f"--corpus {corpus}: {exc}") from exc
            with tempfile.TemporaryDirectory(prefix="match-") as tmp:
                engine = MatchEngine(tmp, options=engine_options)
                engine.rebuild(docs)
                yield engine
            return
        index_dir = Path(options.get("index_dir") or DEFAULT_INDEX_DIR)
        if not index_dir.exists():
            raise CommandError(f"no index at {index_dir}: build it first, or pass --corpus FILE.jsonl")
        engine = MatchEngine(index_dir, options=engine_options)
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
