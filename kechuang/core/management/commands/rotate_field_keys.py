"""Re-encrypt every encrypted personal field with the current key of KECHUANG_FIELD_KEYS (checklist item 18)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from kechuang.core import audit, crypto
from kechuang.core.encrypted import encrypted_fields, rotate_model


class Command(BaseCommand):
    help = (
        "Re-encrypt all encrypted fields with the current (first) key of KECHUANG_FIELD_KEYS; one transaction per "
        "model, in batches; rows already under the current key are skipped (safe to run again). Retire an old key "
        "only after this has run."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per UPDATE batch")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        crypto.reset()
        ring = crypto.key_ring()
        counts: dict[str, int] = {}
        for model in apps.get_models():
            if not encrypted_fields(model):
                continue
            with transaction.atomic():
                counts[model._meta.label_lower] = rotate_model(model, batch=batch)
        with transaction.atomic():
            audit.record(
                actor=None,
                action="update",
                object_type="core.fieldkeys",
                object_label=f"rotate_field_keys → {ring.current_id}",
                detail={"key_id": ring.current_id, "backend": crypto.backend(), "rows": counts},
            )
        for label, n in counts.items():
            self.stdout.write(f"{label}: {n} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"current key {ring.current_id}: {sum(counts.values())} rows rewritten"))
