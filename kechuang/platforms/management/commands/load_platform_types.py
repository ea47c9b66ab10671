"""`manage.py load_platform_types [--reset-flags]`: re-read data/types.yaml into the platform types (names, levels,
grade bands, provincial criteria, source documents); the bureau's "counts toward the 600" flags are kept unless
--reset-flags. One audit entry."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from kechuang.core import audit
from kechuang.platforms.catalogue import TYPES_FILE, load_types
from kechuang.platforms.models import PlatformType


class Command(BaseCommand):
    help = "Load the platform types from kechuang/platforms/data/types.yaml"

    def add_arguments(self, parser):
        parser.add_argument("--reset-flags", action="store_true", help="set the counting flags back to the file's")

    def handle(self, *args, reset_flags: bool = False, **options):
        with transaction.atomic():
            created = load_types(PlatformType, reset_flags=reset_flags)
            audit.record(
                actor=None,
                action="update",
                object_type="platforms.platformtype",
                object_label=TYPES_FILE.name,
                detail={"created": created, "reset_flags": reset_flags},
            )
        self.stdout.write(f"{PlatformType.objects.count()} platform types ({created} new) from {TYPES_FILE.name}")
