"""Fixtures for the matching engine: a small hand-written corpus and the bundled CSL part (no database)."""

from __future__ import annotations

import pytest

from kechuang.techmarket.matching import BUNDLED_CSL, MatchDoc, MatchEngine, load_csl_jsonl

FIXTURE_DOCS = [
    MatchDoc(
        id="a-alumina",
        kind="achievement",
        title="高导热氧化铝陶瓷基板的流延成型与低温烧结",
        text="以氧化铝粉体为原料，采用流延成型和低温烧结工艺制备氧化铝陶瓷基板，热导率达到28 W/(m·K)，"
        "适用于LED封装和功率模块散热。",
        keywords=["氧化铝陶瓷", "陶瓷基板", "流延成型"],
        field="新材料",
    ),
    MatchDoc(
        id="a-ptfe",
        kind="achievement",
        title="聚四氟乙烯微孔膜双向拉伸成型工艺",
        text="通过糊状挤出、压延和双向拉伸制备聚四氟乙烯微孔膜，孔径0.2微米，可用于防水透气和过滤。",
        keywords=["聚四氟乙烯", "微孔膜", "双向拉伸"],
        field="新材料",
    ),
    MatchDoc(
        id="a-cathode",
        kind="achievement",
        title="锂离子电池高镍三元正极材料的包覆改性",
        text="采用原子层沉积在高镍三元正极材料表面包覆氧化铝，提高锂离子电池的循环稳定性和热稳定性。",
        keywords=["锂离子电池", "正极材料", "包覆改性"],
        field="新能源与节能",
    ),
    MatchDoc(
        id="a-robot",
        kind="achievement",
        title="基于机器视觉的工业机器人无序抓取系统",
        text="利用三维视觉定位工件位姿，引导工业机器人完成散乱零件的无序抓取和上下料。",
        keywords=["工业机器人", "机器视觉", "无序抓取"],
        field="先进制造与自动化",
    ),
    MatchDoc(
        id="a-charging",
        kind="achievement",
        title="电动汽车充电设施有序充电调度平台",
        text="根据配电网负荷预测对电动汽车充电设施进行有序充电调度，降低峰值负荷。",
        keywords=["电动汽车", "充电设施", "有序充电"],
        field="新能源与节能",
    ),
    MatchDoc(
        id="a-sludge",
        kind="achievement",
        title="污水处理厂剩余污泥的厌氧消化与资源化利用",
        text="将剩余污泥与餐厨垃圾协同厌氧消化产生生物燃气，沼渣用于土壤改良。",
        keywords=["污泥", "厌氧消化", "资源化利用"],
        field="资源与环境",
    ),
    MatchDoc(
        id="d-tile",
        kind="demand",
        title="瓷砖生产线烧成能耗高，寻求窑炉节能技术",
        text="我公司建筑陶瓷生产线辊道窑能耗偏高，希望引进余热回收和低温快烧技术。",
        keywords=["建筑陶瓷", "窑炉节能"],
        field="新材料",
    ),
    MatchDoc(
        id="d-battery",
        kind="demand",
        title="动力电池正极材料循环寿命提升",
        text="需要提高三元正极材料在高电压下的循环寿命，寻求包覆改性技术合作。",
        keywords=["正极材料", "循环寿命"],
        field="新能源与节能",
    ),
    MatchDoc(
        id="e-silicone",
        kind="expert",
        title="王教授 有机硅材料",
        text="长期从事硅橡胶和有机硅密封胶的改性研究，主持多项氟硅新材料产业化项目。",
        keywords=["硅橡胶", "有机硅"],
        field="新材料",
    ),
]


@pytest.fixture
def engine(tmp_path):
    eng = MatchEngine(tmp_path / "idx")
    eng.rebuild(FIXTURE_DOCS)
    return eng


@pytest.fixture(scope="module")
def fixture_engine(tmp_path_factory):
    """Read-only engine over the fixture corpus, shared by a module (hypothesis needs a non-function fixture)."""
    eng = MatchEngine(tmp_path_factory.mktemp("fixture_idx"))
    eng.rebuild(FIXTURE_DOCS)
    return eng


@pytest.fixture(scope="session")
def csl_bench_docs():
    return load_csl_jsonl(BUNDLED_CSL)


# ---------------------------------------------------------------- the app (database, index in a temporary directory)
@pytest.fixture
def match_index(settings, tmp_path):
    """A fresh persistent index for the app under tmp_path (never var/match_index)."""
    from kechuang.techmarket import index

    settings.TECHMARKET_INDEX_DIR = tmp_path / "match_index"
    index.reset()
    yield index
    index.reset()
