"""Deactivate accounts without a log-in or API token use for KECHUANG_ACCOUNT_IDLE_DAYS (run daily, e.g. from cron)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from kechuang.core.accounts import disable_idle_accounts


class Command(BaseCommand):
    help = (
        "Deactivate every account without a log-in or a use of its API tokens for KECHUANG_ACCOUNT_IDLE_DAYS days "
        "(default 90)."
    )

    def handle(self, *args, **options) -> None:
        disabled = disable_idle_accounts()
        days = settings.KECHUANG_ACCOUNT_IDLE_DAYS
        self.stdout.write(f"{len(disabled)} accounts idle for more than {days} days deactivated.")
        for username in disabled:
            self.stdout.write(f"  {username}")
