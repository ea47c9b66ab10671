from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kechuang.enterprises import ladder


class Command(BaseCommand):
    help = (
        "Evaluate facts records (a JSON list in the shared facts format) against every tier and print the results "
        "as JSON. A bad record gets an error naming the record and field; the others are still evaluated."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--input", required=True, help="JSON file: a list of facts records (or one record); - for stdin"
        )
        parser.add_argument("--as-of", help="YYYY-MM-DD; a record's own assessment_date wins")

    def handle(self, *args, **options) -> None:
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(f"--as-of {options['as_of']!r} is not a date (YYYY-MM-DD)") from None
        try:
            text = sys.stdin.read() if options["input"] == "-" else Path(options["input"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {options['input']}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{options['input']}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        records = data if isinstance(data, list) else [data]
        results = []
        for record in records:
            result = ladder.evaluate_records_json([record], as_of_default(record, as_of))[0]
            if "errors" in result:
                label = (
                    record.get("credit_code")
                    if isinstance(record, dict) and record.get("credit_code")
                    else f"#{len(results)}"
                )
                result["record"] = label
                for error in result["errors"]:
                    self.stderr.write(f"record {label}: {error['field']}: {error['message']}")
            results.append(result)
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2, default=str))


def as_of_default(record: object, as_of: dt.date | None) -> dt.date | None:
    """The record's own assessment_date wins over --as-of (ladder-facts-format.md)."""
    if isinstance(record, dict) and record.get("assessment_date"):
        return None
    return as_of
