"""The domain vocabulary as data (issue 13): every entry of matching/data/vocabulary.yaml names its source, the
file is checked as it is read, and the database gets the entries with their sources."""

import re

import pytest

from kechuang.techmarket.matching.vocabulary_seed import SEED, VOCABULARY_FILE, default_vocabulary, read_entries

CITY_INDUSTRIES = {"陶瓷", "化工", "氟硅新材料", "医药", "新材料", "新能源", "机械", "环保", "纺织"}


def test_every_entry_names_its_source_and_the_citys_industries_are_covered():
    rows = read_entries()
    assert len(rows) == len(SEED) >= 200
    assert all(row["source"].strip() for row in rows)
    assert {row["industry"] for row in rows} >= CITY_INDUSTRIES
    pairs = dict(default_vocabulary())
    # trade names, common names and shop-floor words of the city's industries
    assert pairs["玻璃钢"] == ["玻璃纤维增强塑料", "玻璃纤维复合材料"]
    assert pairs["顺酐"][0] == "顺丁烯二酸酐"
    assert pairs["耐材"] == ["耐火材料"]
    assert pairs["油缸"] == ["液压缸"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {industry: 化工, lay: 烧碱, technical: [氢氧化钠]}\n", "entry 1 ('烧碱'): no source"),
        ("- {industry: 化工, lay: 烧碱, technical: 氢氧化钠, source: 俗名}\n", "technical must be a list"),
        (
            "- {industry: 化工, lay: 烧碱, technical: [氢氧化钠], source: 俗名}\n"
            "- {industry: 化工, lay: 烧碱, technical: [苛性钠], source: 俗名}\n",
            "entry 2 ('烧碱'): lay term listed twice",
        ),
        ("- {industry: 化工, technical: [氢氧化钠], source: 俗名}\n", "no lay"),
    ],
)
def test_a_bad_entry_is_refused_naming_it(tmp_path, text, message):
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        read_entries(path)


@pytest.mark.django_db
def test_the_database_holds_the_entries_with_their_sources():
    from kechuang.techmarket.models import VocabularyTerm

    by_lay = {row["lay"]: row for row in read_entries(VOCABULARY_FILE)}
    term = VocabularyTerm.objects.get(lay="玻璃钢")  # seeded by the migrations, its source by 0009
    assert term.technical == by_lay["玻璃钢"]["technical"] and term.source == by_lay["玻璃钢"]["source"]
    assert VocabularyTerm.objects.get(lay="特氟龙").source == by_lay["特氟龙"]["source"]
