"""The graded metrics of the demand-style sets (bench/matching.py): nDCG@10, precision@10, recall@50, bootstrap."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.techmarket.matching.evaluation import graded_metrics, paired_bootstrap

L2 = math.log2


@pytest.mark.parametrize(
    ("ranked", "grades", "expected"),
    [
        # perfect order: 2 before 1
        (["a", "b"], {"a": 2, "b": 1}, {"ndcg@10": 1.0, "precision@10": 0.2, "recall@50": 1.0, "judged@10": 0.2}),
        # swapped: dcg = 1 + 2/log2(3), idcg = 2 + 1/log2(3)
        (
            ["b", "a"],
            {"a": 2, "b": 1},
            {"ndcg@10": (1 + 2 / L2(3)) / (2 + 1 / L2(3)), "precision@10": 0.2, "recall@50": 1.0, "judged@10": 0.2},
        ),
        # an unlabelled record counts as 0; a grade-0 record is judged but not relevant
        (
            ["x", "z", "a"],
            {"a": 1, "z": 0},
            {"ndcg@10": (1 / L2(4)) / 1.0, "precision@10": 0.1, "recall@50": 1.0, "judged@10": 0.2},
        ),
        # the relevant record beyond 10 counts for recall@50 only
        (
            [f"n{i}" for i in range(10)] + ["a"],
            {"a": 2, "b": 1},
            {"ndcg@10": 0.0, "precision@10": 0.0, "recall@50": 0.5, "judged@10": 0.0},
        ),
        # beyond 50 it counts for nothing
        (
            [f"n{i}" for i in range(50)] + ["a"],
            {"a": 2},
            {"ndcg@10": 0.0, "precision@10": 0.0, "recall@50": 0.0, "judged@10": 0.0},
        ),
        # more relevant records than 10: the ideal is the best 10 grades
        (
            [f"r{i}" for i in range(10)],
            {**{f"r{i}": 1 for i in range(12)}, "top": 2},
            {
                "ndcg@10": sum(1 / L2(i + 2) for i in range(10)) / (2 + sum(1 / L2(i + 2) for i in range(1, 10))),
                "precision@10": 1.0,
                "recall@50": 10 / 13,
                "judged@10": 1.0,
            },
        ),
    ],
)
def test_graded_metrics(ranked, grades, expected):
    got = graded_metrics(ranked, grades)
    assert got is not None and got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


@pytest.mark.parametrize("grades", [{}, {"a": 0, "b": 0}])
def test_query_without_relevant_records_is_not_scored(grades):
    assert graded_metrics(["a", "b"], grades) is None


ids = st.sampled_from([f"d{i}" for i in range(30)])
label_sets = st.dictionaries(ids, st.integers(0, 2), min_size=1, max_size=30)


@given(ranked=st.lists(ids, unique=True, max_size=30), grades=label_sets)
def test_metrics_stay_in_unit_interval(ranked, grades):
    m = graded_metrics(ranked, grades)
    if m is None:
        assert not any(g >= 1 for g in grades.values())
        return
    for value in m.values():
        assert 0.0 <= value <= 1.0 + 1e-12


@given(grades=label_sets, noise=st.lists(st.sampled_from(["u1", "u2", "u3"]), unique=True))
def test_ideal_order_gives_ndcg_one(grades, noise):
    ranked = sorted(grades, key=lambda d: -grades[d]) + noise
    m = graded_metrics(ranked, grades)
    if m is not None:
        assert m["ndcg@10"] == pytest.approx(1.0)


def test_bootstrap_interval():
    mean, lo, hi = paired_bootstrap([0.5] * 20, [0.5] * 20)
    assert (mean, lo, hi) == (0.0, 0.0, 0.0)
    a = [0.9, 0.8, 0.7, 0.95, 0.85, 0.6, 0.9, 0.75]
    b = [0.5, 0.6, 0.4, 0.55, 0.5, 0.65, 0.3, 0.45]
    mean, lo, hi = paired_bootstrap(a, b, resamples=2000)
    assert mean == pytest.approx(sum(a) / 8 - sum(b) / 8)
    assert lo <= mean <= hi and lo > 0
    assert paired_bootstrap(a, b, resamples=2000) == (mean, lo, hi)  # seeded: reproducible
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 2.0])


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=15))
def test_bootstrap_interval_holds_the_mean(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    mean, lo, hi = paired_bootstrap(a, b, resamples=200)
    assert lo - 1e-9 <= mean <= hi + 1e-9


def test_a_set_without_labels_is_unlabelled_not_zero():
    from bench.matching import graded_summary

    queries = [{"id": "q1", "group": "shared"}, {"id": "q2", "group": "shared"}]
    ranked = {"engine": {"q1": ["a", "b"], "q2": ["c"]}, "baseline": {"q1": ["b", "a"], "q2": ["d"]}}
    empty = graded_summary(queries, ranked, {})
    assert empty["status"] == "unlabelled" and "engine" not in empty
    nothing_relevant = graded_summary(queries, ranked, {"q1": {"a": 0}})
    assert nothing_relevant["status"] == "unlabelled" and nothing_relevant["labelled"] == 1
    labelled = graded_summary(queries, ranked, {"q1": {"a": 2, "b": 1}, "q2": {"d": 1}})
    assert labelled["status"] == "labelled" and labelled["scored"] == 2
    assert labelled["engine"]["precision@10"] == pytest.approx(0.1)  # (0.2 + 0.0) / 2
    assert labelled["baseline"]["precision@10"] == pytest.approx(0.15)  # (0.2 + 0.1) / 2
    diff = labelled["engine_minus_baseline_precision@10"]
    assert diff["mean"] == pytest.approx(-0.05) and diff["ci95"][0] <= diff["mean"] <= diff["ci95"][1]


@pytest.mark.parametrize(
    "line",
    [
        '{"qid": "q1", "doc_id": "a", "grade": 3}',
        '{"qid": "q1", "doc_id": "a", "grade": "2"}',
        '{"qid": "q1", "grade": 1}',
    ],
)
def test_bad_label_lines_are_refused_with_their_line(tmp_path, line):
    from bench.matching import read_labels

    path = tmp_path / "labels.jsonl"
    path.write_text('{"qid": "q0", "doc_id": "x", "grade": 1}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels.jsonl:2"):
        read_labels(path)


@given(st.lists(st.integers(1, 60), min_size=3, max_size=60))
def test_pool_parts_hold_every_query_once_and_are_balanced(sizes):
    from bench.matching_pool import split_parts

    counts = [(f"q{i}", n) for i, n in enumerate(sizes)]
    parts = split_parts(counts, 3)
    assert sorted(q for part in parts for q in part) == sorted(q for q, _ in counts)
    size = dict(counts)
    loads = [sum(size[q] for q in part) for part in parts]
    assert max(loads) - min(loads) <= max(sizes)  # greedy to the lightest part: off by at most one query
