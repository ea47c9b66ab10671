"""Which policy tasks each finance register serves (`data/competence.yaml`, city data): their lead and supporting
departments read the register (core.scope's `DataScope.task_readers`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

PATH = Path(__file__).parent / "data" / "competence.yaml"


@cache
def _table() -> dict[str, tuple[int, ...]]:
    data = yaml.safe_load(PATH.read_text(encoding="utf-8")) or {}
    return {str(k): tuple(int(n) for n in v or ()) for k, v in data.items()}


def tasks(register: str) -> tuple[int, ...]:
    """The task numbers of `register` (loans, scores, insurance, venture_capital, listing_reserve)."""
    return _table()[register]
