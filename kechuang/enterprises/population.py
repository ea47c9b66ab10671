"""A generated enterprise population for demos and benchmarks. Pure Python, deterministic by seed.

Nothing here is real data: names, credit codes and figures are synthetic (the credit codes carry a valid
GB 32100-2015 check character; their 9-character body is made up). Distributions, chosen to look like a
prefecture city's register of tech-oriented SMEs:

- region: weights given by the caller (the city's demo file: roughly by economic size);
- operating revenue (万元, latest year): log-normal, median 1,800, σ = 1.3 (most firms small, a long tail
  of large ones); yearly growth ~ N(12 %, 15 %) per year, so about one firm in five shrinks;
- employees ≈ revenue ÷ 55 万元 per head × log-normal noise (σ = 0.4), at least 5; S&T staff share
  ~ Beta(2, 5) (mean ≈ 29 %); R&D staff ≈ 60 % of S&T staff;
- R&D expense ratio to revenue: log-normal, median 4.8 %, σ = 0.5, capped at 30 %; domestic share 97–100 %;
- cost and expense ≈ 85–100 % of revenue; assets ≈ 0.6–1.6 × revenue; liabilities ~ Beta(3, 4) of assets;
  net profit ≈ N(6 %, 8 %) of revenue; high-tech income share ~ Beta(6, 3) of total income;
- achievements converted in 3 years ~ Exp(mean 10) + R&D 万元 ÷ 60;
- IP: Class I ~ Poisson(0.8 + R&D 万元 ÷ 80), Class II ~ Poisson(2 + R&D 万元 ÷ 60); 80 % self-developed;
- held titles: tech-SME registration 45 %, high-tech certificate 22 % (more likely for larger R&D),
  innovative SME 12 %, specialized SME 4 %, little giant 0.5 %;
- data gaps: about 4 % of firms leave one compliance declaration blank, so some tiers are not evaluable.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kechuang.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

# (region code, 6-digit division code used in credit codes, weight)
RegionWeights = Sequence[tuple[str, str, float]]


@dataclass(frozen=True)
class Place:
    """Where the register is: the prefix of firms' names (<city>…有限公司) and the province that issues titles."""

    name_prefix: str
    province: str


INDUSTRIES = (
    ("C3071 陶瓷制品制造", "先进功能陶瓷", "陶瓷"),
    ("C2614 有机化学原料制造", "氟硅新材料", "化工"),
    ("C2710 化学药品原料药制造", "生物医药", "医药"),
    ("C3670 汽车零部件及配件制造", "新能源汽车", "汽车部件"),
    ("C3973 集成电路制造", "集成电路", "电子"),
    ("C3849 其他电池制造", "氢能", "能源"),
    ("C3421 金属切削机床制造", "智能装备", "机械"),
    ("C2651 初级形态塑料及合成树脂制造", "新材料", "新材料"),
    ("I6513 应用软件开发", "电子信息", "软件"),
    ("M7320 工程和技术研究和试验发展", "科技服务", "科技"),
)
# (kechuang.core.codes.TechField code, weight)
TECH_FIELDS = (
    ("electronic_info", 0.16),
    ("biomedicine", 0.12),
    ("aerospace", 0.01),
    ("new_materials", 0.27),
    ("high_tech_services", 0.08),
    ("new_energy", 0.10),
    ("environment", 0.08),
    ("advanced_manufacturing", 0.18),
)
_WORDS = "华泰鲁博瑞金齐鑫源恒盛宏达信诚海川创联科新辰卓越锦天明德康裕丰泽隆圣嘉润"


@dataclass
class GeneratedEnterprise:
    enterprise: dict[str, Any]
    region_code: str
    years: list[dict[str, Any]] = field(default_factory=list)
    ip: list[dict[str, Any]] = field(default_factory=list)
    qualifications: list[dict[str, Any]] = field(default_factory=list)


def credit_code(division: str, index: int) -> str:
    """A well-formed synthetic credit code: 91 + division + 9-character body + check character."""
    body, n = [], index + 7_000_000
    for _ in range(9):
        n, r = divmod(n, 31)
        body.append(CREDIT_CODE_ALPHABET[r])
    first17 = "91" + division + "".join(reversed(body))
    return first17 + credit_code_check_char(first17)


def _wan(x: float) -> Decimal:
    return Decimal(str(round(max(x, 0.0), 2)))


