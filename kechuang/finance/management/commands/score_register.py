"""Score the whole enterprise register for credit enhancement (the capability score), keeping each firm's history."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from kechuang.finance.services import scores_compute


class Command(BaseCommand):
    help = "Compute the innovation-capability score of every active firm of the register (one row per firm and day)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of: give a date as YYYY-MM-DD") from None
        result = scores_compute(as_of=as_of)
        self.stdout.write(f"{result['scored']} enterprises scored")
