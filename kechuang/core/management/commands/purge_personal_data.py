"""Anonymise personal data past its registered retention (checklist item 17; core/retention.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kechuang.core import retention


class Command(BaseCommand):
    help = "Blank personal fields past the retention the registry (core/personal_data.py) gives; logged in the audit."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = retention.purge()
        for key, n in counts.items():
            self.stdout.write(f"{key}: {n}")
        self.stdout.write(self.style.SUCCESS(f"{sum(counts.values())} rows anonymised"))
