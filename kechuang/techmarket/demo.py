"""Demo data for `make run` (idempotent): achievements made from the bundled Apache-2.0 part of CSL, demands in
enterprise language, experts, matches at each workflow step and registered contracts over the last five years
(this year's so far).

Everything is marked `is_demo`; names of enterprises and people are invented. Built with bulk inserts (one audit
entry for the whole load) and indexed once after the transaction commits, so the load takes a few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.codes import TechField
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit
from kechuang.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from kechuang.techmarket import feed, index, registration
from kechuang.techmarket.matching import BUNDLED_CSL, MatchEngine, Segmenter
from kechuang.techmarket.matching.corpus import read_jsonl
from kechuang.techmarket.matching.vocabulary_seed import read_entries
from kechuang.techmarket.models import (
    CONTRACT_FIELD_OF,
    Achievement,
    Contract,
    ContractEvent,
    ContractParty,
    ContractType,
    Demand,
    Expert,
    IndustryChain,
    InstitutionType,
    MatchCase,
    MatchEvent,
    NonTechnicalItem,
    TransferMode,
)
from kechuang.techmarket.models import CooperationMode as M

F = TechField
DISCIPLINE_FIELD = {
    "材料科学与工程": F.NEW_MATERIALS,
    "化学/化学工程与技术": F.NEW_MATERIALS,
    "纺织科学与工程": F.NEW_MATERIALS,
    "冶金工程": F.NEW_MATERIALS,
    "药学": F.BIOMEDICINE,
    "中医学/中药学": F.BIOMEDICINE,
    "基础医学/临床医学": F.BIOMEDICINE,
    "生物学/生物科学与工程": F.BIOMEDICINE,
    "公共卫生与预防医学": F.BIOMEDICINE,
    "食品科学与工程": F.BIOMEDICINE,
    "畜牧学/兽医学": F.BIOMEDICINE,
    "信息与通信工程": F.ELECTRONIC_INFO,
    "计算机科学与技术": F.ELECTRONIC_INFO,
    "电子科学与技术": F.ELECTRONIC_INFO,
    "光学工程": F.ELECTRONIC_INFO,
    "机械工程": F.ADVANCED_MANUFACTURING,
    "控制科学与工程": F.ADVANCED_MANUFACTURING,
    "交通运输工程": F.ADVANCED_MANUFACTURING,
    "农业工程": F.ADVANCED_MANUFACTURING,
    "兵器科学与技术": F.ADVANCED_MANUFACTURING,
    "电气工程": F.NEW_ENERGY,
    "动力工程及工程热物理": F.NEW_ENERGY,
    "核科学与技术": F.NEW_ENERGY,
    "石油与天然气工程": F.NEW_ENERGY,
    "环境科学与工程": F.ENVIRONMENT,
    "矿业工程": F.ENVIRONMENT,
    "水利工程": F.ENVIRONMENT,
    "农业资源利用": F.ENVIRONMENT,
    "园艺学": F.ENVIRONMENT,
    "作物学": F.ENVIRONMENT,
    "航空宇航科学与技术": F.AEROSPACE,
    "测绘科学与技术": F.HIGH_TECH_SERVICES,
}
CHAIN_WORDS = (
    (IndustryChain.CERAMICS, ("陶瓷", "烧结", "氧化铝", "氮化硅", "碳化硅")),
    (IndustryChain.FLUOROSILICONE, ("氟", "硅橡胶", "有机硅", "聚四氟乙烯")),
    (IndustryChain.HYDROGEN, ("氢", "燃料电池")),
    (IndustryChain.NEV, ("电动汽车", "锂离子电池", "动力电池", "新能源汽车")),
    (IndustryChain.INTEGRATED_CIRCUITS, ("集成电路", "芯片", "半导体", "微机电")),
    (IndustryChain.SMART_EQUIPMENT, ("机器人", "数控", "机械臂", "减速器")),
    (IndustryChain.BIOPHARMA, ("药", "抗菌", "PCR", "疫苗")),
)
# A city without its own demo file (data/demo/<city code>.yaml): institutions named after it, in its regions in turn.
GENERIC_INSTITUTIONS = (
    ("{city}大学（演示）", InstitutionType.UNIVERSITY),
    ("{city}职业学院（演示）", InstitutionType.UNIVERSITY),
    ("{city}工业职业学院（演示）", InstitutionType.UNIVERSITY),
    ("{city}师范高等专科学校（演示）", InstitutionType.UNIVERSITY),
    ("{city}市农业科学研究院（演示）", InstitutionType.RESEARCH_INSTITUTE),
    ("{city}新材料研究院（演示）", InstitutionType.RESEARCH_INSTITUTE),
    ("{city}化工新材料研究院（演示）", InstitutionType.RESEARCH_INSTITUTE),
    ("{city}市智能装备产业技术研究院（演示）", InstitutionType.RESEARCH_INSTITUTE),
    ("{city}市中心医院（演示）", InstitutionType.HOSPITAL),
    ("{city}氢能技术创新中心（演示）", InstitutionType.RESEARCH_INSTITUTE),
    ("{city}生物医药产业研究院（演示）", InstitutionType.RESEARCH_INSTITUTE),
    ("{city}环保科技有限公司（演示）", InstitutionType.ENTERPRISE),
)
GENERIC_OUTSIDE = (("北京", "110108"), ("上海", "310104"), ("天津", "120116"), ("重庆", "500103"))


@dataclass(frozen=True)
class Places:
    """Who and where the demo's parties are, for one city."""

    city: OrgUnit
    regions: dict[str, OrgUnit]  # code → region, the active ones of the demo
    institutions: tuple[tuple[str, str, str | None], ...]  # (name, nature, region code)
    outside: tuple[tuple[str, str], ...]  # (place, GB/T 2260 code) of parties outside the city
    # discipline → candidate owners: (institution, the industries it is limited to, or () for any)
    owners: dict[str, tuple[tuple[tuple[str, str, str | None], tuple[str, ...]], ...]]

    def owner(self, rng: random.Random, discipline: str, industry: str) -> tuple[str, str, str | None]:
        """An institution plausible for a record of `discipline` in `industry` (the city's file, or
        library.yaml's generic one): a ceramics firm owns ceramics papers, not every materials paper."""
        fits = [row for row, only in self.owners[discipline] if not only or industry in only]
        return rng.choice(fits)

    @classmethod
    def of(cls, city: OrgUnit, library: Library | None = None) -> Places:
        data = city_demo_data(Path(__file__).resolve().parent, city)
        quiet = set(data.get("quiet_regions", ()))
        regions = {r.code: r for r in OrgUnit.objects.regions().filter(parent=city) if r.code not in quiet}
        codes = list(regions) or [None]
        institutions = tuple(tuple(row) for row in data.get("institutions", ())) or tuple(
            (name.format(city=city.bare_name), kind, codes[i % len(codes)])
            for i, (name, kind) in enumerate(GENERIC_INSTITUTIONS)
        )
        outside = tuple(tuple(row) for row in data.get("outside", ())) or GENERIC_OUTSIDE
        by_name = {row[0]: row for row in institutions}
        names = data.get("owners") or (library or Library.load()).owners
        owners = {}
        for discipline, candidates in names.items():
            # an entry is a name, or {name: ..., industries: [...]} for an owner limited to some industries
            entries = [c if isinstance(c, dict) else {"name": c} for c in candidates]
            rows = [by_name.get(e["name"].format(city=city.bare_name)) for e in entries]
            missing = [e["name"] for e, row in zip(entries, rows, strict=True) if row is None]
            if missing:
                raise ValueError(f"demo owners of {discipline}: not among the institutions: {missing}")
            owners[discipline] = tuple(
                (row, tuple(e.get("industries", ()))) for e, row in zip(entries, rows, strict=True)
            )
        return cls(city, regions, institutions, outside, owners)


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = (
    "建华",
    "志刚",
    "海燕",
    "晓东",
    "立新",
    "红霞",
    "伟",
    "敏",
    "磊",
    "静",
    "俊杰",
    "雪梅",
    "文博",
    "子涵",
    "国栋",
    "春燕",
    "明远",
    "思远",
    "丽华",
    "振宇",
)
ENTERPRISE_STEMS = (
    "鑫达",
    "华瑞",
    "鲁源",
    "齐润",
    "博泰",
    "金岭",
    "恒通",
    "瑞丰",
    "宏业",
    "泰和",
    "正阳",
    "东升",
    "中科",
    "新澳",
    "安泰",
    "天衡",
    "汇丰",
    "广宇",
    "凯盛",
    "明珠",
)

