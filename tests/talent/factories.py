"""Small fixtures for the talent tests, built in the test (no demo load)."""

from __future__ import annotations

import datetime as dt

from kechuang.core.models import OrgUnit
from kechuang.core.validators import credit_code_check_char
from kechuang.talent import services
from kechuang.talent.engines import idcard
from kechuang.talent.models import Programme, SelectionRound, Tier


def credit_code(n: int) -> str:
    first = f"91370300MA{n:07d}"[:17]
    return first + credit_code_check_char(first)


def id_number(n: int, birth: str = "19850315") -> str:
    first = f"370303{birth}{n:03d}"
    return first + idcard.check_char(first)


def tiers() -> dict[str, Tier]:
    out = {}
    for code, rank in (("B", 2), ("C", 3), ("E", 5)):
        out[code], _ = Tier.objects.get_or_create(code=code, defaults={"name": f"层次{code}", "rank": rank})
    return out


def programme(code: str = "taishan_industry", tier: str = "C", quota: str = "provincial_plus", **rules) -> Programme:
    owner = OrgUnit.objects.get(code="science_tech", parent__code="zibo")
    prog, _ = Programme.objects.get_or_create(
        code=code,
        defaults={
            "name": code,
            "level": "provincial",
            "tier": tiers()[tier],
            "owner_department": owner,
            "quota": quota,
            "support_rules": rules,
        },
    )
    return prog


def round_of(prog: Programme, year: int | None = None) -> SelectionRound:
    year = year or dt.date.today().year
    rnd, _ = SelectionRound.objects.get_or_create(
        programme=prog,
        year=year,
        defaults={
            "title": f"{year} {prog.code}",
            "published_on": dt.date(year, 3, 1),
            "deadline": dt.date(year, 4, 30),
        },
    )
    return rnd


def talent(actor, region, n: int = 1, employer: int = 1, **fields):
    return services.talent_create(
        actor=actor,
        region=region,
        name=fields.pop("name", f"测试人才{n}"),
        id_number=fields.pop("id_number", id_number(n)),
        phone=fields.pop("phone", f"1380533{n:04d}"),
        employer_credit_code=credit_code(employer),
        **fields,
    )
