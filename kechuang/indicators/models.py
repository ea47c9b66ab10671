"""The indicator catalogue, observations (value per indicator × region × period) with their revision history,
region breakdowns of the policy's targets, and published reference figures.

Policy files declare the indicators their targets name (`load_policy` upserts code, name, unit, direction);
the catalogue loader (`kechuang.indicators.catalogue`) adds how each one aggregates, its formula and the
responsible departments.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit, Timestamped
from kechuang.core.scope import DataScope, ScopedQuerySet

# The catalogue's framework codes (innovative-city-indicators.md §5) as the reader should see them: the national
# ones here, a city's or a province's in data/frameworks.csv (code, English name, Chinese name).
FRAMEWORKS = {
    "istic": _("ISTIC innovative-city index"),
    "denominator": _("denominator (not scored)"),
}
FRAMEWORKS_CSV = Path(__file__).resolve().parent / "data" / "frameworks.csv"


@functools.cache
def _local_frameworks() -> dict[str, dict[str, str]]:
    with FRAMEWORKS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def framework_label(code: str) -> str:
    if code in FRAMEWORKS:
        return str(FRAMEWORKS[code])
    row = _local_frameworks().get(code)
    if row is None:
        return code
    return row["name_zh"] if (get_language() or "").startswith("zh") else row["name_en"]


class Indicator(models.Model):
    class Direction(models.TextChoices):
        UP = "up", _("Higher is better")
        DOWN = "down", _("Lower is better")
        NONE = "none", _("Not scored")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum of the regions")
        RATIO_OF_SUMS = "ratio_of_sums", _("Ratio of the sums")
        NOT_ADDITIVE = "not_additive", _("Not additive (city figure only)")
        MAX_OR_FLAG = "max_or_flag", _("Milestone (achieved or not)")

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        UNVERIFIED = "unverified", _("Unverified")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.UP)
    # Catalogue fields (kechuang/indicators/data/catalogue.csv); the policy loader never touches them.
    statistical_name = models.CharField(_("statistical name"), max_length=200, blank=True)
    aggregation = models.CharField(
        _("how regions add up"), max_length=16, choices=Aggregation.choices, default=Aggregation.SUM
    )
    formula = models.CharField(
        _("formula"),
        max_length=200,
        blank=True,
        help_text=_("derived indicators only, e.g. rd_expenditure / gdp * 100"),
    )
    definition = models.CharField(_("definition"), max_length=300, blank=True)
    responsible = models.CharField(_("responsible department"), max_length=200, blank=True)
    departments = models.ManyToManyField(
        OrgUnit, verbose_name=_("responsible departments"), related_name="indicators", blank=True
    )
    framework = models.CharField(_("framework"), max_length=100, blank=True)
    dimension = models.CharField(_("dimension"), max_length=100, blank=True)
    verification = models.CharField(_("verification"), max_length=16, choices=Status.choices, blank=True)
    in_catalogue = models.BooleanField(_("in the monitoring catalogue"), default=False)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def framework_labels(self) -> list[str]:
        """The frameworks the indicator comes from, by name (the catalogue stores their codes, `;`-separated)."""
        return [framework_label(code) for code in self.framework.split(";") if code]

    @property
    def is_additive(self) -> bool:
        return self.aggregation == self.Aggregation.SUM and not self.formula


class ObservationQuerySet(ScopedQuerySet):
    def annual(self) -> ObservationQuerySet:
        return self.filter(quarter=0)


class Observation(Timestamped):
    """One entered value: indicator × region (or the city) × year (× quarter where the source is quarterly).

    Derived indicators (those with a formula) are never entered: they are computed from their components.
    A change to the value, status or source keeps the previous version in `ObservationRevision`.
    """

    class Status(models.TextChoices):
        PRELIMINARY = "preliminary", _("Preliminary")
        FINAL = "final", _("Final")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="observations"
    )
    region = models.ForeignKey(
        OrgUnit,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="indicator_observations",
        help_text=_("the city (its total) or one of its regions"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), default=0, help_text=_("0 = the whole year; 1–4 = cumulative to the end of that quarter")
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PRELIMINARY)
    source = models.CharField(_("source"), max_length=500)
    definition_version = models.CharField(_("definition version"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A district officer sees their region's observations; a department officer those of the indicators their
    # department is responsible for (淄科发〔2023〕22号 task 24: each department reports its own indicators).
    data_scope = DataScope(region="region", department="indicator__departments")
    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__code", "region__sort_order", "year", "quarter"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "region", "year", "quarter"], name="observation_unique"),
            models.CheckConstraint(condition=models.Q(quarter__lte=4), name="observation_quarter_0_4"),
        ]
        indexes = [models.Index(fields=["indicator", "year"]), models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        # The audit log and the histories show this label: the indicator's name, never its code.
        return f"{self.indicator.name} · {self.region} · {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"{self.year}" if not self.quarter else f"{self.year}Q{self.quarter}"

    def clean(self) -> None:
        super().clean()
        if self.indicator_id and self.indicator.formula:
            raise ValidationError(
                {
                    "indicator": _("%(name)s is derived (%(formula)s): it is computed, never entered.")
                    % {"name": self.indicator.name, "formula": self.indicator.formula}
                }
            )
        if self.region_id and self.region.kind not in (OrgUnit.Kind.CITY, OrgUnit.Kind.REGION):
            raise ValidationError({"region": _("Choose the city or one of its regions.")})
        if self.year is not None and not 1949 <= self.year <= 2100:
            raise ValidationError({"year": _("Enter a year between 1949 and 2100.")})


class ObservationRevision(models.Model):
    """The previous version of an observation, kept whenever it is changed (never overwritten silently)."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="revisions")
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    status = models.CharField(_("status"), max_length=12, choices=Observation.Status.choices)
    source = models.CharField(_("source"), max_length=500)
    new_value = models.DecimalField(_("new value"), max_digits=20, decimal_places=4)
    new_status = models.CharField(_("new status"), max_length=12, choices=Observation.Status.choices)
    reason = models.CharField(_("reason"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    data_scope = DataScope(region="observation__region", department="observation__indicator__departments")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("observation revision")
        verbose_name_plural = _("observation revisions")

    def __str__(self) -> str:
        return f"{self.observation_id}: {self.value} → {self.new_value}"


class TargetAllocation(models.Model):
    """A region's share of a city target, set by bureau staff (区县目标分解)."""

    target = models.ForeignKey("policy.Target", on_delete=models.CASCADE, related_name="allocations")
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    data_scope = DataScope(region="region", department="target__indicator__departments")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["target", "region__sort_order"]
        verbose_name = _("region target")
        verbose_name_plural = _("region targets")
        constraints = [models.UniqueConstraint(fields=["target", "region"], name="allocation_unique")]

    def __str__(self) -> str:
        return f"{self.target.indicator.name} · {self.region}"


class PublishedFigure(models.Model):
    """A figure found in a public source (kechuang/indicators/data/<city code>-published-figures.csv), kept as
    printed."""

    indicator_code = models.CharField(_("indicator code"), max_length=80)
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    region_label = models.CharField(_("region"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=200)
    source = models.CharField(_("source"), max_length=500)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["indicator_code", "region_label", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_code", "region_label", "year"], name="published_figure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} · {self.region_label} · {self.year}"
