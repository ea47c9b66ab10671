"""The platform types as data: data/types.yaml → PlatformType (idempotent; a type's flag the bureau has set is kept
unless `reset_flags`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kechuang.platforms.engine.grading import check_bands

TYPES_FILE = Path(__file__).resolve().parent / "data" / "types.yaml"
LEVELS = ("national", "province", "city")


def read_types(path: Path = TYPES_FILE) -> list[dict[str, Any]]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for i, row in enumerate(rows):
        check_bands(row.get("grade_bands") or [])
        bad = [lv for lv in row.get("levels", []) if lv not in LEVELS]
        if bad or not row.get("levels"):
            raise ValueError(f"{path.name} row {i + 1} ({row.get('code')}): levels must be among {LEVELS}")
        row["sort_order"] = i
    return rows


def load_types(model: Any, *, reset_flags: bool = False) -> int:
    """Create or refresh every type of the file in `model` (PlatformType, or the migration's historical model)."""
    created = 0
    for row in read_types():
        fields = {
            "name": row["name"],
            "family": row["family"],
            "levels": row["levels"],
            "authority": row.get("authority", ""),
            "grade_bands": row.get("grade_bands", []),
            "province_criteria": row.get("province_criteria") or {},
            "source_document": row.get("source_document", ""),
            "sort_order": row["sort_order"],
        }
        found = model.objects.filter(code=row["code"]).first()
        if found is None:
            model.objects.create(code=row["code"], counts_for_task2=bool(row.get("counts_for_task2")), **fields)
            created += 1
            continue
        for key, value in fields.items():
            setattr(found, key, value)
        if reset_flags:
            found.counts_for_task2 = bool(row.get("counts_for_task2"))
        found.save()
    return created
