"""API of the matching search with the page's facets."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from kechuang.techmarket import index, selectors
from kechuang.techmarket.api._common import SearchHit, hit_rows, search_hits

router = Router()


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    label: str
    values: list[FacetValueOut]


SEARCH_POOL = 100  # as the search page: facets are counted over the best 100 hits


def _selected(request: HttpRequest) -> dict[str, str]:
    """The selected facet values, read as the search page reads them (every name in selectors.SEARCH_FACETS); the
    routes also declare them as parameters for the OpenAPI docs."""
    return {name: request.GET.get(name, "").strip() for name in selectors.SEARCH_FACETS}


def _faceted(request: HttpRequest, q: str, kind: str, selected: dict[str, str]):
    if kind not in ("achievement", "demand", "expert"):
        raise HttpError(400, "kind must be achievement, demand or expert")
    pool = index.resolve(index.search(q[:2000], kind=kind, k=SEARCH_POOL), request.user)
    return selectors.search_facets(pool, kind, selected)


@router.get("/techmarket/search", response=list[SearchHit])
def search(
    request: HttpRequest,
    q: str,
    kind: str = "achievement",
    k: int = 10,
    field: str = "",
    chain: str = "",
    maturity: str = "",
    transfer_mode: str = "",
    region: str = "",
    status: str = "",
):
    """Search with the page's facets: field, chain (industry chain), maturity (research = TRL 1–3, development =
    4–6, ready = 7–9), transfer_mode, region, status; a facet that does not apply to `kind` is ignored."""
    if kind not in ("achievement", "demand", "expert"):
        raise HttpError(400, "kind must be achievement, demand or expert")
    k = min(max(k, 1), 50)
    selected = _selected(request)
    if not any(selected.values()):
        return search_hits(request, index.search(q[:2000], kind=kind, k=k))
    kept, _facets = _faceted(request, q, kind, selected)
    return hit_rows(kept[:k])


@router.get("/techmarket/search/facets", response=list[FacetOut])
def search_facets(
    request: HttpRequest,
    q: str,
    kind: str = "achievement",
    field: str = "",
    chain: str = "",
    maturity: str = "",
    transfer_mode: str = "",
    region: str = "",
    status: str = "",
):
    """The facet counts of a search (each facet counted over the hits passing the other selected facets)."""
    selected = _selected(request)
    _kept, facets = _faceted(request, q, kind, selected)
    return [
        {
            "name": name,
            "label": str(label),
            "values": [{"value": v, "label": str(lab), "count": n, "selected": on} for v, lab, n, on in entries],
        }
        for name, label, entries in facets
    ]
