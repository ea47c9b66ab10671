"""Daily job: `python manage.py project_reminders` (cron beside `send_reminders`); each reminder once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kechuang.core.management import add_today_argument, today_from
from kechuang.projects.reminders import send_project_reminders


class Command(BaseCommand):
    help = "Remind firms and district officers of monitoring reports and correction orders due soon or overdue."

    def add_arguments(self, parser) -> None:
        add_today_argument(parser)

    def handle(self, *args, **options) -> None:
        sent = send_project_reminders(today_from(options))
        self.stdout.write(
            f"Project reminders sent: {sent.monitoring} monitoring, {sent.corrections} correction orders."
        )
