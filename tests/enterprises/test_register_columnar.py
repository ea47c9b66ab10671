"""The register's columnar path (`ladder_evaluate_register`): the facts it reads in SQL equal what
`facts_records` + `build_facts` give record by record, and it stores the verdicts `ladder_recompute` stores."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from kechuang.core.models import OrgUnit
from kechuang.enterprises import ladder, services
from kechuang.enterprises.frame import Scope, _years_back, register_frame
from kechuang.enterprises.ladder.facts import apply_frame_defaults, validate_frame
from kechuang.enterprises.ladder.row import flatten
from kechuang.enterprises.models import (
    Award,
    ComplianceEvent,
    Enterprise,
    EnterpriseYear,
    IntellectualProperty,
    LadderResult,
    Qualification,
    RdInstitution,
    Standard,
)
from tests.conftest import first

AS_OF = dt.date(2026, 6, 30)
LEAP = dt.date(2024, 2, 29)  # the 3- and 5-year windows start on 28 February


def _around(day: dt.date, rng: random.Random) -> dt.date:
    return day + dt.timedelta(days=rng.choice([-400, -1, 0, 1, 30]))


def _enrich(ids: list[int], as_of: dt.date, seed: int) -> None:
    """Awards, standards, institutions and compliance events the generator does not make, dates on the
    edges of every window, and a few unusual yearly figures (blank fields, 6 decimals, invalid facts)."""
    rng = random.Random(seed)
    edges = [
        as_of,
        as_of + dt.timedelta(days=1),
        _years_back(as_of, 3),
        _years_back(as_of, 3) - dt.timedelta(days=1),
        _years_back(as_of, 5),
        _years_back(as_of, 5) - dt.timedelta(days=1),
        dt.date(as_of.year - 1, 1, 1),
        dt.date(as_of.year - 2, 12, 31),
    ]
    awards, standards, institutions, events, quals, ips = [], [], [], [], [], []
    for n, pk in enumerate(ids):
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                awards.append(
                    Award(
                        enterprise_id=pk,
                        kind=rng.choice(Award.Kind.values),
                        name="奖",
                        rank=rng.choice([None, 1, 3, 4]),
                        awarded_on=rng.choice(edges),
                        valid_until=rng.choice([None, as_of, as_of - dt.timedelta(days=1)]),
                    )
                )
        if rng.random() < 0.3:
            standards.append(
                Standard(
                    enterprise_id=pk,
                    level=rng.choice(Standard.Level.values),
                    number=f"GB/T {n}",
                    title="标准",
                    led=rng.random() < 0.7,
                    published_on=rng.choice(edges),
                )
            )
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 2)):
                institutions.append(
                    RdInstitution(
                        enterprise_id=pk,
                        name="中心",
                        level=rng.choice(RdInstitution.Level.values),
                        recognised_on=rng.choice(edges),
                        revoked_on=rng.choice([None, None, as_of, as_of + dt.timedelta(days=1)]),
                    )
                )
        if rng.random() < 0.3:
            events.append(
                ComplianceEvent(
                    enterprise_id=pk,
                    kind=rng.choice(ComplianceEvent.Kind.values),
                    occurred_on=rng.choice(edges),
                    resolved_on=rng.choice([None, as_of, as_of + dt.timedelta(days=1)]),
                )
            )
        if rng.random() < 0.2:
            issued = _around(as_of - dt.timedelta(days=300), rng)
            quals.append(
                Qualification(
                    enterprise_id=pk,
                    tier=rng.choice(["high_tech", "tech_sme", "innovative_sme", "specialized_sme"]),
                    certificate_number=f"X{seed}-{n}",
                    issue_date=issued,
                    expiry_date=rng.choice([as_of, as_of - dt.timedelta(days=1), issued + dt.timedelta(days=900)]),
                    revoked=rng.random() < 0.3,
                )
            )
        if rng.random() < 0.2:
            ips.append(
                IntellectualProperty(
                    enterprise_id=pk,
                    ip_class=rng.choice(["I", "II"]),
                    kind="invention_patent",
                    number=f"EXTRA{seed}-{n}",
                    grant_date=rng.choice([as_of, as_of + dt.timedelta(days=1)]),
                    acquisition=rng.choice(["self_developed", "transfer"]),
                    high_value=rng.random() < 0.5,
                    used_in_prior_hte=rng.random() < 0.5,
                    is_valid=rng.random() < 0.7,
                )
            )
    Award.objects.bulk_create(awards)
    Standard.objects.bulk_create(standards)
    RdInstitution.objects.bulk_create(institutions)
    ComplianceEvent.objects.bulk_create(events)
    Qualification.objects.bulk_create(quals)
    IntellectualProperty.objects.bulk_create(ips)
    latest = as_of.year - 1
    rows = list(EnterpriseYear.objects.filter(enterprise_id__in=ids, year=latest))
    for row in rows[::7]:
        row.product_field_category_2022 = ""
        row.major_incident_or_violation_3y = None
        row.rd_expense_wan = Decimal("1234.567891")
        row.domestic_rd_expense_wan = Decimal("1234.567891")
        row.net_profit_wan = Decimal("-15.5")
        row.niche_market_share_pct = 12.5
        row.niche_market_rank_national = 2
    for row in rows[3::40]:
        row.st_staff = (row.employees_total or 0) + 1  # invalid: more S&T staff than employees
    for row in rows[5::40]:
        row.domestic_rd_expense_wan = (row.rd_expense_wan or 0) + Decimal("0.000001")  # invalid
    EnterpriseYear.objects.bulk_update(
        rows,
        [
            "product_field_category_2022",
            "major_incident_or_violation_3y",
            "rd_expense_wan",
            "domestic_rd_expense_wan",
            "net_profit_wan",
            "niche_market_share_pct",
            "niche_market_rank_national",
            "st_staff",
        ],
    )


@pytest.fixture
def register(db):
    from kechuang.enterprises.demo import load_population

    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, 200, seed=31, latest_year=AS_OF.year - 1)  # facts as of AS_OF, whatever today is
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    _enrich(ids, AS_OF, seed=5)
    _enrich(ids[::3], LEAP, seed=6)
    Enterprise.objects.filter(pk__in=ids[-5:]).update(status=Enterprise.Status.CLOSED)
    return ids


@pytest.mark.parametrize("as_of", [AS_OF, LEAP])
def test_register_frame_equals_the_facts_builder(register, as_of):
    scope = Scope(register[0], register[-1])
    frame = register_frame(scope, as_of)
    active = list(Enterprise.objects.filter(status="active").order_by("pk").values_list("pk", flat=True))
    assert frame["enterprise_id"].to_list() == active
    bad, _errors = validate_frame(frame, as_of)
    records = services.facts_records(active, as_of)
    invalid = 0
    for row, is_bad in zip(apply_frame_defaults(frame).to_dicts(), bad.to_list(), strict=True):
        record = records[row.pop("enterprise_id")]
        assert row.pop("credit_code") == record["credit_code"]
        try:
            expected = flatten(ladder.parse_facts(record), as_of)
        except ladder.FactsError:
            assert is_bad, record["credit_code"]
            invalid += 1
            continue
        assert not is_bad, record["credit_code"]
        for name in ("latest_year", "registration_year"):
            expected.pop(name)
        assert row == expected, record["credit_code"]
    assert invalid >= (2 if as_of == AS_OF else 0)


def _stored(ids) -> dict:
    return {
        (r.enterprise_id, r.tier): (r.rule_version, r.status, r.score, r.route, r.failed, r.failed_criteria)
        for r in LadderResult.objects.filter(enterprise_id__in=ids)
    }


@pytest.mark.parametrize("as_of", [AS_OF, LEAP])
def test_register_stores_what_ladder_recompute_stores(register, as_of):
    stats = services.ladder_evaluate_register(as_of=as_of, batch_size=64)
    active = list(Enterprise.objects.filter(status="active").values_list("pk", flat=True))
    assert stats["enterprises"] == len(active) == 195
    fast = _stored(register)
    services.ladder_recompute(enterprise_ids=active, as_of=as_of)
    reference = _stored(register)
    assert fast == reference
    assert stats["results"] == len(fast) and stats["invalid"] == len(active) - len(fast) // 5
    statuses = {v[1] for v in fast.values()}
    assert statuses == {"eligible", "not_eligible", "not_evaluable"} or as_of == LEAP
    if as_of == AS_OF:
        assert stats["invalid"] >= 2  # the rows made invalid above have no verdict, as ladder_recompute gives
    # a second run replaces the verdicts (no duplicates), and only for the active register
    LadderResult.objects.create(enterprise_id=register[-1], tier="tech_sme", as_of=as_of, status="eligible")
    services.ladder_evaluate_register(as_of=as_of)
    assert _stored(register) == reference | {
        (register[-1], "tech_sme"): ("", "eligible", None, "", 0, []),
    }


def test_region_scope(register):
    region = first(Enterprise.objects.filter(status="active")).region
    services.ladder_evaluate_register(as_of=AS_OF)
    inside = set(LadderResult.objects.filter(enterprise__region=region).values_list("pk", flat=True))
    outside = set(LadderResult.objects.exclude(enterprise__region=region).values_list("pk", flat=True))
    stats = services.ladder_evaluate_register(as_of=AS_OF, region=region)
    assert stats["enterprises"] == Enterprise.objects.filter(status="active", region=region).count()
    assert set(LadderResult.objects.exclude(enterprise__region=region).values_list("pk", flat=True)) == outside
    again = set(LadderResult.objects.filter(enterprise__region=region).values_list("pk", flat=True))
    assert len(again) == len(inside) and not again & inside  # replaced, not added
