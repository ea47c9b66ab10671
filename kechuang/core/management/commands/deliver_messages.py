from typing import Any

from django.core.management.base import BaseCommand

from kechuang.core.messages import deliver_pending


class Command(BaseCommand):
    help = "Send again the e-mails and text messages of the message centre that a failed delivery left unsent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=7, help="only messages of the last N days")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        sent = deliver_pending(max_age_days=days)
        self.stdout.write(f"e-mails sent: {sent['email']}, text messages sent: {sent['sms']}")