# Demands in the words enterprises use (lay terms from the vocabulary), in data/demo_demands.json.
DEMANDS_FILE = Path(__file__).resolve().parent / "data" / "demo_demands.json"
PRODUCTS = ("减速机箱体", "阀门铸件", "管道法兰", "泵体", "电机外壳", "农机齿轮", "钢制储罐", "输送托辊")
ISSUES = (
    ("生锈", "在潮湿车间放一段时间就生锈，客户退货", "长效防锈工艺"),
    ("漏油", "装配后试压漏油，返修率高", "密封结构改进"),
    ("噪音大", "运转噪音大，达不到出口标准", "减振降噪设计"),
    ("电焊开裂", "电焊后焊缝附近开裂，探伤不过", "焊接工艺评定和改进"),
    ("喷漆起皮", "喷漆附着力差，三个月就起皮", "前处理和涂装工艺"),
)

DEMANDS = 300
EXPERTS = 200
# Generated demands for the city's other industries: industry → (field, chain, products, (lay problem, what is wanted))
INDUSTRY_DEMANDS = {
    "陶瓷": (
        F.NEW_MATERIALS,
        IndustryChain.CERAMICS,
        ("建筑瓷砖", "日用陶瓷", "耐火砖", "陶瓷辊棒", "蜂窝陶瓷"),
        (
            ("烧窑费气，成本压不下来", "节能烧成技术"),
            ("釉面有针孔，优等品率低", "釉料配方优化"),
            ("产品容易变形开裂", "坯体配方和烧成曲线改进"),
            ("粉尘大，环保检查过不了", "除尘和清洁生产技术"),
        ),
    ),
    "化工": (
        F.NEW_MATERIALS,
        "",
        ("聚氯乙烯树脂", "顺酐", "丙烯酸酯", "环氧树脂", "涂料助剂"),
        (
            ("反应釜结焦，清釜频繁", "防结焦工艺"),
            ("废水COD高，处理费用大", "高浓度废水处理技术"),
            ("产品色度不稳定，客户投诉", "工艺控制和精制提纯"),
            ("催化剂寿命短，换得勤", "长寿命催化剂"),
        ),
    ),
    "氟硅新材料": (
        F.NEW_MATERIALS,
        IndustryChain.FLUOROSILICONE,
        ("有机硅胶", "含氟聚合物", "硅橡胶制品", "氟橡胶密封件"),
        (
            ("胶料放久了变硬", "储存稳定性改进"),
            ("耐高温不够，用在发动机上老化快", "耐高温配方"),
            ("副产物多，收率低", "合成工艺优化"),
        ),
    ),
    "新能源": (
        F.NEW_ENERGY,
        IndustryChain.NEV,
        ("动力电池包", "储能电站", "光伏组件", "氢燃料电池堆", "充电桩"),
        (
            ("冬天续航掉得厉害", "低温电池技术"),
            ("电池发热，怕起火", "热管理和安全防护"),
            ("充电太慢", "快充技术"),
            ("发电效率比标称低", "系统效率诊断与提升"),
        ),
    ),
    "医药": (
        F.BIOMEDICINE,
        IndustryChain.BIOPHARMA,
        ("原料药", "中药提取物", "兽用疫苗", "医用敷料", "诊断试剂"),
        (
            ("杂质超标，一致性评价过不了", "杂质控制和工艺验证"),
            ("提取得率低", "提取纯化工艺"),
            ("保质期短", "稳定性研究和制剂改进"),
            ("发酵染菌，批次报废", "无菌控制和发酵工艺"),
        ),
    ),
    "机械": (
        F.ADVANCED_MANUFACTURING,
        IndustryChain.SMART_EQUIPMENT,
        ("数控机床", "工业泵", "矿山机械", "农业机械", "减速机"),
        (
            ("人工上下料，招不到工人", "机器人自动化改造"),
            ("精度保持不住，用半年就超差", "精度保持和热变形补偿"),
            ("设备故障停机多", "状态监测和预测性维护"),
            ("零件磨损快", "表面强化和耐磨涂层"),
        ),
    ),
    "集成电路": (
        F.ELECTRONIC_INFO,
        IndustryChain.INTEGRATED_CIRCUITS,
        ("功率器件", "传感器芯片", "MEMS器件", "封装基板"),
        (
            ("封装后良率低", "封装工艺和可靠性分析"),
            ("芯片发热严重", "散热设计"),
            ("测试时间长，产能上不去", "自动化测试方案"),
        ),
    ),
    "电子信息": (
        F.ELECTRONIC_INFO,
        IndustryChain.ELECTRONICS,
        ("车间生产数据", "仓储物流", "质检环节", "能源计量"),
        (
            ("全靠纸质记录，数据对不上", "工业互联网平台和数字化改造"),
            ("靠人眼看缺陷，漏检多", "机器视觉检测"),
            ("排产靠经验，订单总延期", "智能排产系统"),
        ),
    ),
    "环保": (
        F.ENVIRONMENT,
        "",
        ("电镀废水", "印染污泥", "化工废气", "固体废渣", "工业余热"),
        (
            ("处理成本太高", "低成本处理与资源化技术"),
            ("排放指标卡线，担心超标", "提标改造技术"),
            ("堆着占地方，没地方消纳", "综合利用技术"),
        ),
    ),
}