def generate(
    n: int, *, regions: RegionWeights, place: Place, seed: int = 2026, latest_year: int | None = None
) -> Iterator[GeneratedEnterprise]:
    """Yield `n` enterprises, each with facts for latest_year−2..latest_year, IP and held titles.

    latest_year defaults to the last closed fiscal year, so the register is as current on any day as on the
    day it was written (a fixed year left nothing eligible once two years had passed)."""
    today = dt.date.today()
    if latest_year is None:
        latest_year = today.year - 1
    rng = random.Random(seed)  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    codes = [r[0] for r in regions]
    weights = [r[2] for r in regions]
    divisions = {r[0]: r[1] for r in regions}
    field_names = [f for f, _w in TECH_FIELDS]
    field_weights = [w for _f, w in TECH_FIELDS]
    as_of = min(dt.date(latest_year + 1, 6, 30), today)  # no certificate issued after today
    for i in range(n):
        region = rng.choices(codes, weights)[0]
        industry, _chain, short = INDUSTRIES[rng.randrange(len(INDUSTRIES))]
        first, second = rng.choice(_WORDS), rng.choice(_WORDS)
        # No word twice in a row (丰丰, nor the prefix's last character again): the next word instead, so the
        # draws (and every later figure) stay as they were.
        if first == place.name_prefix[-1:]:
            first = _WORDS[(_WORDS.index(first) + 1) % len(_WORDS)]
        if second == first:
            second = _WORDS[(_WORDS.index(first) + 1) % len(_WORDS)]
        kind = "科技" if i % 3 else "新材料"
        if short.endswith(kind):  # not 科技科技 or 新材料新材料
            kind = "科技" if kind == "新材料" else "新材料"
        name = f"{place.name_prefix}{first}{second}{short}{kind}有限公司（{i + 1:06d}）"
        founded = dt.date(latest_year - 1 - int(rng.expovariate(1 / 9)), rng.randint(1, 12), rng.randint(1, 28))
        founded = max(founded, dt.date(1985, 1, 1))
        revenue = math.exp(rng.gauss(math.log(1800), 1.3))
        rd_ratio = min(0.30, math.exp(rng.gauss(math.log(0.048), 0.5)))
        employees = max(5, int(revenue / 55 * math.exp(rng.gauss(0, 0.4))))
        st_share = rng.betavariate(2, 5)
        blank_compliance = rng.random() < 0.04
        e = GeneratedEnterprise(
            enterprise={
                "credit_code": credit_code(divisions[region], i),
                "name": name,
                "industry": industry,
                "tech_field": rng.choices(field_names, field_weights)[0],
                "registration_date": founded,
                "resident_enterprise_mainland": True,
                "is_sme_per_2011_standard": employees < 1000 and revenue < 40000,
            },
            region_code=region,
        )
        value = revenue
        per_year = []
        for _ in range(3):
            per_year.append(value)
            value = value / (1 + rng.gauss(0.12, 0.15))
        for offset, rev in zip((0, 1, 2), reversed(per_year[:3]), strict=True):
            year = latest_year - 2 + offset
            if dt.date(year, 12, 31) < founded:
                continue
            assets = rev * rng.uniform(0.6, 1.6)
            rd = rev * rd_ratio * rng.uniform(0.85, 1.15)
            row = {
                "year": year,
                "operating_revenue_wan": _wan(rev),
                "main_business_revenue_wan": _wan(rev * rng.uniform(0.9, 1.0)),
                "rd_expense_wan": _wan(rd),
                "domestic_rd_expense_wan": _wan(rd * rng.uniform(0.97, 1.0)),
                "cost_expense_total_wan": _wan(rev * rng.uniform(0.85, 1.0)),
                "total_assets_wan": _wan(assets),
                "total_liabilities_wan": _wan(assets * rng.betavariate(3, 4)),
                "net_profit_wan": Decimal(str(round(rev * rng.gauss(0.06, 0.08), 2))),
            }
            if year == latest_year:
                st = max(1, int(employees * st_share))
                total_income = rev * rng.uniform(1.0, 1.05)
                row.update(
                    employees_total=employees,
                    st_staff=st,
                    rd_staff=max(1, int(st * 0.6)),
                    conversions_3y=int(rng.expovariate(1 / 10) + rev * rd_ratio / 60),
                    high_tech_income_wan=_wan(total_income * rng.betavariate(6, 3)),
                    total_income_wan=_wan(total_income),
                    tech_field_in_catalog=rng.random() < 0.85,
                    strategic_emerging_industry=rng.random() < 0.45,
                    market_segment_years=round(min(60.0, (latest_year - founded.year) * rng.uniform(0.5, 1.0)), 1),
                    market_position_leading=rng.random() < 0.15,
                    specialized_platform_score=round(rng.uniform(40, 95), 1),
                    digital_level=rng.choice((1, 2, 2, 3, 3, 4)),
                    quality_items_count=rng.choice((0, 1, 1, 2, 3)),
                    product_field_category_2022=rng.choice(
                        ("other", "other", "six_basics_or_time_honored_or_chain_leader", "key_link_breakthrough")
                    ),
                    local_characteristic_score=round(rng.uniform(0, 15), 1),
                    hte_tech_advancement=rng.randint(4, 8),
                    hte_core_support=rng.randint(4, 8),
                    hte_ip_acquisition=rng.randint(3, 6),
                    hte_standards_bonus=rng.choice((0, 1, 1, 2)),
                    hte_rd_management=rng.randint(12, 20),
                    prohibited_or_restricted_product=False,
                    rd_deduction_negative_list_industry=False,
                    major_incident_or_violation_recent=None if blank_compliance else rng.random() < 0.01,
                    major_incident_or_violation_3y=None if blank_compliance else rng.random() < 0.02,
                    abnormal_or_serious_dishonesty_list=rng.random() < 0.01,
                )
            e.years.append(row)
        rd_latest = float(e.years[-1]["rd_expense_wan"]) if e.years else 0.0
        for k in range(_poisson(rng, 0.8 + rd_latest / 80)):
            e.ip.append(_ip(rng, i, k, "I", "invention_patent", founded, latest_year))
        for k in range(_poisson(rng, 2 + rd_latest / 60)):
            e.ip.append(
                _ip(
                    rng,
                    i,
                    100 + k,
                    "II",
                    rng.choice(("utility_model", "utility_model", "software_copyright", "design")),
                    founded,
                    latest_year,
                )
            )
        p_hte = min(0.6, 0.12 + rd_latest / 2000)
        for tier, p, years_valid, issuer in (
            ("tech_sme", 0.45, 1, f"{place.province}科学技术厅"),
            ("high_tech", p_hte, 3, f"{place.province}高新技术企业认定管理机构"),
            ("innovative_sme", 0.12, 3, f"{place.province}工业和信息化厅"),
            ("specialized_sme", 0.04, 3, f"{place.province}工业和信息化厅"),
            ("little_giant", 0.005, 3, "工业和信息化部"),
        ):
            if rng.random() < p:
                start_year = as_of.year - rng.randrange(years_valid)
                issued = dt.date(start_year, rng.randint(3, 11), rng.randint(1, 28))
                if issued > as_of:
                    # Not yet issued this year: the certificate held today is the one issued a full validity period
                    # earlier (still valid), so early in the year issue dates do not crowd into last year.
                    issued = issued.replace(year=issued.year - years_valid)
                expiry = dt.date(issued.year + years_valid, issued.month, issued.day) - dt.timedelta(days=1)
                if tier == "tech_sme":
                    expiry = dt.date(issued.year, 12, 31)
                e.qualifications.append(
                    {
                        "tier": tier,
                        "certificate_number": f"{tier[:2].upper()}{issued.year}{i:07d}",
                        "issue_date": issued,
                        "expiry_date": expiry,
                        "issuer": issuer,
                    }
                )
        yield e


def _poisson(rng: random.Random, lam: float) -> int:
    lam = min(lam, 60.0)
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _ip(
    rng: random.Random, i: int, k: int, ip_class: str, kind: str, founded: dt.date, latest_year: int
) -> dict[str, Any]:
    first = max(founded.year, latest_year - 12)
    year = rng.randint(first, latest_year) if first <= latest_year else latest_year
    prefix = {"invention_patent": "ZL", "utility_model": "ZL", "design": "ZL", "software_copyright": "RZ"}[kind]
    return {
        "ip_class": ip_class,
        "kind": kind,
        "number": f"{prefix}{year}{i:07d}{k:03d}",
        "title": "",
        "grant_date": dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
        "acquisition": "self_developed" if rng.random() < 0.8 else "transfer",
        "used_in_prior_hte": ip_class == "II" and rng.random() < 0.2,
        "high_value": ip_class == "I" and rng.random() < 0.3,
        "is_valid": True,
    }
