"""Daily job: `python manage.py send_reminders` (cron or a systemd timer); sends each reminder once."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.supervision.reminders import days_before_default, reminders_send


class Command(BaseCommand):
    help = "Send due-soon and overdue reminders for progress reports (in-app and e-mail), each only once."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help=f"days before the due date (default {days_before_default()})"
        )
        parser.add_argument("--today", default=None, help="run as if today were YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc
        result = reminders_send(today=today, days_before=options["days"], dry_run=options["dry_run"])
        verb = "would send" if options["dry_run"] else "sent"
        for period, dept, kind in result.sent:
            self.stdout.write(f"  {verb} {kind:<9} {period} {dept}")
        self.stdout.write(
            f"Reminders {verb}: {len(result.sent)} (e-mails to {result.emails} addresses); "
            f"already sent before: {result.skipped}."
        )
