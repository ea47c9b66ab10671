"""Load the generated population (population.py) into the register, fast: bulk inserts in batches."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from kechuang.core import audit
from kechuang.core.db import analyze
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit
from kechuang.enterprises import population
from kechuang.enterprises.models import Enterprise, EnterpriseYear, IntellectualProperty, Qualification

DEMO_SIZE = 5000


@transaction.atomic
def load_population(
    city: OrgUnit,
    n: int,
    *,
    seed: int = 2026,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
    history: bool = False,
    latest_year: int | None = None,
) -> int:
    """Insert `n` generated enterprises with their facts, IP and titles; returns how many were created.

    `history` adds the earlier certificates of multi-year titles (the demo's register: the indicators it counts
    then have a past, instead of only the certificates valid today). `latest_year` is the last fiscal year with
    facts (default: last year, see population.generate)."""
    units = list(OrgUnit.objects.regions().filter(parent=city).order_by("sort_order", "id"))
    regions = {u.code: u.pk for u in units}
    known = region_weights(city, units)
    place = population.Place(name_prefix=city.bare_name, province=city.province_name)
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    created = 0
    pending: list[population.GeneratedEnterprise] = []

    def flush() -> None:
        nonlocal created
        fresh = [g for g in pending if g.enterprise["credit_code"] not in existing]
        objs = Enterprise.objects.bulk_create(
            [Enterprise(region_id=regions[g.region_code], **g.enterprise) for g in fresh], batch_size=2000
        )
        ids = {e.credit_code: e.pk for e in objs}
        if None in ids.values():  # backends that do not return ids from bulk inserts
            ids = dict(Enterprise.objects.filter(credit_code__in=list(ids)).values_list("credit_code", "pk"))
        years, ips, quals = [], [], []
        for g in fresh:
            pk = ids[g.enterprise["credit_code"]]
            years += [EnterpriseYear(enterprise_id=pk, **row) for row in g.years]
            ips += [IntellectualProperty(enterprise_id=pk, **row) for row in g.ip]
            titles = g.qualifications
            if history:
                titles = titles + earlier_titles(g, seed)
            quals += [Qualification(enterprise_id=pk, **row) for row in titles]
        EnterpriseYear.objects.bulk_create(years, batch_size=2000)
        IntellectualProperty.objects.bulk_create(ips, batch_size=2000)
        Qualification.objects.bulk_create(quals, batch_size=2000)
        created += len(fresh)
        pending.clear()

    for i, generated in enumerate(
        population.generate(n, regions=known, place=place, seed=seed, latest_year=latest_year), start=1
    ):
        pending.append(generated)
        if len(pending) >= batch:
            flush()
            if progress:
                progress(i, n)
    flush()
    analyze()
    audit.record(
        actor=None,
        action=audit.Action.IMPORT,
        object_type="enterprises.enterprise",
        object_label="演示企业库 Demo population",
        detail={"created": created, "seed": seed},
    )
    return created


def region_weights(city: OrgUnit, units: list[OrgUnit]) -> population.RegionWeights:
    """(region code, credit-code division, weight) of the city's demo file, else every region evenly with its own
    administrative code."""
    listed = city_demo_data(Path(__file__).resolve().parent, city).get("regions", ())
    codes = {u.code for u in units}
    known = [(code, division, float(weight)) for code, weight, division in listed if code in codes]
    return known or [(u.code, u.region_code, 1.0) for u in units]


RENEWED = 0.8  # share of certificate holders that had been certified in the period before, too
FIRST_CERTIFICATES = dt.date(2008, 1, 1)  # the current high-tech certification scheme
# Tech SMEs register year by year (国科发政〔2017〕115号, evaluated from 2017): the share of this year's registered
# firms that had registered the year before, too, and the first year of the scheme.
REREGISTERED = 0.8
FIRST_REGISTRATIONS = 2017


def earlier_titles(generated: population.GeneratedEnterprise, seed: int) -> list[dict[str, Any]]:
    """The certificates a multi-year title's holder held before its current one: each renewed at expiry with
    probability RENEWED, back to the firm's first year or the scheme's start. Deterministic per firm and seed, and
    drawn apart from the population's own stream (the current register stays as it was)."""
    rng = random.Random(f"{seed}:{generated.enterprise['credit_code']}")  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    founded = generated.enterprise["registration_date"]
    earlier = []
    for title in generated.qualifications:
        if title["tier"] == "tech_sme":  # registered year by year: one registration a year, valid to 31 December
            # its own stream, so the other titles' history stays as it was
            own = random.Random(f"{seed}:{generated.enterprise['credit_code']}:tech_sme")  # nosec B311  # demo data
            earlier += _earlier_registrations(title, founded, own)
            continue
        issued, number = title["issue_date"], title["certificate_number"]
        prefix, rest = number[:2], number[6:]
        while rng.random() < RENEWED:
            before = dt.date(issued.year - 3, issued.month, issued.day)
            if before < max(FIRST_CERTIFICATES, founded + dt.timedelta(days=365)):
                break
            earlier.append(
                {
                    **title,
                    "certificate_number": f"{prefix}{before.year}{rest}",
                    "issue_date": before,
                    "expiry_date": issued - dt.timedelta(days=1),
                }
            )
            issued = before
    return earlier


def _earlier_registrations(title: dict[str, Any], founded: dt.date, rng: random.Random) -> list[dict[str, Any]]:
    """A tech SME's registrations of the years before its current one: each year registered again with
    probability REREGISTERED, back to the firm's first full year or the scheme's first year."""
    out = []
    issued, rest = title["issue_date"], title["certificate_number"][6:]
    year = issued.year - 1
    while year >= max(FIRST_REGISTRATIONS, founded.year + 1) and rng.random() < REREGISTERED:
        day = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
        out.append(
            {
                **title,
                "certificate_number": f"TE{year}{rest}",
                "issue_date": day,
                "expiry_date": dt.date(year, 12, 31),
            }
        )
        year -= 1
    return out
