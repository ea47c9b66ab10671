"""The plain lexical core of issue 13: explanations without function words, capped and gated field routing, the
weak-match threshold and the field badge against the demand's own field."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.techmarket.matching import MatchDoc, MatchEngine, MatchOptions, Segmenter, load_csl_jsonl
from kechuang.techmarket.matching.corpus import BUNDLED_CSL
from kechuang.techmarket.matching.segmenter import DEMAND_STOPWORDS

# words that showed as "matched terms" in the walk of issue 13, and their like on the devset's demands
FUNCTION_WORDS = [
    "度",
    "很",
    "性",
    "最好",
    "单位",
    "东西",
    "容易",
    "效果",
    "出来",
    "一会",
    "厉害",
    "得",
    "太",
    "更",
    "更好",
    "想换",
]
CONTENT_WORDS = ["锌", "铜", "膜", "菌", "烧结", "缓释片", "二氧化碳", "ptfe"]


@pytest.fixture(scope="module")
def segmenter():
    return Segmenter()


@pytest.mark.parametrize("word", FUNCTION_WORDS)
def test_function_words_never_explain(segmenter, word):
    assert not segmenter.explains(word)


@pytest.mark.parametrize("word", CONTENT_WORDS)
def test_content_words_explain(segmenter, word):
    assert segmenter.explains(word)


DOCS = [
    MatchDoc(
        id="a-kiln",
        title="陶瓷辊道窑低温快烧工艺",
        text="通过助熔剂降低陶瓷坯体烧结温度，很大程度上减少能耗，单位产品能耗最好的可降低 20%，强度与韧性不变。",
        keywords=["低温烧结", "助熔剂"],
        field="新材料",
    ),
    MatchDoc(
        id="a-steel",
        title="高强度钢焊接残余应力消除",
        text="振动时效消除焊接残余应力，焊缝强度高，韧性好，适用于单位内部的钢结构。",
        keywords=["残余应力", "振动时效"],
        field="先进制造",
    ),
]


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory):
    eng = MatchEngine(tmp_path_factory.mktemp("lexical"), vocabulary=[])
    eng.rebuild(DOCS)
    return eng


def test_matched_terms_hold_no_function_words(small_engine):
    # the demand shares 很, 度, 性, 最好, 单位 with the records: they may score, they never show as a reason
    results = small_engine.search("我们单位陶瓷烧结温度很高，强度和韧性最好不变，能耗要降下来", k=2)
    assert results and results[0].id == "a-kiln"
    for match in results:
        shown = set(match.matched_terms) | {t for ts in match.explanation.field_terms.values() for t in ts}
        assert not shown & set(FUNCTION_WORDS), shown
    assert {"陶瓷", "烧结"} <= set(results[0].matched_terms)


@given(st.text(alphabet="很度性最好单位陶瓷烧结温度强韧钢焊接应力，。的了", max_size=30))
@settings(max_examples=40, deadline=None)
def test_no_query_puts_a_function_word_among_the_reasons(small_engine, text):
    for match in small_engine.search(text, k=2):
        assert not set(match.matched_terms) & set(FUNCTION_WORDS)


# ---------------------------------------------------------------- the lexical core, on the bundled CSL records
# Devset demands (bench/matching_sets/devset.jsonl) with a record graded 2 that is in the bundled part of CSL; the
# paraphrased ones were ranked 7th and 4th by the engine before issue 13 (title boosts, uncapped routing, learned
# keywords), the shared ones first.
DEVSET_CASES = [
    ("减速箱里的齿轮用一阵子就有怪响，想早点发现毛病", "csl-bench-dev-0792", 3),
    ("机器上的轴承坏之前能不能提前知道", "csl-bench-test-0164", 3),
    ("柿子放不住，想存得更久一点", "csl-bench-dev-0773", 1),
    ("齿轮早期磨损的故障诊断", "csl-bench-dev-0792", 1),
    ("半干法烟气脱硫技术", "csl-bench-dev-0779", 1),
    ("炼铁炉子里锌太多老结瘤，想搞清楚锌从哪来到哪去", "csl-bench-dev-0096", 1),
]


@pytest.fixture(scope="module")
def csl_engine(tmp_path_factory):
    eng = MatchEngine(tmp_path_factory.mktemp("csl_lexical"))
    eng.rebuild(load_csl_jsonl(BUNDLED_CSL))
    return eng


@pytest.mark.parametrize(("query", "relevant", "within"), DEVSET_CASES)
def test_devset_demands_find_their_record(csl_engine, query, relevant, within):
    ranked = [m.id for m in csl_engine.search(query, k=10, explain=False)]
    assert relevant in ranked[:within], ranked


def test_defaults_are_the_measured_lexical_core():
    options = MatchOptions()
    assert (options.title_boost, options.keywords_boost) == (0.0, 0.0)
    assert options.learn_keywords is False and options.prf is False
    assert options.route_feedback and options.route_cap == 0.1
    assert options.query_search_mode and options.index_search_mode and options.subterm_weight == 0.5


@given(st.sampled_from([q for q, _, _ in DEVSET_CASES] + ["陶瓷", "废水处理", "轴承 故障"]))
@settings(max_examples=9, deadline=None)
def test_routing_adds_at_most_its_cap(csl_engine, query):
    # the final query holds every first-pass term with its weight, so the top final score bounds the first pass's
    results = csl_engine.search(query, k=20)
    cap = csl_engine.options.route_cap
    for match in results:
        assert match.explanation.field_boost <= cap * results[0].score + 1e-6


def test_record_keywords_do_not_change_how_a_demand_is_cut(tmp_path):
    eng = MatchEngine(tmp_path / "idx", vocabulary=[])
    query = "陶瓷烧结温度太高"
    before = eng.segmenter.terms(query)
    eng.rebuild([MatchDoc(id="a1", title="低温烧结", text="陶瓷", keywords=["陶瓷烧结温度", "烧结温度太高"])])
    assert eng.segmenter.terms(query) == before


# ---------------------------------------------------------------- the field badge and weak matches
def test_field_badge_compares_with_the_demands_own_field(small_engine):
    query = "陶瓷烧结 焊接残余应力"
    assert not any(m.explanation.field_match for m in small_engine.search(query, k=2))  # no field given: no guess
    results = small_engine.search(query, k=2, query_field="先进制造")
    assert {m.id: m.explanation.field_match for m in results} == {"a-steel": True, "a-kiln": False}


@pytest.mark.parametrize("threshold", [0.0, 3.0, 1e9])
def test_weak_flags_follow_the_lexical_score(tmp_path, threshold):
    eng = MatchEngine(tmp_path / "idx", vocabulary=[], options=MatchOptions(weak_score=threshold))
    eng.rebuild(DOCS)
    results = eng.search("陶瓷烧结 韧性", k=2)
    assert results
    assert [m.weak for m in results] == [m.score < threshold for m in results]
    assert all(m.as_dict()["weak"] == m.weak for m in results)


def test_an_index_from_before_the_change_forgets_its_learned_keywords(tmp_path):
    old = MatchEngine(tmp_path / "idx", options=MatchOptions(learn_keywords=True), dictionary_words=["高熵合金涂层"])
    old.add(MatchDoc(id="x1", title="钙钛矿叠层电池", keywords=["钙钛矿叠层电池"]))
    assert "钙钛矿叠层电池" in old.segmenter.words
    (tmp_path / "idx" / "engine.json").write_text('{"schema_version": 3}')
    reopened = MatchEngine(tmp_path / "idx", dictionary_words=["高熵合金涂层"])
    assert reopened.needs_rebuild
    assert "钙钛矿叠层电池" not in reopened.segmenter.words and "高熵合金涂层" in reopened.segmenter.words


@pytest.mark.parametrize(
    ("keep", "present", "absent"),
    [
        (frozenset(), {"烧结", "温度"}, {"技术", "厂", "想找", "的"}),
        (DEMAND_STOPWORDS, {"烧结", "温度", "技术"}, {"的"}),  # the demand boilerplate alone can be kept (the bench)
    ],
)
def test_demand_stopwords_can_be_kept_apart(segmenter, keep, present, absent):
    terms = set(segmenter.terms("我们厂陶瓷烧结能耗太高，想找降低烧结温度的技术", keep=keep))
    assert present <= terms and not absent & terms


# generic words (data/generic_terms.txt) say nothing alone: 降低 and 温度 matched a blast-furnace sinter paper and a
# sintering demand; they still score, they are not shown as reasons
GENERIC_WORDS = ["降低", "温度", "提高", "方法", "处理", "寿命", "替代"]
COMPOUNDS = ["烧结温度", "刀具寿命", "废水处理", "低温烧结"]


@pytest.mark.parametrize("word", GENERIC_WORDS)
def test_generic_words_never_explain(segmenter, word):
    assert not segmenter.explains(word)


@pytest.mark.parametrize("word", COMPOUNDS)
def test_compounds_holding_a_generic_word_explain(segmenter, word):
    assert segmenter.explains(word)


def test_generic_words_score_but_do_not_show(small_engine):
    # the steel record shares only generic words (降低, 温度 are not in it; 消除/强度 are): with the kiln record
    # sharing 烧结, 助熔剂, the reasons shown are the subject words, never 降低 or 温度
    results = small_engine.search("想降低烧结温度，用什么助熔剂", k=2)
    assert results[0].id == "a-kiln"
    shown = set(results[0].matched_terms)
    assert "烧结" in shown or "助熔剂" in shown
    assert not shown & set(GENERIC_WORDS)


def test_a_fragment_across_two_words_is_never_a_reason(tmp_path):
    # the demo walk of issue 13: 生化处理 (a vocabulary word) cut for search gives 生化, 化处, 处理; 风格化处理 in a
    # denim paper gives 化处 too, so "化处" showed as the reason a denim paper matched a pharma wastewater demand
    engine = MatchEngine(tmp_path / "idx", vocabulary={"生化处理": ["生物处理"]})
    engine.rebuild(
        [
            MatchDoc(id="denim", title="牛仔成衣的风格处理", text="对牛仔成衣进行局部风格化处理", kind="achievement"),
            MatchDoc(id="water", title="屠宰废水的生化处理", text="采用厌氧和好氧生化处理屠宰废水", kind="achievement"),
        ]
    )
    results = {m.id: m for m in engine.search("制药厂废水COD高，生化处理效果差", k=5)}
    assert "denim" in results  # it still scores on the fragment; it only does not say so
    assert "化处" not in results["denim"].matched_terms
    assert "生化处理" in results["water"].matched_terms


def test_a_word_the_demand_writes_on_its_own_is_a_reason_though_it_is_also_inside_a_longer_word(tmp_path):
    # 科学 is cut from inside 中国科学院 for search (a fragment there), but this demand also writes 科学 as a word
    # of its own: a record about 科学 matches on the demand's own word, and says so
    engine = MatchEngine(tmp_path / "idx")
    engine.add_many(
        [
            MatchDoc(id="sci", title="科学仪器的国产化", text="面向材料科学的分析仪器研制", kind="achievement"),
            MatchDoc(id="other", title="陶瓷窑炉节能", text="辊道窑余热回收", kind="achievement"),
        ]
    )
    results = {m.id: m for m in engine.search("与中国科学院合作 科学 仪器", k=5)}
    assert "科学" in results["sci"].matched_terms
