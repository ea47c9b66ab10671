"""Catalogue formulas: derived values are computed from components, and across regions as a ratio of sums."""

from __future__ import annotations

import pytest

from kechuang.indicators.compute import Formula, Resolver, Spec, parse_formula

SPECS = {
    "rd_expenditure": Spec("rd_expenditure", "sum"),
    "gdp": Spec("gdp", "sum"),
    "rd_intensity": Spec("rd_intensity", "ratio_of_sums", parse_formula("rd_expenditure / gdp * 100")),
    "high_tech_enterprises": Spec("high_tech_enterprises", "sum"),
    "index": Spec("index", "not_additive"),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rd_expenditure / gdp * 100", Formula("rd_expenditure", "gdp", 100.0)),
        ("valid_invention_patents / population_10k", Formula("valid_invention_patents", "population_10k", 1.0)),
        ("fdi_actually_used_usd / (population_10k * 10000)", Formula("fdi_actually_used_usd", "population_10k", 1e-4)),
        ("count of valid certificates at 31 Dec (dedupe by credit code)", None),
        ("", None),
    ],
)
def test_parse_formula(text, expected):
    assert parse_formula(text) == expected


def test_derived_value_is_computed_from_components_at_each_level():
    values = {
        ("rd_expenditure", "a", 2024): 30.0,
        ("gdp", "a", 2024): 1000.0,
        ("rd_expenditure", "b", 2024): 2.0,
        ("gdp", "b", 2024): 200.0,
    }
    r = Resolver(values, SPECS, "city", ["a", "b"])
    assert r.value("rd_intensity", "a", 2024) == pytest.approx(3.0)
    assert r.value("rd_intensity", "b", 2024) == pytest.approx(1.0)
    # City: ratio of sums (32 / 1200 = 2.667 %), never the average of the ratios ((3 + 1) / 2 = 2 %).
    city = r.get("rd_intensity", "city", 2024)
    assert city.value == pytest.approx(32 / 1200 * 100)
    assert city.value != pytest.approx(2.0)
    assert city.how == "formula"
    assert r.get("gdp", "city", 2024).how == "sum_of_regions"


def test_entered_city_components_win_over_the_regional_sums():
    values = {
        ("rd_expenditure", "city", 2024): 40.0,
        ("gdp", "city", 2024): 1250.0,
        ("rd_expenditure", "a", 2024): 30.0,
        ("gdp", "a", 2024): 1000.0,
        ("rd_expenditure", "b", 2024): 2.0,
        ("gdp", "b", 2024): 200.0,
    }
    r = Resolver(values, SPECS, "city", ["a", "b"])
    assert r.value("rd_intensity", "city", 2024) == pytest.approx(3.2)


def test_no_regional_sum_when_a_partition_region_is_missing():
    values = {("high_tech_enterprises", "a", 2024): 10.0}
    r = Resolver(values, SPECS, "city", ["a", "b"])
    assert r.value("high_tech_enterprises", "city", 2024) is None
    assert r.coverage("high_tech_enterprises", 2024) == (1, 2)
    # A missing denominator means no derived value (not zero, not a partial ratio).
    r2 = Resolver({("rd_expenditure", "a", 2024): 1.0}, SPECS, "city", ["a"])
    assert r2.value("rd_intensity", "a", 2024) is None


def test_a_zone_outside_the_partition_is_not_added():
    values = {
        ("high_tech_enterprises", "a", 2024): 10.0,
        ("high_tech_enterprises", "b", 2024): 5.0,
        ("high_tech_enterprises", "zone", 2024): 7.0,  # overlaps its host district
    }
    r = Resolver(values, SPECS, "city", ["a", "b"])
    assert r.value("high_tech_enterprises", "city", 2024) == 15.0


def test_not_additive_indicators_are_never_rolled_up():
    values = {("index", "a", 2024): 60.0, ("index", "b", 2024): 70.0}
    assert Resolver(values, SPECS, "city", ["a", "b"]).value("index", "city", 2024) is None


def test_city_total_that_disagrees_with_the_regions_is_flagged():
    values = {
        ("high_tech_enterprises", "city", 2023): 15.0,
        ("high_tech_enterprises", "a", 2023): 10.0,
        ("high_tech_enterprises", "b", 2023): 5.0,
        ("high_tech_enterprises", "city", 2024): 20.0,
        ("high_tech_enterprises", "a", 2024): 12.0,
        ("high_tech_enterprises", "b", 2024): 6.0,
    }
    flags = Resolver(values, SPECS, "city", ["a", "b"]).mismatches("high_tech_enterprises")
    assert [(m.year, m.city_value, m.regions_sum) for m in flags] == [(2024, 20.0, 18.0)]
    # Derived and not-additive indicators are never checked this way.
    assert Resolver(values, SPECS, "city", ["a", "b"]).mismatches("rd_intensity") == []


def test_series_and_years_follow_the_components():
    values = {("rd_expenditure", "city", y): 10.0 + y - 2020 for y in range(2020, 2023)}
    values |= {("gdp", "city", y): 100.0 for y in range(2020, 2023)}
    r = Resolver(values, SPECS, "city", [])
    assert r.series("rd_intensity", "city") == [(2020, 10.0), (2021, 11.0), (2022, 12.0)]


def test_catalogue_formulas_are_loaded_from_the_reference_table(catalogue):
    assert catalogue["rd_intensity"].formula == "rd_expenditure / gdp * 100"
    assert catalogue["high_tech_output_share"].formula == "high_tech_output / above_scale_industrial_output * 100"
    assert catalogue["rd_intensity"].aggregation == "ratio_of_sums"
    assert catalogue["high_tech_enterprises"].formula == ""  # a definition note is not a formula
    assert "31 Dec" in catalogue["high_tech_enterprises"].definition
    # The policy keeps its own name; the statistical name is kept beside it.
    assert catalogue["high_tech_enterprises"].name == "高新技术企业数量"
    assert catalogue["high_tech_enterprises"].statistical_name == "高新技术企业数（年末有效）"
    assert {d.code for d in catalogue["rd_intensity"].departments.all()} == {"science_tech", "finance"}
    for code in (
        "gdp",
        "rd_expenditure",
        "tech_contract_turnover_output",
        "invention_patents_per_10k",
        "above_scale_industrial_output",
        "high_tech_output",
    ):
        assert code in catalogue


def test_catalogue_load_is_idempotent_and_keeps_the_policy_loader_working(catalogue, city):
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.policy.services import policy_load_file
    from tests.conftest import ZIBO_POLICY

    again = catalogue_load(actor=None, city=city)
    assert (again.created, again.updated, again.figures, again.observations) == (0, 0, 0, 0)
    policy_load_file(path=ZIBO_POLICY)
    from kechuang.indicators.models import Indicator

    rd = Indicator.objects.get(code="rd_intensity")
    assert rd.formula == "rd_expenditure / gdp * 100"  # the policy loader upserts only code/name/unit/direction
    assert rd.name == "全社会研发经费投入强度"


def test_published_figures_become_real_observations_with_their_source(catalogue, city):
    from kechuang.indicators.models import Observation, PublishedFigure

    gdp = Observation.objects.get(indicator__code="gdp", region=city, year=2015)
    assert float(gdp.value) == 4130.2
    assert not gdp.is_demo and "统计公报" in gdp.source
    # A derived figure (R&D intensity of the high-tech zone) is kept as a reference, never typed in.
    assert not Observation.objects.filter(indicator__code="rd_intensity").exists()
    assert PublishedFigure.objects.filter(indicator_code="rd_intensity", year=2022).count() == 2
