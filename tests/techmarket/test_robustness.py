import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.techmarket.matching import MatchEngine, MatchOptions

SYNTAX = ':"()[]^~*+-!{}\\/ AND OR NOT title:text TO'


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "，。！？",
        ':"()[]^~*',
        "title:陶瓷 AND (氧化铝",
        '"unterminated',
        "a" * 5000,
        "陶" * 3000,
        "\x00\ud7ff",
    ],
)
def test_odd_queries_do_not_crash(fixture_engine, query):
    assert isinstance(fixture_engine.search(query, k=5), list)


def test_query_syntax_is_plain_text(fixture_engine):
    # 'kind:demand' must not act as a field query: it is the words kind / demand
    assert fixture_engine.search("kind:demand", k=5) == []
    assert fixture_engine.search('氧化铝陶瓷 AND "基板"', k=1)[0].id == "a-alumina"


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.one_of(
        st.text(),
        st.text(alphabet=SYNTAX),
        st.text(alphabet=st.sampled_from(list(SYNTAX) + list("陶瓷氧化铝锂电特氟龙的了"))),
    ),
    k=st.integers(min_value=-3, max_value=50),
)
def test_search_never_crashes(fixture_engine, query, k):
    results = fixture_engine.search(query, k=k)
    assert isinstance(results, list)
    assert len(results) <= max(k, 0)
    for match in results:
        assert match.explanation is not None


def test_without_an_embedder_the_engine_is_lexical_only(tmp_path):
    engine = MatchEngine(tmp_path / "c", options=MatchOptions(dense=True))
    assert engine.vectors is None and engine.dense_active is False