def _rng() -> random.Random:
    return random.Random(20260601)  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def credit_code(rng: random.Random, region_code: str) -> str:
    body = "91" + region_code + "".join(rng.choice(CREDIT_CODE_ALPHABET[:31]) for _ in range(9))
    return body + credit_code_check_char(body)


def _chain(text: str) -> str:
    for chain, words in CHAIN_WORDS:
        if any(w in text for w in words):
            return chain
    return ""


LIBRARY_FILE = Path(__file__).resolve().parent / "data" / "demo" / "library.yaml"


@dataclass(frozen=True)
class Industry:
    """One of the city's industries in the demo library (data/demo/library.yaml)."""

    code: str
    name: str
    field: str
    quota: int
    max: int
    disciplines: tuple[str, ...]
    words: re.Pattern

    def hit(self, record: dict) -> bool:
        """The record's discipline is the industry's and one of its words is in the title or keywords (the
        abstract is not read: too many papers mention 烧结 or 窑 in passing)."""
        text = record["title"] + " " + " ".join(record.get("keywords") or ())
        return record.get("discipline") in self.disciplines and bool(self.words.search(text))

    def field_of(self, record: dict) -> str:
        return self.field or DISCIPLINE_FIELD[record["discipline"]]


@dataclass(frozen=True)
class Library:
    """The demo library's rules: industries, seed, experts' group size and owners by discipline."""

    seed: int
    papers_per_expert: int  # at most
    industries: tuple[Industry, ...]
    owners: dict[str, list[str]]  # discipline → owner institutions (generic ones hold `{city}`)
    min_papers_per_expert: int = 2
    expert_similarity: float = 0.12  # least mean cosine between the papers of one expert (see paper_similarities)

    @classmethod
    def load(cls, path: Path = LIBRARY_FILE) -> Library:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        industries = tuple(
            Industry(
                code=row["code"],
                name=row["name"],
                field=row["field"] or "",
                quota=int(row["quota"]),
                max=int(row["max"]),
                disciplines=tuple(row["disciplines"]),
                words=re.compile(row["words"]),
            )
            for row in data["industries"]
        )
        return cls(
            int(data["seed"]),
            int(data["papers_per_expert"]),
            industries,
            dict(data["owners"]),
            min_papers_per_expert=int(data.get("min_papers_per_expert", 2)),
            expert_similarity=float(data.get("expert_similarity", 0.12)),
        )

    def rule(self) -> str:
        """The rule as recorded in the audit entry."""
        return "; ".join(
            f"{i.code}: {'/'.join(i.disciplines)} ∧ /{i.words.pattern}/ ≤ {i.max}" for i in self.industries
        )

    def hits(self, records: list[dict]) -> dict[str, list[dict]]:
        """Every record of each industry (the first industry a record fits takes it), in a seeded order."""
        rng = random.Random(self.seed)  # nosec B311  # a seeded order for demo data
        taken: set[str] = set()
        out: dict[str, list[dict]] = {}
        for industry in self.industries:
            found = [r for r in records if r["id"] not in taken and industry.hit(r)]
            rng.shuffle(found)
            out[industry.code] = found
            taken.update(r["id"] for r in found)
        return out

    def pick(self, records: list[dict]) -> dict[str, list[dict]]:
        """The library: each industry's first `max` hits; fewer than `quota` stops the load."""
        hits = self.hits(records)
        picked = {i.code: hits[i.code][: i.max] for i in self.industries}
        short = [
            f"{i.code} {len(picked[i.code])} < {i.quota}" for i in self.industries if len(picked[i.code]) < i.quota
        ]
        if short:
            raise ValueError("demo library below its quota: " + ", ".join(short))
        return picked

    def industry(self, code: str) -> Industry:
        return next(i for i in self.industries if i.code == code)


def library_records() -> list[dict]:
    """The bundled CSL records (the only ones the repository may hold)."""
    return list(read_jsonl(BUNDLED_CSL))


def ensure_vocabulary() -> int:
    """Seed terms the vocabulary lacks (the migration seeds a new database; this mends a flushed one)."""
    from kechuang.techmarket.models import VocabularyTerm

    existing = set(VocabularyTerm.objects.values_list("lay", flat=True))
    missing = [
        VocabularyTerm(lay=row["lay"], technical=list(row["technical"]), industry=row["industry"], source=row["source"])
        for row in read_entries()
        if row["lay"] not in existing
    ]
    VocabularyTerm.objects.bulk_create(missing)
    return len(missing)


