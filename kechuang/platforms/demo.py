"""Demo data of the platform register and the incubation chain (`load_demo`, after the enterprise register).

About `DEMO_SIZE` platforms of every type and level over the city's regions and industry chains (shares in
data/demo/<city>.yaml), with their steps (recognitions, constructions, revocations, upgrades of a municipal platform
to the province), a year of facts and some evaluations; `CARRIERS` incubation carriers (scaled with the size) with
incubatees drawn from the demo register of their region. Everything is marked is_demo, names carry （演示）; built
with bulk inserts and one audit entry. Seeded: the same data on every load."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from kechuang.core import audit, registry
from kechuang.core.models import OrgUnit
from kechuang.platforms.engine import grading, workflow
from kechuang.platforms.models import (
    Carrier,
    CarrierYear,
    Evaluation,
    Incubatee,
    Platform,
    PlatformEvent,
    PlatformType,
    PlatformYear,
)

DEMO_SIZE = 800  # the size knob (tests/demo_site.py loads a smaller demo)
FULL_SIZE = 800
CARRIERS = 60  # at FULL_SIZE; scaled with the size
SEED = 20231220
DATA = Path(__file__).resolve().parent / "data" / "demo"
PIPELINE = [
    workflow.APPLIED,
    workflow.DISTRICT_RECOMMENDED,
    workflow.FORMAL_CHECK,
    workflow.EXPERT_REVIEW,
    workflow.PUBLICITY,
]
# types recognised without a construction phase go from the notice straight to recognition
WITH_CONSTRUCTION = {
    "provincial_lab",
    "tech_innovation_centre",
    "manufacturing_innovation_centre",
    "industry_innovation_centre",
    "key_lab",
}


def city_data(city: OrgUnit) -> dict[str, Any]:
    path = DATA / f"{city.code}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _day(rng: random.Random, year: int, today: dt.date) -> dt.date:
    last = today if year == today.year else dt.date(year, 12, 31)
    start = dt.date(year, 1, 1)
    return start + dt.timedelta(days=rng.randrange(max(1, (last - start).days + 1)))


def _short(name: str) -> str:
    name = name.split("（")[0]
    for suffix in ("（演示）", "股份有限公司", "有限责任公司", "有限公司", "集团"):
        name = name.replace(suffix, "")
    return name[:12]


ISSUERS: dict[str, Any] = {}
SCIENCE_TYPES = {"key_lab", "tech_innovation_centre", "new_rd_institution", "provincial_lab"}


def _document(rng: random.Random, level: str, year: int, type_code: str) -> str:
    issuer = ISSUERS.get("science" if type_code in SCIENCE_TYPES else "reform", {}).get(level, "")
    return f"{issuer}〔{year}〕{rng.randrange(10, 400)}号（演示）"


@transaction.atomic
def load_demo(city: OrgUnit, size: int = DEMO_SIZE) -> str:
    if Platform.objects.filter(is_demo=True, region__parent=city).exists():
        return "platforms already loaded"
    data = city_data(city)
    if not data:
        return "no platform demo data for this city"
    rng = random.Random(SEED)  # nosec B311  # seeded pseudo-random demo data, never for secrets
    ISSUERS.clear()
    ISSUERS.update(data.get("documents", {}))
    today = timezone.localdate()
    last_year = today.year - 1
    regions = {u.code: u for u in OrgUnit.objects.regions().filter(parent=city)}
    shares = {code: w for code, w in data["regions"].items() if code in regions}
    departments = {u.code: u for u in OrgUnit.objects.departments().filter(parent=city)}
    types = {t.code: t for t in PlatformType.objects.all()}
    firms: dict[str, list] = {}
    for ref in registry.enterprises_in(shares):
        firms.setdefault(ref.region_code, []).append(ref)
    institutions = [(n, k, r) for n, k, r in data["institutions"] if r in regions]
    chains = data["chains"]
    prefix = data["level_prefix"]
    years = list(range(data["first_year"], today.year + 1))
    year_weights = [data["growth"] ** (y - years[0]) * (0.35 if y == today.year else 1.0) for y in years]
    type_shares = {code: v[0] for code, v in data["types"].items() if code in types}

    platforms: list[Platform] = []
    plans: list[list[tuple[dt.date, str, str, str, str]]] = []  # per platform: (on, source, state, level, document)
    continues: dict[int, int] = {}  # index → index of the record it continues

    def host_for(type_code: str, region_code: str) -> tuple[str, str, str, str]:
        """(host kind, name, credit code, region code)"""
        academic = data["types"][type_code][1]
        if institutions and (rng.random() < academic or not firms.get(region_code)):
            name, kind, region = rng.choice(institutions)
            return kind, name, "", region
        ref = rng.choice(firms[region_code])
        return Platform.HostKind.ENTERPRISE, ref.name, ref.credit_code, region_code

    def plan_for(type_code: str, level: str) -> list[tuple[dt.date, str, str, str, str]]:
        counted_level = level in ("national", "province")
        roll = rng.random()
        year = rng.choices(years, weights=year_weights)[0]
        on = _day(rng, year, today)
        doc = _document(rng, level, year, type_code)
        if roll < 0.03:  # the reserve pool
            return [(on, "", workflow.RESERVE, level, "")]
        if roll < 0.06:  # applying this year
            state = rng.choice(PIPELINE)
            start = _day(rng, today.year, today)
            return [
                (start - dt.timedelta(days=60), "", workflow.RESERVE, level, ""),
                (start, workflow.RESERVE, state, level, ""),
            ]
        if roll < 0.09 and counted_level and type_code in WITH_CONSTRUCTION:
            start = _day(rng, max(years[0], today.year - rng.randrange(0, 3)), today)
            return [(start, "", workflow.UNDER_CONSTRUCTION, level, doc)]
        steps = [(on, "", workflow.RECOGNISED, level, doc)]
        if roll < 0.12 and year < last_year:  # revoked, merged or closed later
            end = _day(rng, rng.randrange(year + 1, today.year + 1), today)
            state = rng.choice([workflow.REVOKED, workflow.REVOKED, workflow.MERGED, workflow.CLOSED])
            steps.append((end, workflow.RECOGNISED, state, level, _document(rng, level, end.year, type_code)))
        return steps

    for _ in range(size):
        type_code = _pick(rng, type_shares)
        t = types[type_code]
        level_weights = {lv: w for lv, w in data["levels"].items() if lv in t.levels}
        level = _pick(rng, level_weights)
        region_code = _pick(rng, shares)
        kind, host, code, region_code = host_for(type_code, region_code)
        chain = rng.choice(list(chains))
        field = rng.choice(chains[chain])
        name = f"{prefix[level]}{field}{t.name}（{_short(host)}）"
        platforms.append(
            Platform(
                name=name[:200],
                type=t,
                level=level,
                region=regions[region_code],
                department=departments.get(t.authority),
                host_kind=kind,
                host_name=host,
                host_credit_code=code,
                co_builders="\n".join(
                    n for n, _k, _r in rng.sample(institutions, k=min(len(institutions), rng.choice([0, 0, 1, 2])))
                ),
                industry_chain=chain,
                field=field,
                lab_kind=(rng.choice(["discipline", "enterprise", "joint"]) if t.family == "lab" else ""),
                is_demo=True,
            )
        )
        plans.append(plan_for(type_code, level))
    # upgrades: a municipal platform later recognised by the province (and a provincial one by the nation) is one
    # platform counted once, at its highest level
    upgradable = [
        i
        for i, p in enumerate(platforms)
        if p.level in ("province", "national") and plans[i][-1][2] == workflow.RECOGNISED
    ]
    for i in rng.sample(upgradable, k=min(len(upgradable), max(2, size // 40))):
        p = platforms[i]
        lower = "city" if p.level == "province" else "province"
        if lower not in p.type.levels:
            continue
        first = plans[i][0][0]
        earlier = max(dt.date(years[0], 1, 1), first - dt.timedelta(days=rng.randrange(400, 2500)))
        platforms.append(
            Platform(
                name=p.name.replace(prefix[p.level], prefix[lower], 1),
                type=p.type,
                level=lower,
                region=p.region,
                department=p.department,
                host_kind=p.host_kind,
                host_name=p.host_name,
                host_credit_code=p.host_credit_code,
                industry_chain=p.industry_chain,
                field=p.field,
                lab_kind=p.lab_kind,
                is_demo=True,
            )
        )
        plans.append([(earlier, "", workflow.RECOGNISED, lower, _document(rng, lower, earlier.year, p.type.code))])
        continues[i] = len(platforms) - 1

    for p, plan in zip(platforms, plans, strict=True):
        final = plan[-1]
        p.state = final[2]
        recognised = next((s for s in plan if s[2] == workflow.RECOGNISED), None)
        if recognised:
            p.recognition_document, p.recognition_date = recognised[4], recognised[0]
        building = next((s for s in plan if s[2] == workflow.UNDER_CONSTRUCTION), None)
        if building:
            p.construction_start = building[0]
            p.construction_end = (
                building[0].replace(year=building[0].year + 3)
                if building[0].month != 2
                else building[0] + dt.timedelta(days=1095)
            )
    Platform.objects.bulk_create(platforms, batch_size=500)
    for i, j in continues.items():
        platforms[i].continues_id = platforms[j].pk
    for p in platforms:
        p.lineage = p.continues_id or p.pk
    Platform.objects.bulk_update(platforms, ["continues", "lineage"], batch_size=500)
    PlatformEvent.objects.bulk_create(
        [
            PlatformEvent(platform=p, on=on, source_state=source, state=state, level=level, document=doc)
            for p, plan in zip(platforms, plans, strict=True)
            for on, source, state, level, doc in plan
        ],
        batch_size=1000,
    )
    facts, evaluations, events = [], [], []
    for p in platforms:
        criteria = p.type.province_criteria or {"rd_staff": 40, "rd_spending_wan": 600, "equipment_wan": 800}
        strong = p.level != "city" and p.state in workflow.HOLDING
        if p.state in workflow.ENDED:
            continue
        values = {}
        for name, need in criteria.items():
            factor = rng.uniform(1.0, 2.2) if strong else rng.uniform(0.45, 1.15)
            values[name] = None if (not strong and rng.random() < 0.08) else need * factor
        facts.append(
            PlatformYear(
                platform=p,
                year=last_year,
                rd_staff=int(values.get("rd_staff") or rng.randrange(15, 80)),
                senior_titles=rng.randrange(3, 30),
                rd_spending_wan=Decimal(str(round(values.get("rd_spending_wan") or rng.uniform(200, 3000), 2))),
                equipment_wan=Decimal(str(round(values["equipment_wan"], 2))) if values.get("equipment_wan") else None,
                space_m2=Decimal(str(round(values["space_m2"], 2)))
                if values.get("space_m2")
                else Decimal(rng.randrange(800, 6000)),
                projects=rng.randrange(2, 40),
                projects_wan=Decimal(rng.randrange(100, 5000)),
                invention_patents=rng.randrange(0, 60),
                standards=rng.randrange(0, 8),
                transfers=rng.randrange(0, 15),
                transfers_wan=Decimal(rng.randrange(0, 2000)),
                shared_equipment_hours=rng.randrange(0, 5000),
            )
        )
        if (
            p.type.code == "engineering_research_centre"
            and strong
            and p.recognition_date
            and p.recognition_date.year <= last_year - 2
        ):
            score = max(40.0, min(99.0, rng.gauss(78, 10)))
            grade = grading.grade_for(score, p.type.grade_bands)
            on = dt.date(last_year, 11, 1) + dt.timedelta(days=rng.randrange(0, 50))
            evaluations.append(
                Evaluation(
                    platform=p,
                    year=last_year,
                    score=Decimal(f"{score:.2f}"),
                    grade=grade,
                    on=min(on, today),
                    document=f"{ISSUERS.get('evaluation', '')}〔{last_year}〕{rng.randrange(400, 600)}号（演示）",
                )
            )
            if grade == grading.FAIL and p.state == workflow.RECOGNISED:
                p.state = workflow.RECTIFICATION
                events.append(
                    PlatformEvent(
                        platform=p,
                        on=min(on, today),
                        source_state=workflow.RECOGNISED,
                        state=workflow.RECTIFICATION,
                        level=p.level,
                        document=evaluations[-1].document,
                        note="评价不合格，限期整改（演示）",
                    )
                )
    PlatformYear.objects.bulk_create(facts, batch_size=1000)
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    PlatformEvent.objects.bulk_create(events, batch_size=500)
    Platform.objects.bulk_update([e.platform for e in events], ["state"], batch_size=500)

    carriers_made, incubatees_made = _carriers(
        rng, data, regions, shares, firms, max(6, round(CARRIERS * size / FULL_SIZE)), today
    )
    audit.record(
        actor=None,
        action="create",
        object_type="platforms.platform",
        object_label="demo",
        detail={"demo": True, "platforms": len(platforms), "carriers": carriers_made, "incubatees": incubatees_made},
    )
    from kechuang.platforms.feed import platforms_changed

    platforms_changed(None)
    return (
        f"{len(platforms)} platforms, {len(evaluations)} evaluations, {carriers_made} carriers, "
        f"{incubatees_made} incubatees"
    )


def _carriers(
    rng: random.Random, data: dict, regions: dict, shares: dict, firms: dict, count: int, today: dt.date
) -> tuple[int, int]:
    stages = data["carriers"]
    total = sum(v[0] for v in stages.values())
    order = sorted(shares, key=lambda c: -shares[c])
    carriers, plans = [], []
    n = 0
    for stage, (k, national, provincial) in stages.items():
        for _ in range(max(1, round(k * count / total))):
            region_code = order[n % len(order)] if n < len(order) else _pick(rng, shares)
            n += 1
            roll = rng.random()
            level = "national" if roll < national else "province" if roll < national + provincial else "city"
            pool = firms.get(region_code) or []
            operator = rng.choice(pool) if pool else None
            base = _short(operator.name) if operator else regions[region_code].name
            space = rng.randrange(3000, 40000) if stage != "nursery" else rng.randrange(600, 5000)
            carriers.append(
                Carrier(
                    name=f"{base}{rng.choice(data['carrier_names'][stage])}（演示）",
                    stage=stage,
                    specialty=rng.choice(["general", "specialised"]),
                    field=rng.choice(list(data["chains"])),
                    level=level,
                    region=regions[region_code],
                    operator_name=operator.name if operator else f"{base}运营公司（演示）",
                    operator_credit_code=operator.credit_code if operator else "",
                    space_total_m2=Decimal(space),
                    space_incubatee_m2=Decimal(int(space * rng.uniform(0.7, 0.85))),
                    fund_wan=Decimal(rng.randrange(100, 3000)),
                    recognition_document=f"{ISSUERS.get('incubator', {}).get(level, '')}"
                    f"〔{rng.randrange(2016, today.year)}〕"
                    f"{rng.randrange(10, 300)}号（演示）",
                    recognition_date=dt.date(rng.randrange(2016, today.year), rng.randrange(1, 13), 1),
                    is_demo=True,
                )
            )
            plans.append(pool)
    Carrier.objects.bulk_create(carriers)
    incubatees, years = [], []
    for carrier, pool in zip(carriers, plans, strict=True):
        chosen = rng.sample(pool, k=min(len(pool), rng.randrange(6, 20)))
        for ref in chosen:
            entered = today - dt.timedelta(days=rng.randrange(30, 6 * 365))
            age = (today - entered).days
            roll = rng.random()
            state, exited, reason = "in_incubation", None, ""
            if age > 3 * 365:
                state = "graduated" if roll < 0.6 else "left" if roll < 0.8 else "in_incubation"
            elif roll < 0.1:
                state = "entered"
            elif roll < 0.2 and age > 400:
                state = "left"
            elif roll < 0.3 and age > 700:
                state = "graduated"
            if state in ("graduated", "left"):
                exited = entered + dt.timedelta(days=rng.randrange(365, max(366, age)))
                reason = "毕业（演示）" if state == "graduated" else "迁出（演示）"
            incubatees.append(
                Incubatee(
                    carrier=carrier,
                    credit_code=ref.credit_code,
                    name=ref.name,
                    entered_on=entered,
                    state=state,
                    exited_on=exited,
                    exit_reason=reason,
                    is_demo=True,
                )
            )
        for year in (today.year - 2, today.year - 1):
            occupied = carrier.space_incubatee_m2 * Decimal(str(round(rng.uniform(0.55, 0.97), 2)))
            years.append(
                CarrierYear(
                    carrier=carrier,
                    year=year,
                    staff=rng.randrange(4, 30),
                    mentors=rng.randrange(3, 40),
                    space_occupied_m2=occupied.quantize(Decimal("1")),
                    firms_financed=rng.randrange(0, 12),
                    jobs=rng.randrange(50, 1500),
                )
            )
    Incubatee.objects.bulk_create(incubatees, batch_size=1000)
    CarrierYear.objects.bulk_create(years, batch_size=500)
    return len(carriers), len(incubatees)
