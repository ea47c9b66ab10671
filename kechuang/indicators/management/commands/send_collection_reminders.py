"""Daily job: `python manage.py send_collection_reminders` (cron beside `send_reminders`); each reminder once."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.indicators.services import REMINDER_DAYS_BEFORE, collection_reminders_send


class Command(BaseCommand):
    help = "Remind reporting officers of collection forms with missing values (due soon, overdue), in-app and e-mail."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=REMINDER_DAYS_BEFORE, help="days before the deadline")
        parser.add_argument("--today", default=None, help="run as if today were YYYY-MM-DD")

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc
        result = collection_reminders_send(today=today, days_before=options["days"])
        for data_set, org, period, kind in result.sent:
            self.stdout.write(f"  {kind:<9} {data_set} {org} {period}")
        self.stdout.write(f"Collection reminders sent: {len(result.sent)} (e-mails to {result.emails} addresses).")
