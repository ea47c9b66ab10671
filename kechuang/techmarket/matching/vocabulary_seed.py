"""Default domain vocabulary: what enterprises write (俗称, 商品名, 缩写, 车间用语) → the terms achievements use.

The entries are data, `data/vocabulary.yaml`: one per lay term, with the industry it was written for (for the
editing screen), its technical terms, its `source` (why the mapping holds) and, where the bundled CSL records use
one of the technical terms, `used_in` (such a record). Staff edit the vocabulary in the app (VocabularyTerm, seeded
from here by the migrations and the demo); the engine takes it as plain data: an iterable of
`(lay_term, [technical_terms])` pairs (or `VocabularyEntry`). Only mappings that hold in the industry named are
listed; an ambiguous shop-floor word (风机: fan or wind turbine?) is left out rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

VOCABULARY_FILE = Path(__file__).resolve().parent / "data" / "vocabulary.yaml"


def read_entries(path: Path = VOCABULARY_FILE) -> tuple[dict, ...]:
    """The data file's entries, checked: every entry names its industry, lay term, technical terms and source; no
    lay term twice. A bad entry raises ValueError naming it."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    seen: set[str] = set()
    for i, row in enumerate(rows, 1):
        where = f"{path.name} entry {i} ({row.get('lay')!r})"
        for key in ("industry", "lay", "technical", "source"):
            if not row.get(key):
                raise ValueError(f"{where}: no {key}")
        if not isinstance(row["technical"], list) or not all(isinstance(t, str) and t for t in row["technical"]):
            raise ValueError(f"{where}: technical must be a list of terms")
        if row["lay"] in seen:
            raise ValueError(f"{where}: lay term listed twice")
        seen.add(row["lay"])
    return tuple(rows)


# (industry, lay term, technical terms), as the migrations, the demo and the tests read the seed
SEED: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (str(r["industry"]), str(r["lay"]), tuple(str(t) for t in r["technical"])) for r in read_entries()
)


def default_vocabulary() -> list[tuple[str, list[str]]]:
    """The seed as plain `(lay_term, [technical_terms])` pairs, the form `MatchEngine(vocabulary=...)` takes."""
    return [(lay, list(technical)) for _industry, lay, technical in SEED]
