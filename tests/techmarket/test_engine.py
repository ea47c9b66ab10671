import json
import time

import pytest

from kechuang.techmarket.matching import MatchDoc, MatchEngine, MatchOptions

from .conftest import FIXTURE_DOCS


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("氧化铝陶瓷基板 导热", "a-alumina"),
        ("特氟龙微孔膜", "a-ptfe"),  # via the vocabulary only: 特氟龙 → 聚四氟乙烯
        ("锂电正极材料包覆", "a-cathode"),
        ("机械手 视觉抓取", "a-robot"),
        ("充电桩调度", "a-charging"),
        ("污泥沼气", "a-sludge"),
    ],
)
def test_relevant_record_ranks_first(fixture_engine, query, expected):
    results = fixture_engine.search(query, k=5, kind="achievement")
    assert results and results[0].id == expected


def test_vocabulary_expansion_finds_what_plain_search_misses(tmp_path):
    plain = MatchEngine(tmp_path / "plain", vocabulary=[])
    plain.rebuild(FIXTURE_DOCS)
    assert [m.id for m in plain.search("特氟龙", k=3)] == []
    expanded = MatchEngine(tmp_path / "vocab", vocabulary={"特氟龙": ["聚四氟乙烯"]})
    expanded.rebuild(FIXTURE_DOCS)
    top = expanded.search("特氟龙", k=3)[0]
    assert top.id == "a-ptfe"
    assert top.explanation.vocabulary == {"特氟龙": ["聚四氟乙烯"]}
    assert "聚四氟乙烯" in top.explanation.matched_expansions


def test_kind_and_field_filters(fixture_engine):
    demands = fixture_engine.search("正极材料 包覆改性", k=10, kind="demand")
    assert [m.id for m in demands] == ["d-battery"]
    experts = fixture_engine.search("硅橡胶 密封胶", k=10, kind="expert")
    assert [m.id for m in experts] == ["e-silicone"]
    in_field = fixture_engine.search("氧化铝", k=10, field="新能源与节能")
    assert [m.id for m in in_field] == ["a-cathode"]
    with pytest.raises(ValueError):
        fixture_engine.search("陶瓷", kind="company")


def test_demand_to_achievement_via_lay_terms(fixture_engine):
    ids = [m.id for m in fixture_engine.search("瓷砖窑炉余热 节能", k=5)]
    assert ids[0] == "d-tile"


def test_search_like_an_achievement_finds_demands(fixture_engine):
    results = fixture_engine.search_like("a-cathode", k=3, kind="demand")
    assert results[0].id == "d-battery"
    assert all(m.id != "a-cathode" for m in fixture_engine.search_like("a-cathode", k=10))


def test_incremental_add_update_delete_visible_to_search(engine):
    assert engine.search("钙钛矿") == []
    engine.add(
        MatchDoc(id="a-new", title="钙钛矿太阳能电池封装", text="柔性钙钛矿电池的阻水封装", field="新能源与节能")
    )
    assert [m.id for m in engine.search("钙钛矿", k=3)] == ["a-new"]
    assert len(engine) == len(FIXTURE_DOCS) + 1

    engine.update({"id": "a-new", "title": "有机光伏电池封装", "text": "柔性有机光伏电池的阻水封装"})
    assert engine.search("钙钛矿") == []
    assert engine.search("有机光伏", k=1)[0].id == "a-new"
    assert len(engine) == len(FIXTURE_DOCS) + 1

    engine.add({"id": "a-new", "title": "有机光伏电池封装第二版", "text": "阻水封装"})  # add replaces
    assert len(engine) == len(FIXTURE_DOCS) + 1

    assert engine.delete("a-new") is True
    assert "a-new" not in [m.id for m in engine.search("有机光伏", k=20)]
    assert engine.delete("a-new") is False
    with pytest.raises(KeyError):
        engine.update({"id": "a-missing", "title": "x"})


def test_bad_documents_are_refused(engine):
    with pytest.raises(ValueError):
        engine.add({"id": "", "title": "x"})
    with pytest.raises(ValueError):
        engine.add({"id": "x", "kind": "company", "title": "x"})


def test_persistence_reopen_index_dir(tmp_path):
    path = tmp_path / "idx"
    first = MatchEngine(path, dictionary_words=["流延成型工艺"])
    first.rebuild(FIXTURE_DOCS)
    del first
    reopened = MatchEngine(path)
    assert len(reopened) == len(FIXTURE_DOCS)
    assert "流延成型工艺" in reopened.segmenter.words
    assert "氧化铝陶瓷" in reopened.segmenter.words  # learned from a record's keywords
    top = reopened.search("氧化铝陶瓷基板", k=1)[0]
    assert top.id == "a-alumina"
    assert top.explanation.query_fields  # the classifier was saved and reloaded
    reopened.add({"id": "a-late", "title": "石墨烯导热膜", "text": "石墨烯导热膜的制备"})
    assert MatchEngine(path).search("石墨烯", k=1)[0].id == "a-late"


def test_schema_change_requires_rebuild(tmp_path):
    path = tmp_path / "idx"
    MatchEngine(path).rebuild(FIXTURE_DOCS)
    (path / "engine.json").write_text(json.dumps({"schema_version": -1}))
    reopened = MatchEngine(path)
    assert reopened.needs_rebuild and len(reopened) == 0


