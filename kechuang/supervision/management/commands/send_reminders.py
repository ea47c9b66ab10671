"""Daily job: `python manage.py send_reminders` (cron or a systemd timer); sends each reminder once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kechuang.core.management import add_today_argument, today_from
from kechuang.supervision.reminders import days_before_default, reminders_send


class Command(BaseCommand):
    help = "Send due-soon and overdue reminders for progress reports (in-app and e-mail), each only once."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help=f"days before the due date (default {days_before_default()})"
        )
        add_today_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")

    def handle(self, *args, **options) -> None:
        today = today_from(options)
        result = reminders_send(today=today, days_before=options["days"], dry_run=options["dry_run"])
        verb = "would send" if options["dry_run"] else "sent"
        for period, dept, kind in result.sent:
            self.stdout.write(f"  {verb} {kind:<9} {period} {dept}")
        self.stdout.write(
            f"Reminders {verb}: {len(result.sent)} (e-mails to {result.emails} addresses); "
            f"already sent before: {result.skipped}."
        )
