"""The policy file: the Zibo document as data, its schema, and the errors a broken copy gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml

from kechuang.policy.schema import Comparator, PolicyFileError, load_policy_file, parse_policy
from tests.conftest import FICTIONAL_POLICY, ZIBO_POLICY


@pytest.fixture(scope="module")
def zibo():
    return load_policy_file(str(ZIBO_POLICY))


@pytest.fixture
def raw():
    return yaml.safe_load(ZIBO_POLICY.read_text(encoding="utf-8"))


def test_document_facts(zibo):
    assert zibo.document_number == "淄科发〔2023〕22号"
    assert zibo.issue_date == dt.date(2023, 12, 20)
    assert (zibo.effective_from, zibo.effective_to) == (dt.date(2024, 1, 20), dt.date(2028, 12, 31))
    assert len(zibo.issuers) == 16
    assert len(zibo.departments) == 16
    assert len(zibo.sections) == 10
    assert [t.number for _, t in zibo.tasks()] == list(range(1, 26))
    district_names = {r.name for r in zibo.regions if r.kind != "zone"}
    assert district_names == {"张店区", "淄川区", "博山区", "周村区", "临淄区", "桓台县", "高青县", "沂源县"}
    assert {r.name for r in zibo.regions if r.kind == "zone"} >= {"淄博高新区", "文昌湖区"}


def test_every_task_has_text_and_known_departments(zibo):
    lookup = zibo.department_lookup()
    for _, task in zibo.tasks():
        assert task.title and len(task.text) > 40
        assert all(name in lookup for name in [*task.lead_departments, *task.supporting_departments])


def test_targets_of_the_text(zibo):
    targets = {t.code: t for t in zibo.all_targets()}
    numeric = [t for t in targets.values() if not t.is_milestone]
    milestones = [t for t in targets.values() if t.is_milestone]
    assert len(numeric) >= 10
    assert len(milestones) >= 5
    by_indicator = {t.indicator: t for t in numeric}
    platforms = by_indicator["innovation_platforms_provincial_plus"]
    assert (platforms.comparator, platforms.value, platforms.unit, platforms.deadline) == (
        Comparator.GE,
        Decimal(600),
        "家",
        dt.date(2027, 12, 31),
    )
    assert by_indicator["tech_smes"].comparator == Comparator.GT and by_indicator["tech_smes"].value == 3000
    assert by_indicator["high_tech_enterprises"].value == 2000
    assert by_indicator["high_tech_output_share"].value == 60
    rd = by_indicator["rd_intensity"]
    assert (rd.comparator, rd.value, rd.cadence) == (Comparator.GE, 3, "P1Y")
    young = by_indicator["young_talents_selected"]
    assert (young.comparator, young.value, young.cadence) == (Comparator.APPROX, 50, "P2Y")
    assert by_indicator["talents_provincial_plus_new"].cadence == "P1Y"
    assert by_indicator["foreign_experts_introduced"].value == 300
    city = next(t for t in milestones if t.indicator == "national_innovative_city_built")
    assert city.deadline == dt.date(2024, 12, 31)
    assert any(t.region == "huantai" for t in milestones)


def test_every_clause_is_quoted_from_its_text(zibo):
    for goal in zibo.goals:
        for t in goal.targets:
            assert t.clause in goal.text
    for _, task in zibo.tasks():
        for t in task.targets:
            assert t.clause in task.text, t.code


def test_broken_copy_lists_every_error(raw):
    raw["sections"][1]["tasks"][0]["lead_departments"] = ["市宇宙局"]
    raw["sections"][1]["tasks"][1]["targets"][0]["comparator"] = "at_least"
    del raw["sections"][2]["tasks"][0]["title"]
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(raw)
    paths = dict(caught.value.errors)
    assert "unknown department '市宇宙局'" in paths["sections.1.tasks.0.lead_departments.0"]
    assert "ge" in paths["sections.1.tasks.1.targets.0.comparator"]
    assert paths["sections.2.tasks.0.title"] == "Field required"
    assert len(caught.value.errors) == 3


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda d: d["goals"][0]["targets"][0].update(cadence=None, deadline=None), "goals.0.targets.0", "exactly one"),
        (lambda d: d["goals"][0]["targets"][0].update(cadence="yearly"), "goals.0.targets.0.cadence", "ISO 8601"),
        (lambda d: d["goals"][0]["targets"][0].update(indicator="nope"), "goals.0.targets.0.indicator", "unknown"),
        (lambda d: d["departments"].append(dict(d["departments"][0])), "departments.16.code", "duplicate"),
        (lambda d: d.update(effective_to=dt.date(2020, 1, 1)), "effective_to", "before"),
        (lambda d: d["sections"][1]["tasks"][0].update(number=2), "sections.1.tasks.1.number", "duplicate"),
        (lambda d: d.update(surprise=1), "surprise", "Extra inputs"),
    ],
)
def test_schema_rejects(raw, mutate, path, message):
    mutate(raw)
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(raw)
    assert any(p == path and message in m for p, m in caught.value.errors), caught.value.errors


def test_unreadable_and_non_yaml_files(tmp_path):
    with pytest.raises(PolicyFileError, match="cannot read"):
        load_policy_file(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="not valid YAML"):
        load_policy_file(str(bad))


def test_fictional_city_needs_no_zibo_code():
    spec = load_policy_file(str(FICTIONAL_POLICY))
    assert spec.city.code != "zibo"
    assert len(spec.tasks()) >= 3
