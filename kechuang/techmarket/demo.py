"""Demo data for `make run` (idempotent): achievements made from the bundled Apache-2.0 part of CSL, demands in
enterprise language, experts, matches at each workflow step and registered contracts over the last five years
(this year's so far).

Everything is marked `is_demo`; names of enterprises and people are invented. Built with bulk inserts (one audit
entry for the whole load) and indexed once after the transaction commits, so the load takes a few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from kechuang.core import audit
from kechuang.core.codes import TechField
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit
from kechuang.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from kechuang.techmarket import feed, index, registration
from kechuang.techmarket.matching import BUNDLED_CSL, MatchDoc, MatchEngine
from kechuang.techmarket.matching.corpus import read_jsonl
from kechuang.techmarket.matching.vocabulary_seed import SEED
from kechuang.techmarket.models import (
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

ACHIEVEMENTS = 700  # of the 1,100 bundled records in applied disciplines; the next 400 make the experts
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

    @classmethod
    def of(cls, city: OrgUnit) -> Places:
        data = city_demo_data(Path(__file__).resolve().parent, city)
        quiet = set(data.get("quiet_regions", ()))
        regions = {r.code: r for r in OrgUnit.objects.regions().filter(parent=city) if r.code not in quiet}
        codes = list(regions) or [None]
        institutions = tuple(tuple(row) for row in data.get("institutions", ())) or tuple(
            (name.format(city=city.bare_name), kind, codes[i % len(codes)])
            for i, (name, kind) in enumerate(GENERIC_INSTITUTIONS)
        )
        outside = tuple(tuple(row) for row in data.get("outside", ())) or GENERIC_OUTSIDE
        return cls(city, regions, institutions, outside)


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


def _pick_records(n: int) -> list[dict]:
    """CSL records of applied disciplines; those that use a vocabulary term first (so demands find them)."""
    technical = {t for _i, _l, terms in SEED for t in terms}
    records = [r for r in read_jsonl(BUNDLED_CSL) if r.get("discipline") in DISCIPLINE_FIELD]
    with_terms = [r for r in records if any(t in r["title"] + r["abstract"] for t in technical)]
    rest = [r for r in records if r not in with_terms]
    return (with_terms + rest)[:n]


def ensure_vocabulary() -> int:
    """Seed terms the vocabulary lacks (the migration seeds a new database; this mends a flushed one)."""
    from kechuang.techmarket.models import VocabularyTerm

    existing = set(VocabularyTerm.objects.values_list("lay", flat=True))
    missing = [
        VocabularyTerm(lay=lay, technical=list(technical), industry=industry)
        for industry, lay, technical in SEED
        if lay not in existing
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
    places = Places.of(city)
    achievements = _achievements(rng, places)
    demands = _demands(rng, places)
    experts = _experts(rng, places)
    matches = _matches(rng, demands, achievements, experts)
    contracts = _contracts(rng, places)
    audit.record(
        actor=None,
        action=audit.Action.IMPORT,
        object_type="techmarket.demo",
        object_label="technology market demo data",
        detail={
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


def _feed_indicators() -> None:
    registered = Contract.objects.filter(status=Contract.Status.REGISTERED, registered_on__isnull=False)
    feed.turnover_changed({d.year for d in registered.values_list("registered_on", flat=True)})


def _rebuild_index() -> None:
    index.rebuild()


def _ensure_index() -> None:
    index.ensure_built()


def _achievements(rng: random.Random, places: Places) -> list[Achievement]:
    rows = []
    modes = [m for m, _l in TransferMode.choices]
    for i, r in enumerate(_pick_records(ACHIEVEMENTS)):
        name, kind, region_code = places.institutions[rng.randrange(len(places.institutions))]
        text = r["title"] + r["abstract"]
        status = Achievement.Status.PUBLISHED
        if i % 40 == 7:
            status = Achievement.Status.DRAFT
        elif i % 50 == 13:
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
                field=DISCIPLINE_FIELD[r["discipline"]],
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


def _experts(rng: random.Random, places: Places) -> list[Expert]:
    by_field: dict[str, list[dict]] = {}
    for r in _pick_records(ACHIEVEMENTS + 400)[ACHIEVEMENTS:]:
        by_field.setdefault(DISCIPLINE_FIELD[r["discipline"]], []).append(r)
    fields = list(by_field)
    rows = []
    for i in range(EXPERTS):
        field = fields[i % len(fields)]
        pool = by_field[field]
        papers = [pool[(i * 3 + k) % len(pool)] for k in range(3)]
        keywords = list(dict.fromkeys(k for p in papers for k in p.get("keywords", [])))[:8]
        name, _kind, region_code = places.institutions[i % 9]
        other = [f for f in rng.sample(list(by_field), 2) if f != field][:1]
        rows.append(
            Expert(
                name=_person(rng),
                institution=name,
                title=rng.choice(EXPERT_TITLES),
                field=field,
                fields=other,
                expertise="长期从事" + "、".join(keywords[:5]) + "等方向的研究与工程应用。",
                past_projects="\n".join(f"主持：{p['title']}" for p in papers),
                phone=_phone(rng),
                email=f"expert{i:03d}@example.edu.cn",
                region=places.regions.get(region_code),
                is_demo=True,
            )
        )
    return Expert.objects.bulk_create(rows)


def _matches(rng: random.Random, demands, achievements, experts) -> int:
    """A few matches at each workflow step, recommended by the engine over the demo records."""
    published = [a for a in achievements if a.status == Achievement.Status.PUBLISHED]
    open_demands = [d for d in demands if d.status == Demand.Status.PUBLISHED]
    with tempfile.TemporaryDirectory(prefix="kc-demo-") as tmp:
        engine = MatchEngine(tmp, vocabulary=index.vocabulary_pairs())
        engine.rebuild(
            [
                MatchDoc(
                    id=str(a.pk), kind="achievement", title=a.title, text=a.abstract, keywords=a.keywords, field=a.field
                )
                for a in published
            ],
            fit=False,
        )
        plan = ["recommended"] * 6 + ["contacted"] * 4 + ["negotiating"] * 4 + ["signed"] * 3 + ["closed"] * 2
        by_pk = {a.pk: a for a in published}
        cases, events = [], []
        today = dt.date.today()
        for stage, demand in zip(plan, open_demands[:: max(1, len(open_demands) // len(plan))], strict=False):
            hits = engine.search(f"{demand.title}\n{demand.description}", k=1, kind="achievement")
            if not hits:
                continue
            achievement = by_pk[int(hits[0].id)]
            start = today - dt.timedelta(days=rng.randint(40, 200))
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
                    score=hits[0].score,
                    matched_terms=hits[0].matched_terms[:10],
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
    Demand.objects.bulk_update([c.demand for c in cases], ["status"])
    Achievement.objects.bulk_update([c.achievement for c in cases], ["status"])
    # a recommended expert for the first open demands
    for demand, expert in zip(open_demands[-3:], experts[:3], strict=False):
        MatchCase.objects.create(
            demand=demand, expert=expert, recommended_on=today - dt.timedelta(days=10), is_demo=True
        )
    return len(cases) + min(3, len(open_demands), len(experts))


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


def _contracts(rng: random.Random, places: Places) -> int:
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
