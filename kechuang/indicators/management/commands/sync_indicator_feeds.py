"""`python manage.py sync_indicator_feeds [--year 2026 ...]`: rewrite the observations other modules feed
(the technology market's registered contract turnover). Normally automatic; this mends after a restore."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kechuang.indicators.services import sync_feeds


class Command(BaseCommand):
    help = "Rewrite the fed indicator observations (e.g. registered technology-contract turnover) from their modules."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable); default all")

    def handle(self, *args, **options):
        changed = sync_feeds(options.get("year"))
        self.stdout.write(f"{changed} observations created or changed")
