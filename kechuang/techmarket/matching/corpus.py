"""CSL-shaped JSONL records → MatchDoc, and where the bundled Apache-2.0 part of CSL lives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .engine import MatchDoc

BUNDLED_CSL = Path(__file__).resolve().parent / "data" / "csl_bench.jsonl"


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{line_no}: not a JSON object ({exc.msg})") from exc


def csl_record_to_doc(record: dict[str, Any], *, kind: str = "achievement") -> MatchDoc:
    """A CSL record as an achievement: title, abstract as text, keywords, discipline as the field."""
    return MatchDoc(
        id=str(record["id"]),
        kind=record.get("kind", kind),
        title=record.get("title", ""),
        text=record.get("abstract", record.get("text", "")),
        keywords=list(record.get("keywords") or []),
        field=record.get("discipline", record.get("field", "")),
    )


def load_csl_jsonl(path: str | Path, *, kind: str = "achievement") -> list[MatchDoc]:
    """Every record of a CSL-shaped JSONL file (id, title, abstract, keywords, discipline) as a MatchDoc."""
    return [csl_record_to_doc(record, kind=kind) for record in read_jsonl(path)]
