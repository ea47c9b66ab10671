"""Loading the indicator catalogue and the published figures from the files in `data/` (idempotent).

The catalogue (data/catalogue.csv, from innovative-city-indicators.md §5) adds to each indicator how it adds up,
its formula, definition, framework and the responsible departments. Indicators the policy file already created keep
the policy's own name, unit and direction (the policy loader owns those four fields); only new indicators take the
catalogue's name. Indicators that only the policy names take their responsible departments from the owners of the
targets that name them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from kechuang.core import audit
from kechuang.core.models import OrgUnit
from kechuang.indicators.compute import parse_formula
from kechuang.indicators.models import Indicator, Observation, PublishedFigure

DATA = Path(__file__).resolve().parent / "data"
CATALOGUE_CSV = DATA / "catalogue.csv"


def published_csv(city: OrgUnit) -> Path:
    """The figures published about one city, its regions and its province (none for a city without the file)."""
    return DATA / f"{city.code}-published-figures.csv"


# Codes used in the published-figures file → catalogue codes.
PUBLISHED_CODE_MAP = {
    "gdp": "gdp",
    "rd_spending": "rd_expenditure",
    "rd_intensity": "rd_intensity",
    "high_tech_enterprises": "high_tech_enterprises",
    "high_tech_industry_output": "high_tech_output",
    "high_tech_output_share_of_above_scale_industry": "high_tech_output_share",
    "invention_patents_per_10k_pop": "invention_patents_per_10k",
    "tech_smes": "tech_smes",
}
YEARS = range(2015, 2026)
# The province's published series (a copy of its rows of ../shared/data/provincial-st-series.csv): the comparison
# line on the R&D and technology-contract charts.  Codes → catalogue codes; never observations of the city.
PROVINCE_SERIES_CSV = DATA / "province-series.csv"
PROVINCE_CODE_MAP = {
    "rd_intensity": "rd_intensity",
    "rd_expenditure": "rd_expenditure",
    "tech_contract_turnover": "tech_contract_turnover_output",
}


@dataclass
class CatalogueSummary:
    created: int = 0
    updated: int = 0
    figures: int = 0
    observations: int = 0

    def line(self) -> str:
        return (
            f"indicator catalogue: {self.created} created, {self.updated} updated; {self.figures} published figures, "
            f"{self.observations} real observations"
        )


def read_catalogue(path: Path = CATALOGUE_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _department_units(city: OrgUnit | None) -> list[tuple[str, OrgUnit]]:
    if city is None:
        return []
    names = []
    for unit in OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.DEPARTMENT, is_active=True):
        for name in {unit.short_name, unit.name, *(unit.aliases or [])}:
            if name:
                names.append((name, unit))
    return sorted(names, key=lambda pair: -len(pair[0]))


def resolve_departments(text: str, units: list[tuple[str, OrgUnit]]) -> list[OrgUnit]:
    """The departments a responsibility text names (e.g. "市统计局（会同市科技局、市财政局）" → 市科技局, 市财政局)."""
    found: dict[int, OrgUnit] = {}
    for name, unit in units:
        if name in text:
            found[unit.pk] = unit
    return list(found.values())


@transaction.atomic
def catalogue_load(*, actor: Any = None, city: OrgUnit | None = None) -> CatalogueSummary:
    """Create or update the catalogue's indicators, then load the published figures. Safe to run again."""
    summary = CatalogueSummary()
    if city is None:
        city = OrgUnit.objects.filter(kind=OrgUnit.Kind.CITY, parent=None).first()
    units = _department_units(city)
    existing = {i.code: i for i in Indicator.objects.all()}
    for row in read_catalogue():
        indicator = existing.get(row["code"])
        is_new = indicator is None
        if is_new:
            indicator = Indicator(code=row["code"], name=row["name_zh"], unit=row["unit"], direction=row["direction"])
        formula = parse_formula(row["formula"])
        values = {
            "statistical_name": row["name_zh"],
            "aggregation": row["aggregation"],
            "formula": row["formula"] if formula else "",
            "definition": "" if formula else row["formula"],
            "responsible": row["source_department"],
            "framework": row["framework"],
            "dimension": row["dimension"],
            "verification": row["status"],
            "in_catalogue": True,
        }
        for name, value in values.items():
            setattr(indicator, name, value)
        if audit.save(indicator, actor=actor):
            summary.created += is_new
            summary.updated += not is_new
        wanted = {u.pk for u in resolve_departments(row["source_department"], units)}
        if wanted != set(indicator.departments.values_list("pk", flat=True)):
            indicator.departments.set(wanted)
    # Indicators only the policy names: departments from the owners of their targets.
    from kechuang.policy.models import Target

    for indicator in Indicator.objects.filter(in_catalogue=False).prefetch_related("departments"):
        owners = set(Target.objects.filter(indicator=indicator).values_list("owners", flat=True).exclude(owners=None))
        if owners and owners != {d.pk for d in indicator.departments.all()}:
            indicator.departments.set(owners)
        if indicator.unit == "" and indicator.aggregation != Indicator.Aggregation.MAX_OR_FLAG:
            indicator.aggregation = Indicator.Aggregation.MAX_OR_FLAG
            audit.save(indicator, actor=actor)
    # The province's series first: where a newspaper quoted the same year's figure, the bulletin's row is the one kept
    series_figures = province_series_load(city)
    figures, observations = published_load(actor=actor, city=city)
    summary.figures, summary.observations = figures + series_figures, observations
    return summary


