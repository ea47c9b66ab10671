"""The staff-editable domain vocabulary: lay term (俗称/商品名/行话) → technical terms, used to expand queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .segmenter import normalize


@dataclass(frozen=True)
class VocabularyEntry:
    lay: str
    technical: tuple[str, ...]
    industry: str = ""


@dataclass
class Vocabulary:
    """Lay → technical mappings; `find` returns the entries whose lay term occurs in a text.

    Matching is on the NFKC, lower-cased text (substring), so 锂电 in 锂电隔膜 and ptfe in PTFE垫片 both count.
    With `reverse=True`, technical terms found in the text bring back their lay terms too (an achievement written
    in technical language, searching demands written in lay words).
    """

    entries: list[VocabularyEntry] = field(default_factory=list)
    # (lower-cased lay term, entry), longest first: built once, not per query
    _sorted: list[tuple[str, VocabularyEntry]] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def coerce(cls, value: Vocabulary | Mapping | Iterable | None) -> Vocabulary:
        """Accept a Vocabulary, a {lay: [technical]} mapping, or (lay, [technical]) / VocabularyEntry items."""
        if value is None:
            return cls()
        if isinstance(value, Vocabulary):
            return value
        items = value.items() if isinstance(value, Mapping) else value
        entries = []
        for item in items:
            if isinstance(item, VocabularyEntry):
                entry = item
            else:
                lay, technical = item[0], item[1]
                if isinstance(technical, str):
                    technical = [technical]
                entry = VocabularyEntry(lay=str(lay), technical=tuple(str(t) for t in technical))
            lay = normalize(entry.lay)
            technical = tuple(t for t in (normalize(t) for t in entry.technical) if t and t != lay)
            if lay and technical:
                entries.append(VocabularyEntry(lay=lay, technical=technical, industry=entry.industry))
        return cls(entries)

    def words(self) -> list[str]:
        """Every lay and technical term, for the segmentation dictionary."""
        out: list[str] = []
        for entry in self.entries:
            out.append(entry.lay)
            out.extend(entry.technical)
        return list(dict.fromkeys(out))

    def find(self, text: str, *, reverse: bool = False) -> dict[str, list[str]]:
        """{term found in text: [terms it expands to]}; longest lay terms win over ones they contain."""
        haystack = normalize(text).lower()
        if not haystack:
            return {}
        found: dict[str, list[str]] = {}
        if self._sorted is None or len(self._sorted) != len(self.entries):
            self._sorted = [(e.lay.lower(), e) for e in sorted(self.entries, key=lambda e: -len(e.lay))]
        for lay, entry in self._sorted:
            if lay in haystack and not any(lay in longer.lower() and lay != longer.lower() for longer in found):
                found.setdefault(entry.lay, [])
                found[entry.lay].extend(t for t in entry.technical if t not in found[entry.lay])
        if reverse:
            for entry in self.entries:
                for term in entry.technical:
                    if term.lower() in haystack and entry.lay not in found:
                        found.setdefault(term, [])
                        if entry.lay not in found[term]:
                            found[term].append(entry.lay)
        return found