def load_demo(city: OrgUnit) -> str:
    ensure_vocabulary()
    if Achievement.objects.filter(is_demo=True).exists():
        transaction.on_commit(_ensure_index)
        _feed_indicators()  # idempotent: mends a database loaded before the feed existed
        return "technology market demo data present"
    rng = _rng()
    library = Library.load()
    places = Places.of(city, library)
    hits = library.hits(library_records())
    picked = library.pick(library_records())
    achievements = _achievements(rng, places, library, picked)
    demands = _demands(rng, places)
    experts = _experts(rng, places, library, hits)
    _spread_over_two_years(achievements, demands)
    matches, signed = _matches(rng, demands, achievements, experts)
    contracts = _contracts(rng, places, signed)
    audit.record(
        actor=None,
        action=audit.Action.IMPORT,
        object_type="techmarket.demo",
        object_label="technology market demo data",
        detail={
            "library_rule": f"{LIBRARY_FILE.name} (seed {library.seed}): {library.rule()}",
            "achievements_by_industry": {code: len(rows) for code, rows in picked.items()},
            "achievements": len(achievements),
            "demands": len(demands),
            "experts": len(experts),
            "matches": matches,
            "contracts": contracts,
        },
    )
    transaction.on_commit(_rebuild_index)
    _feed_indicators()
    return (
        f"{len(achievements)} achievements, {len(demands)} demands, {len(experts)} experts, {matches} matches, "
        f"{contracts} contracts"
    )


def _spread_over_two_years(achievements: list[Achievement], demands: list[Demand]) -> None:
    """Date the demo records over the last two years, as a market fills, not all on the day `make run` ran: the
    dashboard's monthly charts and the lists' newest-first order then read like a market's. Its own random
    stream, so the other demo draws stay as they were."""
    rng = random.Random("techmarket-demo-dates")  # nosec B311  # demo dates, never a secret
    now = timezone.now()
    for model, rows in ((Achievement, achievements), (Demand, demands)):
        for row in rows:
            row.created_at = now - dt.timedelta(days=rng.randint(0, 729), minutes=rng.randint(0, 24 * 60))
        model.objects.bulk_update(rows, ["created_at"], batch_size=500)


def _feed_indicators() -> None:
    registered = Contract.objects.filter(status=Contract.Status.REGISTERED, registered_on__isnull=False)
    feed.turnover_changed({d.year for d in registered.values_list("registered_on", flat=True)})


def _rebuild_index() -> None:
    index.rebuild()


def _ensure_index() -> None:
    index.ensure_built()


def _achievements(
    rng: random.Random, places: Places, library: Library, picked: dict[str, list[dict]]
) -> list[Achievement]:
    rows = []
    modes = [m for m, _l in TransferMode.choices]
    records = [(library.industry(code), r) for code, rs in picked.items() for r in rs]
    for i, (industry, r) in enumerate(records):
        name, kind, region_code = places.owner(rng, r["discipline"], industry.code)
        text = r["title"] + r["abstract"]
        # drawn from the record's own id, not its position: a change to the library's rule must not reshuffle which
        # achievements are drafts or withdrawn (it once hid a relevant record from a demo demand)
        slot = zlib.crc32(r["id"].encode())
        status = Achievement.Status.PUBLISHED
        if slot % 40 == 7:
            status = Achievement.Status.DRAFT
        elif slot % 50 == 13:
            status = Achievement.Status.WITHDRAWN
        patents = []
        if rng.random() < 0.6:
            year = rng.randint(2016, 2024)
            body = f"{year}1{rng.randint(0, 9_999_999):07d}"
            patents.append(f"ZL{body}.{rng.randint(0, 9)}")
        rows.append(
            Achievement(
                title=r["title"][:200],
                abstract=r["abstract"],
                keywords=list(r.get("keywords") or [])[:12],
                field=industry.field_of(r),
                industry_chain=_chain(text),
                trl=rng.choice((3, 4, 4, 5, 5, 6, 6, 7, 8)),
                trl_basis="完成单位自评（演示）",
                owner_name=name,
                owner_type=kind,
                region=places.regions.get(region_code),
                patent_numbers=patents,
                transfer_modes=sorted(rng.sample(modes, rng.randint(1, 3))),
                price_wan=None
                if rng.random() < 0.35
                else Decimal(rng.choice((20, 30, 50, 80, 100, 150, 200, 300, 500))),
                contact_name=_person(rng),
                contact_phone=_phone(rng),
                contact_email=f"tt{i:03d}@example.edu.cn",
                status=status,
                status_reason="演示：已下架" if status == Achievement.Status.WITHDRAWN else "",
                is_demo=True,
                source_ref=r["id"],
            )
        )
    return Achievement.objects.bulk_create(rows)


def _enterprise(rng: random.Random, city: OrgUnit, industry: str) -> str:
    suffix = {
        "陶瓷": "陶瓷",
        "化工": "化工",
        "氟硅新材料": "新材料",
        "新能源": "新能源科技",
        "医药": "药业",
        "机械": "机械",
        "集成电路": "微电子",
        "电子信息": "智能科技",
        "环保": "环境科技",
    }.get(industry, "科技")
    return f"{city.bare_name}{rng.choice(ENTERPRISE_STEMS)}{suffix}有限公司"


