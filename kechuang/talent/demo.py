"""Demo data of the talent module: the tier and programme dictionaries (data/demo/<city>.yaml), talents across tiers
and regions employed by firms of the enterprise register, three years of programme rounds, foreign experts with
their visits and 引智 projects. `DEMO_TALENTS` is the size knob (tests/demo_site.py loads a small register)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.talent.engines import idcard, tiers
from kechuang.talent.engines import workflow as wf
from kechuang.talent.models import (
    Application,
    ForeignExpert,
    ForeignProject,
    Membership,
    Programme,
    Review,
    SelectionRound,
    Talent,
    Tier,
    Visit,
)

DEMO_TALENTS = 2000
DATA = Path(__file__).parent / "data" / "demo"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然思远博文晨阳子涵欣怡雨轩"
FOREIGN = [
    ("John Smith", "英国"),
    ("Anna Müller", "德国"),
    ("Kenji Sato", "日本"),
    ("Marie Dubois", "法国"),
    ("Ivan Petrov", "俄罗斯"),
    ("Kim Min-jun", "韩国"),
    ("Luca Rossi", "意大利"),
    ("Emma Johansson", "瑞典"),
]
DISCIPLINES = ["材料科学", "化学工程", "机械工程", "电子信息", "生物医药", "新能源", "陶瓷材料", "智能制造"]
INDUSTRIES = ["新材料", "高端化工", "智能装备", "新医药", "电子信息", "新能源"]


def _id_number(rng: random.Random, admin_code: str, birth: dt.date, male: bool) -> str:
    seq = rng.randint(0, 49) * 2 + (1 if male else 0)
    first17 = f"{admin_code}{birth:%Y%m%d}{rng.randint(0, 9)}{seq:02d}"[:17]
    return first17 + idcard.check_char(first17)


def load_dictionaries(city: OrgUnit) -> None:
    path = DATA / f"{city.code}.yaml"
    if not path.exists():
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = data.get("source_document", "")
    for t in data["tiers"]:
        Tier.objects.update_or_create(code=t["code"], defaults={**t, "source_document": source})
    departments = {u.code: u for u in OrgUnit.objects.departments().filter(parent=city)}
    for p in data["programmes"]:
        Programme.objects.update_or_create(
            code=p["code"],
            defaults={
                "name": p["name"],
                "level": p["level"],
                "tier": Tier.objects.get(code=p["tier"]),
                "owner_department": departments.get(p.get("owner")),
                "cadence": p.get("cadence", "yearly"),
                "quota": p.get("quota", ""),
                "categories": p.get("categories", []),
                "support_text": p.get("support_text", ""),
                "support_rules": p.get("rules", {}),
                "max_age": p.get("max_age"),
                "source_document": source,
            },
        )


def load(city: OrgUnit, size: int | None = None) -> str:
    from kechuang.enterprises.models import Enterprise

    load_dictionaries(city)
    load_cards_and_services(city)
    load_calendar()
    if Talent.objects.filter(region__parent=city).exists() or not Programme.objects.exists():
        return "0 talents created"
    size = DEMO_TALENTS if size is None else size
    path = DATA / f"{city.code}.yaml"
    facts = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("demo", {}) if path.is_file() else {}
    rng = random.Random(15)  # nosec B311  # seeded pseudo-random demo data, never for secrets
    today = timezone.localdate()
    regions = list(OrgUnit.objects.regions().filter(parent=city).order_by("sort_order", "code"))
    firms = list(Enterprise.objects.filter(region__in=regions).values_list("credit_code", "name", "region_id")[:400])
    if not firms:
        return "0 talents created (no enterprise register)"
    region_by_id = {r.pk: r for r in regions}
    talents = []
    for i in range(size):
        code, name, region_id = firms[i % len(firms)]
        region = region_by_id[region_id]
        male = rng.random() < 0.62
        birth = dt.date(today.year - rng.randint(24, 62), rng.randint(1, 12), rng.randint(1, 28))
        talents.append(
            Talent(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
                gender="male" if male else "female",
                birth_date=birth,
                id_number=_id_number(rng, region.admin_code or city.admin_code, birth, male),
                phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                degree=rng.choices(["doctorate", "master", "bachelor"], [3, 4, 3])[0],
                university=rng.choice(facts.get("universities") or ["中国科学院大学"]),
                title=rng.choice(["教授", "研究员", "高级工程师", "工程师", "副教授", ""]),
                discipline=rng.choice(DISCIPLINES),
                industry=rng.choice(INDUSTRIES),
                employer_credit_code=code,
                employer_name=name,
                region=region,
                mode=rng.choices(["full_time", "flexible"], [4, 1])[0],
                arrival_date=today - dt.timedelta(days=rng.randint(30, 3650)),
            )
        )
    # Foreign experts: one in fifteen, with a passport.
    foreign_every = 15
    for i, t in enumerate(talents):
        if i % foreign_every == 7:
            n, country = FOREIGN[i % len(FOREIGN)]
            t.name, t.nationality, t.id_type = n, country, Talent.IdType.PASSPORT
            t.id_number = f"P{rng.randint(10_000_000, 99_999_999)}"
    Talent.objects.bulk_create(talents, batch_size=500)
    talents = list(Talent.objects.filter(region__parent=city).order_by("id"))
    programmes = {p.code: p for p in Programme.objects.select_related("tier")}
    # Titles: a pyramid over the tiers; the quota programmes get ~30 a year for the last three years.
    memberships, years = [], [today.year - 2, today.year - 1, today.year]
    domestic = [t for t in talents if t.id_type == Talent.IdType.RESIDENT]
    rng.shuffle(domestic)
    domestic = _by_region_in_turn(domestic)  # every region gets talents of every tier
    plan = [(code, share) for code, share in facts.get("membership_plan", []) if code in programmes]
    cursor = 0
    for code, share in plan:
        n = max(1, int(len(domestic) * share))
        for t in domestic[cursor : cursor + n]:
            year = rng.choice(years if code != "young_elite" else [today.year - 3, today.year - 1])
            if code in facts.get("recent_programmes", ()):
                year = rng.randint(today.year - 5, today.year)
            approved = Decimal(str(programmes[code].rule("max_wan") or 20)) * Decimal("0.6")
            memberships.append(
                Membership(
                    talent=t,
                    programme=programmes[code],
                    batch_year=year,
                    approved_on=dt.date(year, 6, 30) if year < today.year else today - dt.timedelta(days=30),
                    term_end=dt.date(year + 5, 6, 29),
                    approved_wan=approved,
                    paid_wan=approved * Decimal("0.4"),
                )
            )
        cursor += n
    Membership.objects.bulk_create(memberships, batch_size=500)
    tier_of = {}
    for m in Membership.objects.select_related("programme__tier"):
        tier_of.setdefault(m.talent_id, []).append((m.programme.tier.code, m.programme.tier.rank))
    codes = {t.code: t for t in Tier.objects.all()}
    for t in talents:
        code = tiers.derived_tier(tier_of.get(t.pk, []))
        t.tier = codes.get(code) if code else None
    Talent.objects.bulk_update(talents, ["tier"], batch_size=500)
    rounds = _rounds(rng, programmes, domestic[cursor:], today, facts.get("round_programmes", ()))
    experts = _foreign(rng, [t for t in talents if t.id_type == Talent.IdType.PASSPORT], programmes, today, firms)
    _bind_portal_account(talents)
    _assign_experts()
    holders = _by_region_in_turn([t for t in talents if t.tier_id and t.tier.rank <= 4])
    issued = _cards(rng, holders, today, facts.get("card_type", ""))
    requests = _requests(rng, talents, today, max(10, size * 3 // 4))
    teams = _teams(rng, talents, programmes)
    from kechuang.talent.feed import talents_changed

    talents_changed()
    return (
        f"{len(talents)} talents, {len(memberships)} titles, {rounds} applications, {experts} foreign experts, "
        f"{issued} cards, {requests} service requests, {teams} teams"
    )


def _teams(rng: random.Random, talents: list[Talent], programmes: dict) -> int:
    """A few teams per region: a tiered leader and two to five members of the same region and industry."""
    from kechuang.talent.models import Team

    by_region: dict[int, list[Talent]] = {}
    for t in talents:
        if t.id_type == Talent.IdType.RESIDENT:
            by_region.setdefault(t.region_id, []).append(t)
    made = 0
    for pool in by_region.values():
        leaders = ([t for t in pool if t.tier_id] or pool)[: max(1, len(pool) // 40)]
        for k, leader in enumerate(leaders):
            team = Team.objects.create(
                name=f"{leader.industry}创新团队{k + 1}",
                leader=leader,
                field=leader.industry,
                programme=programmes.get(rng.choice(list(programmes))) if rng.random() < 0.5 else None,
                platforms=rng.choice(["", "省级工程技术研究中心", "市级重点实验室", "院士工作站"]),
            )
            peers = [t for t in pool if t.pk != leader.pk and t.industry == leader.industry]
            peers = peers if len(peers) >= 2 else [t for t in pool if t.pk != leader.pk]
            team.members.set(rng.sample(peers, min(len(peers), rng.randint(2, 5))))
            made += 1
    return made


def _rounds(rng: random.Random, programmes: dict, pool: list[Talent], today: dt.date, codes: Any = ()) -> int:
    """Rounds of the city-selected programmes for the last three years, applications in every state."""
    apps = []
    pool = _by_region_in_turn(pool)
    states = [wf.SUBMITTED, wf.RECOMMENDED, wf.FORMAL_CHECK, wf.EXPERT_REVIEW, wf.PUBLICITY, wf.NOT_APPROVED, wf.DRAFT]
    i = 0
    for code in [c for c in codes if c in programmes]:
        programme = programmes[code]
        for year in (today.year - 2, today.year - 1, today.year):
            rnd, _ = SelectionRound.objects.get_or_create(
                programme=programme,
                year=year,
                defaults={
                    "title": f"{year}年度{programme.name}申报",
                    "published_on": dt.date(year, 3, 1),
                    "deadline": dt.date(year, 4, 30) if year < today.year else today + dt.timedelta(days=45),
                    "is_open": year == today.year,
                },
            )
            for _n in range(8 if year == today.year else 4):
                if i >= len(pool):
                    break
                t = pool[i]
                i += 1
                state = states[i % len(states)] if year == today.year else wf.NOT_APPROVED
                apps.append(
                    Application(
                        round=rnd,
                        talent=t,
                        region=t.region,
                        employer_credit_code=t.employer_credit_code,
                        state=state,
                        requested_wan=Decimal(rng.choice([20, 50, 80])),
                        submitted_on=None if state == wf.DRAFT else dt.date(year, 4, 15),
                        note="" if state != wf.NOT_APPROVED else "材料不全",
                    )
                )
    Application.objects.bulk_create(apps)
    return len(apps)


def _foreign(rng: random.Random, experts: list[Talent], programmes: dict, today: dt.date, firms: list) -> int:
    rows = [
        ForeignExpert(
            talent=t,
            host_credit_code=t.employer_credit_code,
            host_name=t.employer_name,
            region=t.region,
            programme=programmes[rng.choice(["foreign_100", "foreign_high_end"])],
        )
        for t in experts
    ]
    ForeignExpert.objects.bulk_create(rows)
    rows = list(ForeignExpert.objects.filter(talent__in=experts))
    visits, projects = [], []
    # Person-visits per year: about 300 at full size (scaled with the register), the last year a little short.
    for year in (today.year - 2, today.year - 1, today.year):
        per_year = max(3, int(len(rows) * (2.3 if year < today.year else 1.6)))
        for _ in range(per_year):
            start = dt.date(year, rng.randint(1, 12 if year < today.year else today.month), rng.randint(1, 28))
            if start > today:
                start = today
            visits.append(
                Visit(
                    expert=rng.choice(rows),
                    arrived_on=start,
                    left_on=start + dt.timedelta(days=rng.randint(3, 60)),
                    purpose=rng.choice(["技术交流", "联合研发", "讲学培训", "项目合作"]),
                )
            )
        for k in range(max(2, int(len(rows) * (0.24 if year < today.year else 0.17)))):
            host = rng.choice(rows)
            projects.append(
                ForeignProject(
                    title=f"{rng.choice(DISCIPLINES)}引智项目{year}-{k + 1}",
                    host_credit_code=host.host_credit_code,
                    host_name=host.host_name,
                    region=host.region,
                    level=rng.choice(["national", "provincial", "city"]),
                    year=year,
                    funding_wan=Decimal(rng.choice([10, 20, 30, 50])),
                    outcomes=rng.choice(["", "新工艺1项，发明专利2件", "培养技术骨干5名"]),
                    in_library=rng.random() < 0.5,
                )
            )
    Visit.objects.bulk_create(visits, batch_size=1000)
    ForeignProject.objects.bulk_create(projects)
    return len(rows)


def load_calendar() -> int:
    """The official holiday calendar (data/cn_calendar.yaml) into CalendarDay; idempotent."""
    from kechuang.talent.models import CalendarDay

    data = yaml.safe_load((Path(__file__).parent / "data" / "cn_calendar.yaml").read_text(encoding="utf-8"))
    n = 0
    for notice in data:
        for kind, days in (("holiday", notice.get("holidays", [])), ("makeup", notice.get("makeup", []))):
            for day in days:
                _obj, created = CalendarDay.objects.update_or_create(
                    day=day, defaults={"kind": kind, "source_document": notice["source"]}
                )
                n += created
    return n


def load_cards_and_services(city: OrgUnit) -> None:
    from kechuang.talent.models import CardGrade, CardType, ServiceItem

    path = DATA / f"{city.code}.yaml"
    if not path.exists():
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    departments = {u.code: u for u in OrgUnit.objects.departments().filter(parent=city)}
    tier = {t.code: t for t in Tier.objects.all()}
    for c in data.get("cards", []):
        card_type, _ = CardType.objects.update_or_create(
            code=c["code"],
            defaults={
                "name": c["name"],
                "issuer": departments.get(c.get("issuer")),
                "validity_years": c["validity_years"],
                "reminder_days": c["reminder_days"],
                "benefits": c.get("benefits", ""),
                "source_document": data.get("source_document", ""),
            },
        )
        for g in c.get("grades", []):
            CardGrade.objects.update_or_create(
                card_type=card_type, code=g["code"], defaults={"name": g["name"], "min_tier": tier[g["min_tier"]]}
            )
    for s in data.get("services", []):
        item, _ = ServiceItem.objects.update_or_create(
            code=s["code"],
            defaults={
                "name": s["name"],
                "category": s["category"],
                "provider": departments[s["provider"]],
                "sla_days": s["sla_days"],
            },
        )
        item.eligible_tiers.set([tier[c] for c in s.get("tiers", [])])
        item.eligible_cards.set(list(CardType.objects.filter(code__in=s.get("cards", []))))


def _cards(rng: random.Random, talents: list[Talent], today: dt.date, card_type: str) -> int:
    import secrets

    from kechuang.talent.engines import cards as card_rules
    from kechuang.talent.models import CardType, TalentCard

    elite = CardType.objects.filter(code=card_type).prefetch_related("grades__min_tier").first()
    if elite is None:
        return 0
    grades = sorted(elite.grades.all(), key=lambda g: g.min_tier.rank)
    states = [card_rules.ISSUED] * 6 + [
        card_rules.SUBMITTED,
        card_rules.DISTRICT_REVIEWED,
        card_rules.APPROVED,
        card_rules.SUSPENDED,
        card_rules.REVOKED,
        card_rules.EXPIRED,
    ]
    rows = []
    seen: set[int] = set()
    for i, t in enumerate(talents):
        first_of_region = t.region_id not in seen
        seen.add(t.region_id)
        if i % 3 == 2 and not first_of_region:
            continue
        grade = next(g for g in grades if t.tier.rank <= g.min_tier.rank)
        state = card_rules.ISSUED if first_of_region else states[i % len(states)]
        issued = today - dt.timedelta(days=rng.randint(30, 1000)) if state not in card_rules.STATES[:3] else None
        if state == card_rules.EXPIRED:
            issued = today - dt.timedelta(days=1200)
        rows.append(
            TalentCard(
                talent=t,
                card_type=elite,
                grade=grade,
                number=f"ZI{1_000_000_000 + i:010d}",
                state=state,
                issued_on=issued,
                expires_on=card_rules.expiry(issued, elite.validity_years) if issued else None,
                nonce=secrets.token_urlsafe(16),
            )
        )
    TalentCard.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _requests(rng: random.Random, talents: list[Talent], today: dt.date, n: int) -> int:
    """Service requests over the last year with realistic timing: acceptance within two working days, most done
    within the time limit, one in ten returned for information (the clock stopped), one in ten late."""
    from kechuang.talent import services
    from kechuang.talent.engines import requests as flow
    from kechuang.talent.models import ServiceItem, ServiceRequest

    cal = services.calendar()
    items = list(ServiceItem.objects.prefetch_related("eligible_tiers", "eligible_cards"))
    open_items = [i for i in items if not i.eligible_cards.all()]
    tiers_of = {i.pk: {x.pk for x in i.eligible_tiers.all()} for i in open_items}
    rows = []
    for _n in range(n):
        t = rng.choice(talents)
        usable = [i for i in open_items if not tiers_of[i.pk] or t.tier_id in tiers_of[i.pk]]
        item = rng.choice(usable or open_items)
        submitted = today - dt.timedelta(days=rng.randint(0, 365))
        r = ServiceRequest(talent=t, item=item, submitted_on=submitted, detail="办理" + item.name)
        roll = rng.random()
        if roll < 0.05 or submitted >= today - dt.timedelta(days=1):
            r.state = flow.SUBMITTED
        else:
            r.accepted_on = min(cal.add(submitted, rng.randint(0, 2)), today)
            r.due_on = cal.add(r.accepted_on, item.sla_days)
            if roll < 0.08:
                r.state = flow.REJECTED
                r.note = "不符合服务条件"
            elif roll < 0.1:
                r.state = flow.CANCELLED
            elif roll < 0.2:
                r.paused_days = rng.randint(1, 5)
                r.due_on = cal.add(r.accepted_on, item.sla_days + r.paused_days)
            if r.state == flow.SUBMITTED:  # accepted: done or still open
                late = rng.random() < 0.1
                took = (
                    item.sla_days + r.paused_days + (rng.randint(1, 5) if late else -rng.randint(0, item.sla_days - 1))
                )
                done = cal.add(r.accepted_on, max(took, 1))
                if done <= today:
                    r.completed_on, r.breached = done, done > r.due_on
                    r.state = flow.RATED if rng.random() < 0.6 else flow.COMPLETED
                    r.rating = rng.choices([5, 4, 3, 2, 1], [50, 30, 12, 5, 3])[0] if r.state == flow.RATED else None
                else:
                    r.state = flow.IN_PROGRESS
                    r.breached = today > r.due_on
        rows.append(r)
    ServiceRequest.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _by_region_in_turn(talents: list[Talent]) -> list[Talent]:
    """The talents reordered so that the regions take turns (the first of each region, then the second, …)."""
    by_region: dict[int, list[Talent]] = {}
    for t in talents:
        by_region.setdefault(t.region_id, []).append(t)
    return [t for group in zip_longest(*by_region.values()) for t in group if t is not None]


def _assign_experts() -> None:
    """Every expert account reviews the applications in expert review, except its own organisation's (the review
    row is the bureau's assignment: an expert sees only what is assigned)."""
    from kechuang.core.models import User
    from kechuang.core.roles import Role

    experts = list(User.objects.filter(role=Role.EXPERT, is_active=True))
    for application in Application.objects.filter(state=wf.EXPERT_REVIEW):
        for expert in experts:
            if not expert.credit_code or expert.credit_code != application.employer_credit_code:
                Review.objects.get_or_create(application=application, reviewer=expert)


def _bind_portal_account(talents: list[Talent]) -> None:
    """Each talent account without a record (the demo's `talent_demo`, the tests' talent persona) gets a resident
    talent of the demo holding a tier, so its portal has a card, programmes and services to show."""
    from kechuang.core.models import User
    from kechuang.core.roles import Role

    bound = set(Talent.objects.filter(account__isnull=False).values_list("account_id", flat=True))
    users = [u for u in User.objects.filter(role=Role.TALENT).order_by("username") if u.pk not in bound]
    ranked = [t for t in talents if t.id_type == Talent.IdType.RESIDENT and t.tier_id and t.account_id is None]
    holders = [t for t in ranked if t.tier.rank <= 4] or ranked
    for user, holder in zip(users, holders, strict=False):
        holder.account = user
        holder.save(update_fields=["account"])
