from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from kechuang.core import audit


class Command(BaseCommand):
    help = (
        "Delete audit entries older than AUDIT_RETENTION_DAYS (at least 184); younger ones stay, the chain stays "
        "verifiable, and the purge is itself logged. Run daily from cron."
    )

    def handle(self, *args, **options) -> None:
        try:
            result = audit.purge()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"purged {result.purged} audit entries older than {settings.AUDIT_RETENTION_DAYS} days "
            f"(before {result.cutoff:%Y-%m-%d %H:%M} UTC)"
        )