def _demands(rng: random.Random, places: Places) -> list[Demand]:
    today = dt.date.today()
    region_list = list(places.regions.values())
    seeds = [
        (d["title"], d["description"], d["field"], d["chain"], d["mode"], d["industry"])
        for d in json.loads(DEMANDS_FILE.read_text(encoding="utf-8"))
    ]
    handwritten = len(seeds)
    for product in PRODUCTS:
        for lay, problem, wanted in ISSUES:
            seeds.append(
                (
                    f"{product}{lay}问题，求{wanted}",
                    f"我厂生产{product}，{problem}。希望找到{wanted}方面的成熟技术或专家指导，尽快解决质量问题。",
                    F.ADVANCED_MANUFACTURING,
                    IndustryChain.SMART_EQUIPMENT if "减速机" in product else "",
                    rng.choice((M.CONSULTING, M.SERVICE, M.TRANSFER)),
                    "机械",
                )
            )
    modes = (M.TRANSFER, M.LICENCE, M.COMMISSIONED_DEVELOPMENT, M.JOINT_DEVELOPMENT, M.CONSULTING, M.SERVICE)
    for industry, (field, chain, products, problems) in INDUSTRY_DEMANDS.items():
        for product in products:
            for problem, wanted in problems:
                short = problem.split("，")[0]
                for title, text in (
                    (
                        f"{product}{short}，求{wanted}",
                        f"我公司主要生产{product}，目前{problem}。希望与高校院所合作，引进{wanted}，"
                        "有成熟技术或专家团队的请联系。",
                    ),
                    (
                        f"{product}生产中{short}，寻求技术合作",
                        f"{product}是我厂主要产品，{problem}，影响交货和利润。想找{wanted}方面的团队，"
                        "可以委托开发或购买技术。",
                    ),
                ):
                    seeds.append((title, text, field, chain, rng.choice(modes), industry))
    generated = seeds[handwritten:]
    rng.shuffle(generated)
    seeds = seeds[:handwritten] + generated
    seeds = seeds[:DEMANDS]
    rows = []
    for i, (title, text, field, chain, mode, industry) in enumerate(seeds):
        region = region_list[i % len(region_list)]
        budget = rng.choice((None, (10, 30), (20, 50), (50, 100), (100, 300), (200, 500)))
        status = Demand.Status.PUBLISHED
        if i % 16 == 5:
            status = Demand.Status.PENDING
        elif i % 23 == 11:
            status = Demand.Status.CLOSED
        rows.append(
            Demand(
                enterprise_name=_enterprise(rng, places.city, industry),
                credit_code=credit_code(rng, region.region_code),
                region=region,
                title=title[:100],
                description=text,
                field=field,
                industry_chain=chain,
                budget_min_wan=Decimal(budget[0]) if budget else None,
                budget_max_wan=Decimal(budget[1]) if budget else None,
                deadline=today + dt.timedelta(days=rng.randint(60, 540)),
                cooperation_mode=mode,
                contact_name=_person(rng),
                contact_phone=_phone(rng),
                contact_email=f"demand{i:03d}@example.com",
                status=status,
                status_reason="演示：需求已解决" if status == Demand.Status.CLOSED else "",
                source=Demand.Source.PUBLIC if status == Demand.Status.PENDING or i % 5 == 0 else Demand.Source.STAFF,
                is_demo=True,
            )
        )
    return Demand.objects.bulk_create(rows)


EXPERT_TITLES = ("教授", "研究员", "正高级工程师", "副教授", "高级工程师", "主任药师")


def _keywords(record: dict) -> set[str]:
    return set(record.get("keywords") or ())


