"""Daily job: `python manage.py send_collection_reminders` (cron beside `send_reminders`); each reminder once, through
the message centre."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kechuang.core.management import add_today_argument, today_from
from kechuang.indicators.services import REMINDER_DAYS_BEFORE, collection_reminders_send


class Command(BaseCommand):
    help = (
        "Remind reporting officers of collection forms with missing values (due soon, overdue) through the message "
        "centre (inbox and e-mail); a second run sends nothing twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=REMINDER_DAYS_BEFORE, help="days before the deadline")
        add_today_argument(parser)

    def handle(self, *args, **options) -> None:
        today = today_from(options)
        result = collection_reminders_send(today=today, days_before=options["days"])
        for data_set, org, period, kind in result.sent:
            self.stdout.write(f"  {kind:<9} {data_set} {org} {period}")
        self.stdout.write(f"Collection reminders: {len(result.sent)} forms, {result.messages} messages.")
