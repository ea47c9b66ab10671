"""Load the generated population (population.py) into the register, fast: bulk inserts in batches."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from kechuang.core import audit
from kechuang.core.db import analyze
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
    latest_year: int | None = None,
) -> int:
    """Insert `n` generated enterprises with their facts, IP and titles; returns how many were created.

    latest_year is the last fiscal year with facts (default: last year, see population.generate)."""
    regions = {u.code: u.pk for u in OrgUnit.objects.regions().filter(parent=city)}
    known = [r for r in population.ZIBO_REGIONS if r[0] in regions] or [
        (code, f"3703{i:02d}", 1.0) for i, code in enumerate(sorted(regions))
    ]
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
            quals += [Qualification(enterprise_id=pk, **row) for row in g.qualifications]
        EnterpriseYear.objects.bulk_create(years, batch_size=2000)
        IntellectualProperty.objects.bulk_create(ips, batch_size=2000)
        Qualification.objects.bulk_create(quals, batch_size=2000)
        created += len(fresh)
        pending.clear()

    for i, generated in enumerate(population.generate(n, seed=seed, regions=known, latest_year=latest_year), start=1):
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
