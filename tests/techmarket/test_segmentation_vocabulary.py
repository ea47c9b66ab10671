from kechuang.techmarket.matching import (
    MatchEngine,
    MatchOptions,
    Segmenter,
    Vocabulary,
    default_vocabulary,
    taxonomy_fields,
    taxonomy_words,
)
from kechuang.techmarket.matching.vocabulary_seed import SEED

NATIONAL = [
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
]
ZIBO = ["先进功能陶瓷", "氟硅新材料", "生物医药", "新能源汽车", "集成电路", "氢能", "智能装备", "新医药"]


def test_taxonomy_covers_national_fields_and_zibo_chains():
    fields = taxonomy_fields()
    assert all(name in fields for name in NATIONAL + ZIBO)
    assert "先进功能陶瓷" in taxonomy_words()


def test_dictionary_keeps_domain_terms_whole():
    plain = Segmenter()
    domain = Segmenter(taxonomy_words())
    text = "推动先进功能陶瓷与氟硅新材料产业链发展"
    assert "先进功能陶瓷" not in plain.cut(text)
    tokens = domain.cut(text)
    assert "先进功能陶瓷" in tokens
    assert "氟硅新材料" in tokens


def test_record_keywords_join_the_dictionary_only_when_learned(tmp_path):
    engine = MatchEngine(tmp_path / "idx", dictionary_words=["高熵合金涂层"])
    assert "高熵合金涂层" in engine.segmenter.cut("激光熔覆高熵合金涂层的耐磨性")
    record = {"id": "x1", "title": "钙钛矿叠层电池", "text": "…", "keywords": ["钙钛矿叠层电池"]}
    engine.add(record)  # off by default since issue 13: learned keywords swallowed the demand's own words
    assert "钙钛矿叠层电池" not in engine.segmenter.cut("钙钛矿叠层电池效率")
    learning = MatchEngine(tmp_path / "learn", options=MatchOptions(learn_keywords=True))
    learning.add(record)
    assert "钙钛矿叠层电池" in learning.segmenter.cut("钙钛矿叠层电池效率")


def test_search_mode_terms_include_parts_and_drop_stopwords():
    seg = Segmenter(taxonomy_words())
    terms = seg.terms("寻求先进功能陶瓷的技术")
    assert "先进功能陶瓷" in terms and "陶瓷" in terms
    assert "的" not in terms and "寻求" not in terms


def test_normalisation_full_width():
    seg = Segmenter()
    assert "led" in seg.terms("ＬＥＤ封装")


def test_seed_vocabulary_has_real_mappings_for_zibo_industries():
    pairs = dict(default_vocabulary())
    assert len(pairs) >= 80
    assert pairs["瓷砖"][0] == "建筑陶瓷"
    assert pairs["耐火砖"][0] == "耐火材料"
    assert pairs["氧化铝瓷"] == ["氧化铝陶瓷"]
    assert pairs["特氟龙"] == ["聚四氟乙烯"]
    assert pairs["有机硅胶"] == ["硅橡胶"]
    assert pairs["锂电"] == ["锂离子电池"]
    assert "充电桩" in pairs
    industries = {industry for industry, _lay, _tech in SEED}
    assert {"陶瓷", "化工", "医药", "氟硅新材料", "新能源", "机械"} <= industries


def test_vocabulary_find_prefers_longest_lay_term():
    vocab = Vocabulary.coerce(default_vocabulary())
    found = vocab.find("我们需要特氟龙垫片和锂电池隔膜")
    assert found["特氟龙"] == ["聚四氟乙烯"]
    assert found["锂电池"] == ["锂离子电池"]
    assert "锂电" not in found  # contained in 锂电池


def test_vocabulary_accepts_plain_dict_and_reverse():
    vocab = Vocabulary.coerce({"塑料王": ["聚四氟乙烯"], "": ["x"], "空": []})
    assert len(vocab.entries) == 1
    assert vocab.find("聚四氟乙烯密封件", reverse=True) == {"聚四氟乙烯": ["塑料王"]}
    assert vocab.find("聚四氟乙烯密封件") == {}
