"""What several API modules share: contact, search-hit and match schemas, and the input helpers
(services validate and decide rights)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Schema

from kechuang.core.models import OrgUnit
from kechuang.techmarket import index


class ContactOut(Schema):
    name: str
    phone: str
    email: str
    masked: bool


class MatchOut(Schema):
    id: int
    demand_id: int
    achievement_id: int | None
    expert_id: int | None
    stage: str
    score: float | None
    matched_terms: list[str]
    recommended_on: dt.date
    contacted_on: dt.date | None
    negotiation_on: dt.date | None
    signed_on: dt.date | None
    closed_on: dt.date | None
    note: str


class ExplanationOut(Schema):
    matched_terms: list[str]
    vocabulary: dict[str, list[str]]
    matched_expansions: list[str]
    snippet: str
    snippet_html: str
    field_match: bool
    lexical_rank: int | None = None  # the record's rank in each fused ranking (None: not in that ranking's top)
    dense_rank: int | None = None
    dense_similarity: float | None = None  # cosine similarity of the record's vector to the query's


class SearchHit(Schema):
    kind: str
    id: int
    title: str
    field: str
    score: float
    weak: bool  # the lexical score is under the weak-match threshold (MatchOptions.weak_score)
    explanation: ExplanationOut | None


class ReasonIn(Schema):
    reason: str


def region_by_code(code: str | None, field: str, *, required: bool = True) -> OrgUnit | None:
    """A region named by its code. Any region of the city resolves, so that the service, not the lookup, refuses
    a region outside the caller's scope (403, as demand_create does)."""
    if not code:
        if required:
            raise ValidationError({field: "give a region code"})
        return None
    found = OrgUnit.objects.regions().filter(code=code).first()
    if found is None:
        raise ValidationError({field: "unknown region code"})
    return found


def apply_patch(obj: Any, data: dict[str, Any], nullable: frozenset[str] = frozenset()) -> None:
    """Set the fields of a PATCH body; null is refused for fields that cannot be empty (as check_update does)."""
    for name, value in data.items():
        if value is None and name not in nullable:
            raise ValidationError({name: "may not be null"})
        setattr(obj, name, value)


def clean_words(values: list[str], *, upper: bool = False) -> list[str]:
    """Stripped, non-empty, de-duplicated words (the pages split their text inputs the same way)."""
    out = (v.strip().upper() if upper else v.strip() for v in values)
    return list(dict.fromkeys(v for v in out if v))


def search_hits(request: HttpRequest, found) -> list[dict[str, Any]]:
    return hit_rows(index.resolve(found, request.user))


def hit_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        m, obj = r["match"], r["object"]
        ex = m.explanation.as_dict() if m.explanation else None
        out.append(
            {
                "kind": r["kind"],
                "id": obj.pk,
                "title": getattr(obj, "title", "") if r["kind"] != "expert" else obj.name,
                "field": m.field,
                "score": m.score,
                "weak": m.weak,
                "explanation": ex,
            }
        )
    return out