def province_series_load(city: OrgUnit | None, path: Path = PROVINCE_SERIES_CSV) -> int:
    """Store the province's published series as reference figures labelled with the city's province (the file gives
    the short name, the org unit the full one), under the catalogue code, with each row's source verbatim. Returns
    how many are new.
    Rows of another province are ignored, so the file can hold more than one."""
    if city is None or not city.province_name or not path.is_file():
        return 0
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=PROVINCE_CODE_MAP.values())}
    created = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not city.province_name.startswith(row["region"]) or not row["value"].strip():
                continue
            code = PROVINCE_CODE_MAP.get(row["indicator"])
            if code is None:
                continue
            _figure, new = PublishedFigure.objects.get_or_create(
                indicator_code=code,
                region_label=city.province_name,
                year=int(row["year"]),
                defaults={
                    "indicator": indicators.get(code),
                    "value": Decimal(row["value"]),
                    "unit": row["unit"][:200],
                    "source": row["source"][:500],
                },
            )
            created += new
    return created


def _region_for(label: str, city: OrgUnit | None) -> OrgUnit | None:
    if city is None:
        return None
    if label in (city.name, city.short_name):
        return city
    for unit in OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.REGION):
        names = [unit.name, unit.short_name, *(unit.aliases or [])]
        # A zone's name may carry the city's ("<city>高新区") where the source leaves it out, or the reverse.
        matches = any(n and label.startswith(n) for n in names) or any(
            n and label.startswith(n.replace(city.bare_name, "")) for n in names
        )
        # "<city>高新区(功能区)" is the zone itself; "<district>经济开发区(<district>内园区)" is a park, not a region.
        if matches and "园区" not in label:
            return unit
    return None


def published_load(*, actor: Any = None, city: OrgUnit | None = None) -> tuple[int, int]:
    """Store every published figure; those that are a full-year, in-range, entered-type value of the city or one
    of its regions also become real (final) observations with their source. Returns (new figures, new
    observations)."""
    indicators = {i.code: i for i in Indicator.objects.all()}
    new_figures = new_observations = 0
    path = published_csv(city) if city is not None else None
    if path is None or not path.is_file():
        return 0, 0
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    previous = ""
    for row in rows:
        # "same as above" / "same page" in the file refers to the previous row's source: spell it out on screen.
        if "same" in row["source"] and "http" not in row["source"] and "公报" not in row["source"] and previous:
            row["source"] = f"{row['source']} → {previous}"
        elif "http" in row["source"] or "公报" in row["source"]:
            previous = row["source"]
        code = PUBLISHED_CODE_MAP.get(row["indicator"])
        indicator = indicators.get(code) if code else None
        value = Decimal(row["value"])
        _figure, created = PublishedFigure.objects.get_or_create(
            indicator_code=row["indicator"],
            region_label=row["region"],
            year=int(row["year"]),
            defaults={
                "indicator": indicator,
                "value": value,
                "unit": row["unit"][:200],
                "source": row["source"][:500],
            },
        )
        new_figures += created
        source = row["source"]
        region = _region_for(row["region"], city)
        usable = (
            indicator is not None
            and not indicator.formula
            and region is not None
            and int(row["year"]) in YEARS
            and "partial" not in source
            and "out of range" not in source
        )
        if not usable:
            continue
        observation = (
            Observation.objects.annual().filter(indicator=indicator, region=region, year=int(row["year"])).first()
        )
        if observation is None or observation.is_demo:
            if observation is not None:
                observation.delete()  # a real figure replaces a generated one
            observation = Observation(
                indicator=indicator,
                region=region,
                year=int(row["year"]),
                quarter=0,
                value=value,
                status=Observation.Status.FINAL,
                source=("公开数据 " + source)[:500],
                definition_version=row["unit"][:100],
            )
            audit.save(observation, actor=actor)
            new_observations += 1
    return new_figures, new_observations
