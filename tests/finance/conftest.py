"""A tiny register built in the test (four firms, two districts) with known facts, so scores are known exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.enterprises.models import Enterprise, EnterpriseYear, IntellectualProperty, Qualification, RdInstitution
from kechuang.enterprises.population import credit_code

TODAY = dt.date.today()
YEAR = TODAY.year - 1


@pytest.fixture
def firms(db, unit):
    """code → Enterprise: `zd_strong` (张店, tech SME + high-tech, 2 class I patents, a provincial platform),
    `zd_plain` (张店, tech SME, no IP), `zc_strong` (淄川, tech SME), `zc_no_sme` (淄川, no tech-SME number)."""
    made = {}
    specs = [
        ("zd_strong", "zhangdian", 1000, 60, 100, 25, 800),
        ("zd_plain", "zhangdian", 500, 4, 40, 2, 500),
        ("zc_strong", "zichuan", 2000, 90, 200, 30, 1500),
        ("zc_no_sme", "zichuan", 300, 0, 20, 0, None),
    ]
    for i, (key, region, revenue, rd, employees, rd_staff, revenue_before) in enumerate(specs):
        e = Enterprise.objects.create(
            credit_code=credit_code("370303", 900 + i), name=f"测试企业{key}", region=unit(region)
        )
        EnterpriseYear.objects.create(
            enterprise=e,
            year=YEAR,
            operating_revenue_wan=Decimal(revenue),
            rd_expense_wan=Decimal(rd),
            employees_total=employees,
            rd_staff=rd_staff,
        )
        if revenue_before is not None:
            EnterpriseYear.objects.create(enterprise=e, year=YEAR - 1, operating_revenue_wan=Decimal(revenue_before))
        if key != "zc_no_sme":
            Qualification.objects.create(
                enterprise=e,
                tier="tech_sme",
                certificate_number=f"2025370300{i:06d}",
                issue_date=TODAY - dt.timedelta(days=100),
                expiry_date=TODAY + dt.timedelta(days=200),
            )
        made[key] = e
    strong = made["zd_strong"]
    Qualification.objects.create(
        enterprise=strong,
        tier="high_tech",
        certificate_number="GR2024370000001",
        issue_date=TODAY - dt.timedelta(days=300),
        expiry_date=TODAY + dt.timedelta(days=600),
    )
    for n in range(2):
        IntellectualProperty.objects.create(
            enterprise=strong,
            ip_class="I",
            kind="invention_patent",
            number=f"ZL2023{n}",
            grant_date=TODAY - dt.timedelta(days=400),
            acquisition="self_developed",
        )
    IntellectualProperty.objects.create(
        enterprise=strong,
        ip_class="II",
        kind="utility_model",
        number="ZL2022X",
        grant_date=TODAY - dt.timedelta(days=500),
        acquisition="self_developed",
    )
    RdInstitution.objects.create(
        enterprise=strong, name="省级企业技术中心", level="provincial", recognised_on=TODAY - dt.timedelta(days=700)
    )
    return made
