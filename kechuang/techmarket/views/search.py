"""The matching search page with its facets."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kechuang.core.codes import TechField
from kechuang.core.http import query_without
from kechuang.techmarket import index, selectors

SEARCH_POOL = 100


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:2000]
    kind = request.GET.get("kind", "achievement")
    if kind not in ("achievement", "demand", "expert"):
        kind = "achievement"
    selected = {name: request.GET.get(name, "") for name in selectors.SEARCH_FACETS}
    results, facets = [], []
    if q:  # facets are counted over the best SEARCH_POOL hits, the page shows the best 20 that pass them
        pool = index.resolve(
            index.search(q, kind=kind, k=SEARCH_POOL, query_field=selected.get("field", "")), request.user
        )
        pool, facets = selectors.search_facets(pool, kind, selected)
        results = pool[:20]
    return render(
        request,
        "techmarket/search.html",
        {
            "q": q,
            "kind": kind,
            "dense": index.dense_status(),
            "results": results,
            "facets": facets,
            "selected": selected,
            "field_labels": dict(TechField.choices),
            "facet_query": {name: query_without(request, name) for name in selectors.SEARCH_FACETS},
        },
    )
