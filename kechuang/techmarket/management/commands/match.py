"""`python manage.py match --query TEXT [--k 10] [--corpus FILE.jsonl]`: search the matching index, print JSON.

With --corpus, a temporary index is built from a CSL-shaped JSONL file (id, title, abstract, keywords,
discipline) and searched: no database and no existing index needed. Without it, the persistent index in
--index-dir (default var/match_index/ in the repository) is searched.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kechuang.techmarket.matching import KINDS, MatchEngine, MatchOptions, load_csl_jsonl

DEFAULT_INDEX_DIR = Path(__file__).resolve().parents[4] / "var" / "match_index"


class Command(BaseCommand):
    help = "Match a demand (or any text) against achievements, demands and experts; prints JSON results."
    requires_system_checks = []  # needs neither the database nor the app registry

    def add_arguments(self, parser):
        parser.add_argument("--query", required=True, help="the text to match, e.g. a demand's title and description")
        parser.add_argument("--k", type=int, default=10, help="number of results (default 10)")
        parser.add_argument("--corpus", help="CSL-shaped JSONL file: build a temporary index from it and search that")
        parser.add_argument("--index-dir", default=str(DEFAULT_INDEX_DIR), help="persistent index (without --corpus)")
        parser.add_argument("--kind", choices=KINDS, help="only records of this kind")
        parser.add_argument("--field", help="only records of this technology field")
        parser.add_argument("--prf", action="store_true", help="pseudo-relevance feedback (RM3) on")
        parser.add_argument("--lsa", action="store_true", help="LSA query expansion on")
        parser.add_argument(
            "--no-field-boost", action="store_true", help="field boosts off (routing by the first pass, classifier)"
        )

    def handle(self, *args, **options):
        engine_options = MatchOptions(
            prf=options.get("prf", False),
            lsa=options.get("lsa", False),
            field_boost=False,
            route_feedback=not options.get("no_field_boost", False),
        )
        query, k = options["query"], options.get("k") or 10
        kind, field = options.get("kind"), options.get("field")
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
                results = engine.search(query, k=k, kind=kind, field=field)
        else:
            index_dir = Path(options.get("index_dir") or DEFAULT_INDEX_DIR)
            if not index_dir.exists():
                raise CommandError(f"no index at {index_dir}: build it first, or pass --corpus FILE.jsonl")
            engine = MatchEngine(index_dir, options=engine_options)
            if len(engine) == 0:
                raise CommandError(f"the index at {index_dir} is empty: build it first, or pass --corpus FILE.jsonl")
            results = engine.search(query, k=k, kind=kind, field=field)
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
