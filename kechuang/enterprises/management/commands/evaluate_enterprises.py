from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from kechuang.core.models import OrgUnit
from kechuang.enterprises.services import ladder_evaluate_register


class Command(BaseCommand):
    help = "Evaluate every active enterprise of the register (vectorised) and store the verdicts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--region", help="region code (the org unit's code in the policy file)")

    def handle(self, *args, **options) -> None:
        as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        region = None
        if options["region"]:
            region = OrgUnit.objects.regions().filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"no region {options['region']!r}")
        start = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\r{done:,}/{total:,} enterprises", ending="")

        stats = ladder_evaluate_register(as_of=as_of, region=region, progress=progress)
        self.stderr.write("")
        self.stdout.write(
            f"Evaluated {stats['enterprises']:,} enterprises ({stats['results']:,} verdicts, {stats['invalid']} with "
            f"invalid facts) in {time.perf_counter() - start:.1f}s"
        )
