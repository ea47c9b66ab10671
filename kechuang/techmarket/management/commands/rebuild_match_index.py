"""`python manage.py rebuild_match_index`: rebuild the matching index from the database (and refit its models)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from kechuang.techmarket import index


class Command(BaseCommand):
    help = "Rebuild the technology-market matching index (var/match_index) from achievements, demands and experts."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        n = index.rebuild()
        self.stdout.write(
            f"Match index rebuilt at {index.index_dir()}: {n} records in {time.perf_counter() - started:.1f} s."
        )