def paper_similarities(papers: list[dict]) -> list[list[float]]:
    """Cosine similarity of every two papers: tf-idf over their words of two characters or more (title, keywords
    counted twice, abstract; precise-mode segmentation), idf from these papers alone."""
    segmenter = _paper_segmenter()
    counts = []
    for p in papers:
        keywords = " ".join(p.get("keywords") or ())
        words = segmenter.terms(f"{p['title']} {keywords} {keywords} {p.get('abstract', '')}", search_mode=False)
        counts.append(Counter(w for w in words if len(w) > 1))
    df = Counter(w for c in counts for w in c)
    n = len(papers)
    vectors = []
    for c in counts:
        v = {w: k * math.log((1 + n) / (1 + df[w]) + 1) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return [[sum(x * b.get(w, 0.0) for w, x in a.items()) for b in vectors] for a in vectors]


@lru_cache(maxsize=1)
def _paper_segmenter() -> Segmenter:
    return Segmenter()


def coherent_groups(papers: list[dict], *, size: int, least: int, threshold: float) -> list[list[dict]]:
    """Papers grouped by topic: average-linkage agglomeration, most similar pair first, a group growing to `size`
    papers while the mean similarity between the two groups it joins stays at `threshold` or more. Groups of fewer
    than `least` papers are left out: a paper without a close neighbour makes no expert (a would-be expert of
    雾化铜粉, 垃圾填埋 and 不锈钢焊缝 says nothing about anyone)."""
    sim = paper_similarities(papers)
    n = len(papers)
    pairs = sorted(((sim[i][j], i, j) for i in range(n) for j in range(i + 1, n)), key=lambda t: (-t[0], t[1], t[2]))
    members = {i: [i] for i in range(n)}
    group_of = list(range(n))
    for s, i, j in pairs:
        if s < threshold:
            break
        a, b = group_of[i], group_of[j]
        if a == b or len(members[a]) + len(members[b]) > size:
            continue
        link = sum(sim[x][y] for x in members[a] for y in members[b]) / (len(members[a]) * len(members[b]))
        if link < threshold:
            continue
        members[a] += members.pop(b)
        for x in members[a]:
            group_of[x] = a
    return [[papers[x] for x in sorted(m)] for _k, m in sorted(members.items()) if len(m) >= least]


def expert_groups(library: Library, hits: dict[str, list[dict]]) -> list[tuple[Industry, list[dict]]]:
    """Papers grouped into would-be experts: one industry and one discipline each, papers on one topic
    (`coherent_groups`, with the library's group size and similarity threshold)."""
    groups = []
    for industry in library.industries:
        by_discipline: dict[str, list[dict]] = {}
        for r in hits[industry.code]:
            by_discipline.setdefault(r["discipline"], []).append(r)
        for papers in by_discipline.values():
            for group in coherent_groups(
                papers,
                size=library.papers_per_expert,
                least=library.min_papers_per_expert,
                threshold=library.expert_similarity,
            ):
                groups.append((industry, group))
    return groups


# Author keywords that say nothing about a person's field ("研究进展", "性能"): left out of the expertise text.
GENERIC_KEYWORDS = frozenset(
    ("研究进展", "进展", "综述", "性能", "影响", "应用", "研究", "发展", "制备", "治疗", "临床研究", "影响因素")
)


def _expertise(papers: list[dict], taken: set[str]) -> str | None:
    """'长期从事…' from the expert's own papers' keywords (most shared first); None when no wording is new."""
    counts: dict[str, int] = {}
    for p in papers:
        for k in p.get("keywords") or ():
            if k in GENERIC_KEYWORDS:
                continue
            counts[k] = counts.get(k, 0) + 1
    words = sorted(counts, key=lambda k: (-counts[k], list(counts).index(k)))
    if not words:
        return None
    for n in range(min(5, len(words)), len(words) + 1):
        text = "长期从事" + "、".join(words[:n]) + "等方向的研究与工程应用。"
        if text not in taken:
            return text
    return None


def _experts(rng: random.Random, places: Places, library: Library, hits: dict[str, list[dict]]) -> list[Expert]:
    rows: list[Expert] = []
    taken: set[str] = set()
    groups = expert_groups(library, hits)
    # round-robin over industries, so that a cap keeps every industry
    by_industry: dict[str, list] = {}
    for industry, papers in groups:
        by_industry.setdefault(industry.code, []).append((industry, papers))
    ordered = [g for round_ in zip_longest(*by_industry.values()) for g in round_ if g]
    for industry, papers in ordered[:EXPERTS]:
        expertise = _expertise(papers, taken)
        if expertise is None:
            continue
        taken.add(expertise)
        discipline = papers[0]["discipline"]
        name, _kind, region_code = places.owner(rng, discipline, industry.code)
        i = len(rows)
        rows.append(
            Expert(
                name=_person(rng),
                institution=name,
                title=rng.choice(EXPERT_TITLES),
                field=industry.field_of(papers[0]),
                fields=[],
                expertise=expertise,
                past_projects="\n".join(f"主持：{p['title']}" for p in papers),
                phone=_phone(rng),
                email=f"expert{i:03d}@example.edu.cn",
                region=places.regions.get(region_code),
                is_demo=True,
            )
        )
    return Expert.objects.bulk_create(rows)


MATCH_TOP = 10  # a demo match pairs a demand with an achievement (or expert) of its field in the engine's top 10
PAIR_RANK = 5  # … chosen within the top 5 at load time, so that the statuses the matches then change (a transferred
# achievement leaves the index) cannot push it out of the product index's top 10


def library_engine(directory: str, records: list[Any]) -> MatchEngine:
    """The engine as the product's index will be (same documents, options and fitted models), over `records`."""
    engine = MatchEngine(directory, vocabulary=index.vocabulary_pairs(), options=index.engine_options())
    engine.rebuild([index.to_doc(r) for r in records])
    return engine


def related(engine: MatchEngine, demand: Demand, by_pk: dict[int, Any], kind: str = "achievement", k: int = PAIR_RANK):
    """The demand's best-ranked record of `kind` and of the demand's field within the engine's top `k`, with its
    hit (None if there is none)."""
    for hit in engine.search(index.query_text(demand), k=k, kind=kind):
        record = by_pk.get(index.parse_id(hit.id)[1])
        # of the demand's field, and sharing at least two terms with it (one shared word is often a generic one)
        if record is not None and record.field == demand.field and len(hit.matched_terms) >= 2:
            return record, hit
    return None


def _matches(rng: random.Random, demands, achievements, experts) -> tuple[int, list[MatchCase]]:
    """A few matches at each workflow step, recommended by the engine over the demo records."""
    published = [a for a in achievements if a.status == Achievement.Status.PUBLISHED]
    open_demands = [d for d in demands if d.status == Demand.Status.PUBLISHED]
    with tempfile.TemporaryDirectory(prefix="kc-demo-") as tmp:
        engine = library_engine(tmp, [*published, *open_demands, *experts])
        plan = ["recommended"] * 6 + ["contacted"] * 4 + ["negotiating"] * 4 + ["signed"] * 3 + ["closed"] * 2
        by_pk = {a.pk: a for a in published}
        cases, events = [], []
        today = dt.date.today()
        # the most confident pairs (highest score), at most four per field so that every industry shows some
        # every second open demand is asked (each search costs ~10 ms; half the demands give pairs enough)
        asked = open_demands[::2]
        found = [(d, *f) for d in asked if (f := related(engine, d, by_pk))]
        found.sort(key=lambda p: -p[2].score)
        pairs, used, per_field = [], set(), Counter()
        for demand, achievement, hit in found:
            if achievement.pk not in used and per_field[demand.field] < 4:
                used.add(achievement.pk)
                per_field[demand.field] += 1
                pairs.append((demand, achievement, hit))
        rng.shuffle(pairs)  # stages drawn at random, not by score
        for stage, (demand, achievement, hit) in zip(plan, pairs, strict=False):
            start = today - dt.timedelta(days=rng.randint(120, 300))  # its last step (≤ 110 days on) not in the future
            dates = {"recommended_on": start}
            order = ["contacted", "negotiating", "signed"]
            reached = (
                order[: order.index(stage) + 1] if stage in order else (["contacted"] if stage == "closed" else [])
            )
            day = start
            for step, attr in zip(order, ("contacted_on", "negotiation_on", "signed_on"), strict=True):
                if step in reached:
                    day += dt.timedelta(days=rng.randint(5, 30))
                    dates[attr] = day
            if stage == "closed":
                dates["closed_on"] = day + dt.timedelta(days=rng.randint(5, 20))
            cases.append(
                MatchCase(
                    demand=demand,
                    achievement=achievement,
                    stage=stage,
                    score=hit.score,
                    matched_terms=hit.matched_terms[:10],
                    is_demo=True,
                    note="演示：双方未达成一致" if stage == "closed" else "",
                    **dates,
                )
            )
            if stage in ("negotiating", "signed"):
                demand.status = Demand.Status.NEGOTIATING if stage == "negotiating" else Demand.Status.SIGNED
                achievement.status = (
                    Achievement.Status.NEGOTIATING if stage == "negotiating" else Achievement.Status.TRANSFERRED
                )
        MatchCase.objects.bulk_create(cases)
        for case in cases:
            previous = ""
            for stage, attr in (
                ("recommended", "recommended_on"),
                ("contacted", "contacted_on"),
                ("negotiating", "negotiation_on"),
                ("signed", "signed_on"),
                ("closed", "closed_on"),
            ):
                if getattr(case, attr):
                    events.append(
                        MatchEvent(
                            match=case,
                            from_stage=previous,
                            to_stage=stage,
                            on=getattr(case, attr),
                            note="演示" if stage != "closed" else case.note,
                        )
                    )
                    previous = stage
        MatchEvent.objects.bulk_create(events)
        # a recommended expert (of the demand's field, in the engine's top 10 experts) for the last open demands
        by_expert = {e.pk: e for e in experts}
        found_experts = [(d, *f) for d in asked if (f := related(engine, d, by_expert, "expert"))]
        found_experts.sort(key=lambda p: -p[2].score)
        expert_cases, fields = [], set()
        for d, expert, hit in found_experts:  # the three most confident, of three fields
            if d.field not in fields and len(expert_cases) < 3:
                fields.add(d.field)
                expert_cases.append(
                    MatchCase(
                        demand=d,
                        expert=expert,
                        score=hit.score,
                        matched_terms=hit.matched_terms[:10],
                        recommended_on=today - dt.timedelta(days=10),
                        is_demo=True,
                    )
                )
        MatchCase.objects.bulk_create(expert_cases)
    Demand.objects.bulk_update([c.demand for c in cases], ["status"])
    Achievement.objects.bulk_update([c.achievement for c in cases], ["status"])
    return len(cases) + len(expert_cases), [c for c in cases if c.stage == "signed"]


CONTRACT_TYPES = (  # (type, weight, sub-types drawn from registration.SUB_TYPES)
    (ContractType.DEVELOPMENT, 45, registration.SUB_TYPES["development"]),
    (ContractType.SERVICE, 30, registration.SUB_TYPES["service"]),
    (ContractType.TRANSFER, 13, ("专利权转让", "技术秘密转让", "专利实施许可")),  # 2001: licences under 转让
    (ContractType.CONSULTING, 7, registration.SUB_TYPES["consulting"]),
    (ContractType.LICENCE, 5, registration.SUB_TYPES["licence"]),
)
TYPE_WORDS = {
    "development": "技术开发",
    "service": "技术服务",
    "transfer": "技术转让",
    "consulting": "技术咨询",
    "licence": "技术许可",
}
PROJECT_WORDS = (
    "高性能氧化铝陶瓷基板",
    "氟橡胶密封件",
    "锂电池正极材料",
    "工业机器人视觉定位",
    "污水深度处理",
    "中药配方颗粒",
    "智能制造执行系统",
    "余热回收装置",
    "氢燃料电池电堆",
    "功率半导体封装",
    "耐火材料",
    "有机硅单体",
    "数控机床热误差补偿",
    "大棚智能温控",
    "VOC废气治理",
)


IN_PROGRESS = (
    Contract.Status.SUBMITTED,
    Contract.Status.ACCEPTED,
    Contract.Status.NEEDS_CORRECTION,
    Contract.Status.REFUSED,
)


def _contracts(rng: random.Random, places: Places, signed_matches: list[MatchCase]) -> int:
    region_list = [r for r in places.regions.values() if r.in_partition]
    zones = [r for r in places.regions.values() if not r.in_partition]
    types = [t for t, w, _s in CONTRACT_TYPES for _ in range(w)]
    subs = {t: s for t, _w, s in CONTRACT_TYPES}
    # Relative to today, so that a demo loaded in any year has this year's turnover (a partial year).
    today = dt.date.today()
    this_year = today.year
    plan = [(this_year - 4, 40), (this_year - 3, 48), (this_year - 2, 54), (this_year - 1, 58), (this_year, 30)]
    serial = {}
    in_progress_shown = 0
    contracts, parties, items, events = [], [], [], []
    for year, n in plan:
        for _ in range(n):
            kind = rng.choice(types)
            months = 12 if year < this_year else max(1, today.month - 2)
            signed = dt.date(year, rng.randint(1, months), rng.randint(1, 28))
            # never in the future: a demo loaded in November must not show December's applications
            submitted = min(signed + dt.timedelta(days=rng.randint(3, 40)), dt.date.today())
            version = registration.rule_version_for(submitted)
            if kind == ContractType.LICENCE and version == "2001":
                kind = ContractType.TRANSFER
            sub = rng.choice(subs[kind])
            if kind == ContractType.TRANSFER and version == "2026" and "许可" in sub:
                kind = ContractType.LICENCE
            seller_local = rng.random() < 0.72
            buyer_local = rng.random() < 0.6 or not seller_local
            seller_region = rng.choice(region_list + zones) if seller_local else None
            buyer_region = rng.choice(region_list + zones) if buyer_local else None
            total = Decimal(round(rng.lognormvariate(3.6, 1.0), 2)).quantize(Decimal("0.01"))
            if total < 5:
                total = Decimal("5.00")
            deducted = Decimal(0)
            contract_items = []
            if kind in (ContractType.DEVELOPMENT, ContractType.SERVICE) and rng.random() < 0.25:
                deducted = (total * Decimal(rng.choice(("0.1", "0.2", "0.3")))).quantize(Decimal("0.01"))
                contract_items.append(
                    NonTechnicalItem(kind="equipment", description="配套设备（演示）", amount_wan=deducted)
                )
            status = Contract.Status.REGISTERED
            if year == this_year:
                if rng.random() < 0.25:
                    status = rng.choice(IN_PROGRESS)
                if in_progress_shown < len(IN_PROGRESS):  # every workflow state is in the demo, at any date
                    status = IN_PROGRESS[in_progress_shown]
                    in_progress_shown += 1
            registered_on = submitted + dt.timedelta(days=rng.randint(5, 25))
            if status == Contract.Status.REGISTERED and registered_on > dt.date.today():
                status, registered_on = Contract.Status.ACCEPTED, None
            if status != Contract.Status.REGISTERED:
                registered_on = None
            number = ""
            if status == Contract.Status.REGISTERED:
                serial[registered_on.year] = serial.get(registered_on.year, 0) + 1
                number = registration.old_registration_number(
                    registered_on.year, serial[registered_on.year], city_code=places.city.admin_code
                )
            region = seller_region or buyer_region
            subject = rng.choice(PROJECT_WORDS)
            contract = Contract(
                registration_number=number,
                rule_version=version,
                contract_type=kind,
                sub_type=sub,
                project_name=f"{subject}{TYPE_WORDS[kind]}（演示）",
                subject=f"{subject}相关技术的{sub}，明确技术指标、验收标准和知识产权归属。",
                tech_field=rng.choice(
                    (
                        "new_materials",
                        "advanced_manufacturing",
                        "electronic_info",
                        "new_energy",
                        "environment",
                        "biomedicine",
                        "agriculture",
                    )
                ),
                region=region,
                signed_on=signed,
                valid_from=signed,
                valid_until=signed + dt.timedelta(days=rng.choice((180, 365, 730))),
                submitted_on=submitted,
                accepted_on=min(submitted + dt.timedelta(days=2), registered_on or dt.date.today())
                if status != Contract.Status.SUBMITTED
                else None,
                registered_on=registered_on,
                total_amount_wan=total,
                technology_amount_wan=(total - deducted) if status == Contract.Status.REGISTERED else None,
                quantified_goal="关键性能指标提高20%（演示）" if kind == ContractType.DEVELOPMENT else "",
                acceptance_clause=kind == ContractType.DEVELOPMENT,
                ip_ownership_stated=kind in (ContractType.TRANSFER, ContractType.LICENCE),
                licence_scope="ordinary" if "许可" in sub else "",
                deliverable="技术咨询报告" if kind == ContractType.CONSULTING else "",
                status=status,
                status_reason="演示：技术标的不明确"
                if status in (Contract.Status.REFUSED, Contract.Status.NEEDS_CORRECTION)
                else "",
                is_demo=True,
            )
            contracts.append(contract)
            seller_name, seller_type, _r = places.institutions[rng.randrange(len(places.institutions))]
            if not seller_local:
                city_name, code = rng.choice(places.outside)
                seller = ContractParty(
                    role="seller",
                    name=f"{city_name}{rng.choice(ENTERPRISE_STEMS)}科技有限公司",
                    nature=InstitutionType.ENTERPRISE,
                    region=None,
                    region_code=code,
                )
            else:
                if rng.random() < 0.5:
                    seller_name, seller_type = _enterprise(rng, places.city, "科技"), InstitutionType.ENTERPRISE
                seller = ContractParty(
                    role="seller",
                    name=seller_name,
                    nature=seller_type,
                    region=seller_region,
                    region_code=seller_region.region_code,
                )
            if buyer_local:
                buyer = ContractParty(
                    role="buyer",
                    name=_enterprise(rng, places.city, rng.choice(("陶瓷", "化工", "机械", "医药"))),
                    nature=InstitutionType.ENTERPRISE,
                    region=buyer_region,
                    region_code=buyer_region.region_code,
                )
            else:
                city_name, code = rng.choice(places.outside)
                buyer = ContractParty(
                    role="buyer",
                    name=f"{city_name}{rng.choice(ENTERPRISE_STEMS)}集团有限公司",
                    nature=InstitutionType.ENTERPRISE,
                    region=None,
                    region_code=code,
                )
            parties.append((contract, [seller, buyer]))
            items.append((contract, contract_items))
    for (
        case
    ) in signed_matches:  # the signed matches' contracts: the achievement's owner sells to the demand's enterprise
        contract, case_parties = _match_contract(rng, case, serial, places)
        contracts.append(contract)
        parties.append((contract, case_parties))
        items.append((contract, []))
    Contract.objects.bulk_create(contracts)
    rows = []
    for contract, ps in parties:
        for p in ps:
            p.contract = contract
            rows.append(p)
    ContractParty.objects.bulk_create(rows)
    item_rows = []
    for contract, its in items:
        for item in its:
            item.contract = contract
            item_rows.append(item)
    NonTechnicalItem.objects.bulk_create(item_rows)
    for c in contracts:
        events.append(
            ContractEvent(contract=c, from_status="draft", to_status="submitted", on=c.submitted_on, note="演示")
        )
        if c.status != Contract.Status.SUBMITTED:
            events.append(
                ContractEvent(
                    contract=c,
                    from_status="submitted",
                    to_status=c.status,
                    on=c.registered_on or c.accepted_on or c.submitted_on,
                    note="演示",
                )
            )
    ContractEvent.objects.bulk_create(events)
    return len(contracts)


def _match_contract(
    rng: random.Random, case: MatchCase, serial: dict[int, int], places: Places
) -> tuple[Contract, list[ContractParty]]:
    """A registered development contract for a signed match: its demand, achievement and field."""
    demand, achievement = case.demand, case.achievement
    signed = case.signed_on
    submitted = min(signed + dt.timedelta(days=rng.randint(3, 15)), dt.date.today())
    registered = min(submitted + dt.timedelta(days=rng.randint(3, 10)), dt.date.today())
    serial[registered.year] = serial.get(registered.year, 0) + 1
    total = Decimal(rng.choice((30, 50, 80, 120))).quantize(Decimal("0.01"))
    seller_region = achievement.region or demand.region
    contract = Contract(
        registration_number=registration.old_registration_number(
            registered.year, serial[registered.year], city_code=places.city.admin_code
        ),
        rule_version=registration.rule_version_for(submitted),
        contract_type=ContractType.DEVELOPMENT,
        sub_type=registration.SUB_TYPES["development"][0],
        project_name=f"{demand.title[:60]}（{TYPE_WORDS['development']}，演示）",
        subject=f"应用“{achievement.title[:80]}”的成果解决：{demand.description[:120]}",
        tech_field=CONTRACT_FIELD_OF[achievement.field],
        region=seller_region,
        signed_on=signed,
        valid_from=signed,
        valid_until=signed + dt.timedelta(days=365),
        submitted_on=submitted,
        accepted_on=submitted,
        registered_on=registered,
        total_amount_wan=total,
        technology_amount_wan=total,
        quantified_goal="关键性能指标提高20%（演示）",
        acceptance_clause=True,
        status=Contract.Status.REGISTERED,
        demand=demand,
        achievement=achievement,
        match=case,
        is_demo=True,
    )
    parties = [
        ContractParty(
            role="seller",
            name=achievement.owner_name,
            nature=achievement.owner_type,
            region=seller_region,
            region_code=seller_region.region_code,
        ),
        ContractParty(
            role="buyer",
            name=demand.enterprise_name,
            nature=InstitutionType.ENTERPRISE,
            region=demand.region,
            region_code=demand.region.region_code,
        ),
    ]
    return contract, parties
