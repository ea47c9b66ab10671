"""Small builders for technology-market records in tests (no audit, no index: services do that)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kechuang.core.models import OrgUnit
from kechuang.techmarket.models import Achievement, Contract, ContractParty, Demand, Expert


def region(code: str) -> OrgUnit:
    return OrgUnit.objects.get(parent__code="zibo", parent__parent=None, code=code)


def achievement(**kw) -> Achievement:
    data = dict(
        title="高导热氧化铝陶瓷基板的流延成型与低温烧结",
        abstract="以氧化铝粉体为原料，采用流延成型和低温烧结工艺制备氧化铝陶瓷基板，用于功率模块散热。",
        keywords=["氧化铝陶瓷", "陶瓷基板"],
        field="new_materials",
        trl=6,
        owner_name="山东理工大学",
        owner_type="022",
        contact_name="王建华",
        contact_phone="13805331234",
        contact_email="wang@example.edu.cn",
        status=Achievement.Status.PUBLISHED,
    )
    data.update(kw)
    return Achievement.objects.create(**data)


def demand(code: str = "zhangdian", **kw) -> Demand:
    data = dict(
        enterprise_name="淄博测试陶瓷有限公司",
        region=region(code),
        title="瓷砖烧窑能耗高，求节能技术",
        description="我公司瓷砖生产线烧窑天然气消耗大，希望引进低温快烧技术。",
        field="new_materials",
        cooperation_mode="transfer",
        contact_name="李晓东",
        contact_phone="13905339876",
        status=Demand.Status.PUBLISHED,
    )
    data.update(kw)
    return Demand.objects.create(**data)


def expert(**kw) -> Expert:
    data = dict(
        name="赵敏",
        institution="山东理工大学",
        title="教授",
        field="new_materials",
        expertise="长期从事氧化铝陶瓷和烧结工艺研究。",
        phone="13605331111",
        email="zhao@example.edu.cn",
    )
    data.update(kw)
    return Expert.objects.create(**data)


def contract(
    code: str = "zhangdian",
    *,
    seller: str | None = "zhangdian",
    buyer: str | None = "zichuan",
    status: str = Contract.Status.DRAFT,
    **kw,
) -> Contract:
    data = dict(
        contract_type="development",
        project_name="氧化铝陶瓷基板技术开发",
        subject="高导热氧化铝陶瓷基板的配方和烧结工艺开发",
        tech_field="new_materials",
        region=region(code),
        signed_on=dt.date(2025, 3, 1),
        total_amount_wan=Decimal("100"),
        quantified_goal="热导率≥28 W/(m·K)",
        acceptance_clause=True,
        status=status,
    )
    data.update(kw)
    c = Contract.objects.create(**data)
    ContractParty.objects.create(
        contract=c,
        role="seller",
        name="山东理工大学",
        nature="022",
        region=region(seller) if seller else None,
        region_code="370303" if seller else "370102",
    )
    ContractParty.objects.create(
        contract=c,
        role="buyer",
        name="淄博测试陶瓷有限公司",
        nature="100",
        region=region(buyer) if buyer else None,
        region_code="370302" if buyer else "110108",
    )
    return c
