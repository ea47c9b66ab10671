"""The service desk at scale (issue 15: bounded queries): its per-provider figures are exact, and each desk page
(bureau, provider department, district; all, late-only, one state) reads a fixed number of queries, whatever the
number of requests in the queue."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.talent import selectors, services
from kechuang.talent.engines import requests as flow
from kechuang.talent.models import ServiceItem, ServiceRequest
from tests.talent import factories as f

pytestmark = pytest.mark.django_db

STATES = ["submitted", "accepted", "in_progress", "returned_for_info", "completed", "rated", "rejected", "cancelled"]


@pytest.fixture
def queue(persona, unit):
    """Two providers (education, finance), talents in two districts; `add(n)` adds n requests of every state."""
    staff = persona("bureau_staff")
    talents = [f.talent(staff, unit("zhangdian"), n=1), f.talent(staff, unit("zichuan"), n=2)]
    items = [
        ServiceItem.objects.create(
            code="school", name="子女入学", category="schooling", provider=unit("education"), sla_days=5
        ),
        ServiceItem.objects.create(
            code="loan", name="人才贷", category="finance", provider=unit("finance"), sla_days=10
        ),
        ServiceItem.objects.create(
            code="tutor", name="课后托管", category="schooling", provider=unit("education"), sla_days=5
        ),
    ]
    counter = itertools.count()

    def add(n: int) -> None:
        rows = []
        for _ in range(n):
            for state in STATES:
                i = next(counter)
                accepted = dt.date(2025, 3, 3) if state not in ("submitted", "cancelled") else None
                rows.append(
                    ServiceRequest(
                        talent=talents[i % 2],
                        item=items[i % 3],
                        state=state,
                        submitted_on=dt.date(2025, 3, 1),
                        accepted_on=accepted,
                        due_on=accepted and accepted + dt.timedelta(days=7),
                        paused_since=accepted if state == "returned_for_info" else None,
                        completed_on=dt.date(2025, 3, 7) if state in ("completed", "rated") else None,
                        breached=bool(accepted) and i % 5 == 0,
                        rating=1 + i % 5 if state == "rated" else None,
                    )
                )
        ServiceRequest.objects.bulk_create(rows)

    return add


def expected_desk() -> list[dict]:
    """The desk's figures computed row by row in Python, from every request (the bureau's view)."""
    per: dict[str, dict] = {}
    for r in ServiceRequest.objects.select_related("item__provider"):
        row = per.setdefault(r.item.provider.name, {"total": 0, "open": 0, "late": 0, "done": 0, "ratings": []})
        row["total"] += 1
        row["open"] += r.state in ("submitted", "accepted", "in_progress", "returned_for_info")
        row["late"] += r.breached
        row["done"] += r.state in ("completed", "rated")
        if r.rating is not None:
            row["ratings"].append(r.rating)
    out = []
    for name in sorted(per):
        row = per[name]
        closed = row["total"] - row["open"]
        ratings = row.pop("ratings")
        out.append(
            {
                "item__provider__name": name,
                **row,
                "rate": round(100 * row["done"] / closed) if closed else None,
                "rating": round(sum(ratings) / len(ratings), 1) if ratings else None,
            }
        )
    return out


def test_desk_figures_per_provider(queue, persona, unit):
    queue(7)
    expected = expected_desk()
    assert len(expected) == 2 and all(row["rating"] is not None for row in expected)
    assert selectors.service_desk(persona("bureau_staff")) == expected
    education = [row for row in expected if row["item__provider__name"] == unit("education").name]
    assert selectors.service_desk(persona("supporting_officer")) == education  # 市教育局: its own queue only


def test_desk_figures_follow_every_change(queue, persona):
    """The figures are kept until a request changes: a step through the service, a new request, a bulk load."""
    queue(2)
    staff = persona("bureau_staff")
    assert selectors.service_desk(staff) == expected_desk()
    req = ServiceRequest.objects.filter(state="accepted").first()
    services.request_step(actor=staff, request=req, action=flow.START)
    assert selectors.service_desk(staff) == expected_desk()
    services.request_step(actor=staff, request=req, action=flow.COMPLETE)
    after = selectors.service_desk(staff)
    assert after == expected_desk()
    queue(1)  # bulk_create, as the demo loader
    assert selectors.service_desk(staff) == expected_desk() != after


PAGES = [
    ("bureau_staff", ""),
    ("bureau_staff", "?late=1"),
    ("bureau_staff", "?state=in_progress"),
    ("supporting_officer", ""),  # 市教育局, a provider department
    ("supporting_officer", "?late=1"),
    ("supporting_officer", "?state=accepted"),
    ("zhangdian_officer", ""),  # a district: its talents' requests
]


def desk_queries(client, query: str, *, cold: bool) -> int:
    """Queries of one desk page; `cold`: with the desk's figures not yet kept (the first view after a change)."""
    url = reverse("talent:service_requests") + query
    client.get(url)  # warm: the session, the policy in the menu
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(("who", "query"), PAGES)
def test_desk_page_reads_a_fixed_number_of_queries(queue, client_as, who, query):
    client = client_as(who)
    queue(3)  # every state of every item
    few = desk_queries(client, query, cold=False), desk_queries(client, query, cold=True)
    queue(12)  # then a full page of 25 and more of every state, both providers, both districts
    assert (desk_queries(client, query, cold=False), desk_queries(client, query, cold=True)) == few
    # the numbers themselves, so that a query added to the page is a decision: the session, the user and the second
    # factor's device; the count, the calendar, the page's ids and its rows; the desk's stamp; the policy of the
    # menu; the session's save (three); a confined role's units for the list. Cold, the desk's groups and their
    # providers (and a confined role's units again), and what else the cleared cache held (one).
    assert few == QUERIES[who]


QUERIES = {"bureau_staff": (13, 16), "supporting_officer": (14, 18), "zhangdian_officer": (14, 18)}
