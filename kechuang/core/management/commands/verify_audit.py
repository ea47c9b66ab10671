from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kechuang.core import audit


class Command(BaseCommand):
    help = "Verify the audit log's HMAC chain, its purge anchor and the signed checkpoint; fails when any is off."

    def handle(self, *args, **options) -> None:
        report = audit.check_chain()
        if not report.ok:
            shown = ", ".join(f"#{i}" for i in report.broken[:50])
            lines = [*report.problems, *([f"altered or missing entries: {shown}"] if report.broken else [])]
            raise CommandError("audit log verification failed:\n" + "\n".join(lines))
        self.stdout.write(f"audit log intact: {report.entries} entries verified")
