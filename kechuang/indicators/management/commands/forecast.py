"""`manage.py forecast`: project a yearly series (CSV `year,value`) to a deadline and print the JSON report.

    python manage.py forecast --series rd_intensity.csv --target 3 --deadline 2027 [--comparator ge] [--level 0.8]

Uses only the forecast engine (kechuang.indicators.forecast); no database access.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kechuang.indicators.forecast import COMPARATORS, SeriesError, forecast_series, read_series_csv


class Command(BaseCommand):
    help = "Forecast a yearly indicator series (CSV with header year,value) to a deadline and print the JSON report."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--series", required=True, help="CSV file with header year,value")
        parser.add_argument("--target", required=True, type=float, help="target value at the deadline")
        parser.add_argument("--deadline", required=True, type=int, help="deadline year, e.g. 2027")
        parser.add_argument(
            "--comparator", default="ge", choices=COMPARATORS, help="meeting the target means value ge/gt/le/lt target"
        )
        parser.add_argument("--level", default=0.8, type=float, help="prediction interval coverage (default 0.8)")

    def handle(self, *args, **options):
        path = Path(options["series"])
        try:
            points = read_series_csv(path)
        except SeriesError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        try:
            result = forecast_series(
                points,
                target=options["target"],
                deadline=options["deadline"],
                comparator=options["comparator"],
                level=options["level"],
            )
        except ValueError as exc:  # includes SeriesError
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, allow_nan=False))