def test_explanation_fields(fixture_engine):
    # a demand in 新材料 (its own field, for the badge); records' keywords (微孔膜) are not learned as words (issue 13)
    top = fixture_engine.search("特氟龙 微孔膜 拉伸", k=3, query_field="新材料")[0]
    exp = top.explanation
    assert top.id == "a-ptfe"
    assert top.matched_terms == exp.matched_terms
    assert {"聚四氟乙烯", "微孔"} <= set(exp.matched_terms)
    assert "微孔" in exp.field_terms["title"]
    assert "微孔" in exp.field_terms["keywords"]
    assert exp.vocabulary == {"特氟龙": ["聚四氟乙烯"]}
    assert "聚四氟乙烯" in exp.matched_expansions
    assert exp.highlights and "<mark>" in exp.snippet_html
    marked = [exp.snippet[a:b] for a, b in exp.highlights]  # adjacent highlighted tokens are merged
    assert any(term in span for span in marked for term in ("聚四氟乙烯", "微孔", "拉伸"))
    assert exp.query_fields[0][0] == "新材料" and top.field == "新材料" and exp.field_match
    assert exp.field_boost > 0
    payload = json.dumps(top.as_dict(), ensure_ascii=False)
    assert '"matched_terms"' in payload and '"snippet_html"' in payload


def test_snippet_is_readable_text(fixture_engine):
    exp = fixture_engine.search("LED封装 散热", k=1)[0].explanation
    assert "制备氧化铝陶瓷基板,热导率达到28 W/(m·K),适用于LED封装" in exp.snippet  # token separators removed
    assert "LED封装" in [exp.snippet[a:b] for a, b in exp.highlights]  # adjacent matches merge into one span


def test_prf_and_lsa_explain_their_terms(tmp_path, csl_bench_docs):
    options = MatchOptions(prf=True, lsa=True)
    engine = MatchEngine(tmp_path / "csl", options=options)
    engine.rebuild(csl_bench_docs[:600])
    results = engine.search("锂离子电池正极材料", k=5)
    assert results
    exp = results[0].explanation
    assert exp.prf_terms and exp.lsa_terms
    assert set(exp.matched_expansions) <= set(exp.prf_terms) | set(exp.lsa_terms) | {
        t for terms in exp.vocabulary.values() for t in terms
    }


def test_add_is_searchable_when_it_returns(engine):
    start = time.perf_counter()
    engine.add({"id": "a-fast", "title": "碳化硅功率模块", "text": "碳化硅MOSFET功率模块封装"})
    hits = engine.search("碳化硅功率模块", k=1)
    assert hits[0].id == "a-fast"
    assert time.perf_counter() - start >= 0  # timings are measured in bench/matching.py, not asserted


def test_refit_from_the_index_learns_later_adds(engine):
    engine.add({"id": "a-h2", "title": "质子交换膜电解水制氢", "text": "电解水制氢的质子交换膜", "field": "氢能"})
    engine.refit()  # no docs given: every stored record, including the one just added
    assert "氢能" in engine.model.classifier.fields
    assert {d.id for d in engine.iter_docs()} >= {"a-h2", "a-alumina"}


def _leak_docs(source_field: str, source_extra: str = "") -> list[MatchDoc]:
    """A query's own record (`src`) and neighbours in two fields; only `src`'s field and text differ."""
    return [
        MatchDoc(
            id="src",
            title="陶瓷辊道窑低温快烧节能工艺",
            text=f"陶瓷 辊道窑 低温快烧 节能 陶瓷 辊道窑 低温快烧 节能 {source_extra}",
            field=source_field,
        ),
        MatchDoc(id="b-kiln", title="辊道窑余热回收", text="辊道窑 节能 余热回收 烟气", field="能源"),
        MatchDoc(id="b-fire", title="低温快烧配方", text="低温快烧 坯体 配方 节能", field="能源"),
        MatchDoc(id="m-ceramic", title="陶瓷釉料", text="陶瓷 釉料 色料 光泽", field="材料"),
        MatchDoc(id="m-glaze", title="陶瓷坯体增强", text="陶瓷 坯体 强度", field="材料"),
        *(
            MatchDoc(id=f"x-{i}", title=f"无关记录{i}", text="数据库 索引 查询 优化", field="计算机")
            for i in range(20)  # enough records that feedback terms pass its document-frequency cap
        ),
    ]


def test_excluded_record_does_not_steer_field_routing(tmp_path):
    """The query's own record is kept out of the first pass too: its field cannot route the query (the DISC leak)."""
    query = "陶瓷辊道窑低温快烧节能工艺"
    ranked = {}
    for source_field in ("材料", "能源"):
        engine = MatchEngine(tmp_path / source_field, vocabulary=[])
        engine.rebuild(_leak_docs(source_field))
        hits = engine.search(query, k=8, exclude_ids=["src"])
        assert "src" not in [m.id for m in hits]
        ranked[source_field] = [(m.id, round(m.score, 4)) for m in hits]
    assert ranked["材料"] == ranked["能源"]


def test_excluded_record_does_not_feed_pseudo_relevance_feedback(tmp_path):
    engine = MatchEngine(tmp_path / "prf", vocabulary=[], options=MatchOptions(prf=True, prf_max_query_terms=0))
    engine.rebuild(_leak_docs("材料", source_extra="钛酸钡 钛酸钡 钛酸钡"))
    hits = engine.search("陶瓷辊道窑低温快烧节能工艺", k=8, exclude_ids=["src"])
    assert hits and all("钛酸钡" not in m.explanation.prf_terms for m in hits)
    kept = engine.search("陶瓷辊道窑低温快烧节能工艺", k=8)
    assert kept[0].id == "src" and "钛酸钡" in kept[0].explanation.prf_terms  # the test can see a leak
