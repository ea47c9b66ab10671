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

    @property
    def floor(self) -> float | None:
        """The least value the indicator can take: 0 for a sum of the regions (a count, an amount) and a ratio of such
        sums; none for the rest (an index, a rank, a milestone are not forecast against a bound)."""
        return 0.0 if self.aggregation in (self.Aggregation.SUM, self.Aggregation.RATIO_OF_SUMS) else None


class ObservationQuerySet(ScopedQuerySet):
    def annual(self) -> ObservationQuerySet:
        """The values of whole years (neither a quarter nor a month): what the resolver and the dashboards read."""
        return self.filter(quarter=0, month=0)


class Observation(Timestamped):
    """One entered value: indicator × region (or the city) × year (× quarter, or × month, where the source reports
    by quarter or by month; both cumulative to the period's end, as the statistics of the year to date are).

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
    month = models.PositiveSmallIntegerField(
        _("month"), default=0, help_text=_("0 = not a monthly value; 1–12 = cumulative to the end of that month")
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PRELIMINARY)
    source = models.CharField(_("source"), max_length=500)
    definition_version = models.CharField(_("definition version"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The collection form (data set × organisation × period) the value was entered in, if any: its state is the
    # value's (draft, submitted, returned, approved). A value entered outside the collection (the single-value
    # form, an import, a feed, the demo) has none and counts as published. `approved_observations()` is the rule.
    submission = models.ForeignKey(
        "Submission",
        verbose_name=_("collection form"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )

    # A district officer sees their region's observations; a department officer those of the indicators their
    # department is responsible for (淄科发〔2023〕22号 task 24: each department reports its own indicators).
    data_scope = DataScope(region="region", department="indicator__departments")
    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__code", "region__sort_order", "year", "quarter", "month"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year", "quarter", "month"], name="observation_unique"
            ),
            models.CheckConstraint(condition=models.Q(quarter__lte=4), name="observation_quarter_0_4"),
            models.CheckConstraint(condition=models.Q(month__lte=12), name="observation_month_0_12"),
            # a value is of a year, a quarter or a month: never of a quarter and a month at once
            models.CheckConstraint(
                condition=models.Q(quarter=0) | models.Q(month=0), name="observation_quarter_or_month"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "year"]), models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        # The audit log and the histories show this label: the indicator's name, never its code.
        return f"{self.indicator.name} · {self.region} · {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.month:
            return period_label(self.year, self.month, DataSet.PeriodType.MONTHLY)
        return period_label(self.year, self.quarter)

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


# ---------------------------------------------------------------------------------------------------------------------
# Data collection (after DHIS2's data sets, complete registrations and approvals; the engine: collection_rules.py)


class DataSet(Timestamped):
    """The indicators a set of organisations (regions, or departments) report each period, with a deadline."""

    class PeriodType(models.TextChoices):
        YEARLY = "yearly", _("Yearly")
        QUARTERLY = "quarterly", _("Quarterly (cumulative to the quarter's end)")
        MONTHLY = "monthly", _("Monthly (cumulative to the month's end)")

    class Reporter(models.TextChoices):
        REGION = "region", _("Regions")
        DEPARTMENT = "department", _("Departments")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    period_type = models.CharField(
        _("reporting period"), max_length=12, choices=PeriodType.choices, default=PeriodType.YEARLY
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline (days after the period ends)"), default=30, help_text=_("e.g. 60: due two months after the period")
    )
    reporter = models.CharField(_("who reports"), max_length=12, choices=Reporter.choices, default=Reporter.REGION)
    indicators = models.ManyToManyField(Indicator, verbose_name=_("indicators"), related_name="data_sets")
    org_units = models.ManyToManyField(OrgUnit, verbose_name=_("reporting organisations"), related_name="data_sets")
    jump_threshold = models.DecimalField(
        _("jump against last year (%)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("a change beyond this against the same period last year is a warning that needs a comment"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    # The definition is readable by every signed-in user and changed only by the bureau (write_filter).
    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")

    def __str__(self) -> str:
        return self.name

    def periods(self) -> list[int]:
        """The form periods of one year: 0 (the year), the quarters 1–4 or the months 1–12."""
        return {self.PeriodType.QUARTERLY: [1, 2, 3, 4], self.PeriodType.MONTHLY: list(range(1, 13))}.get(
            self.period_type, [0]
        )

    def observation_period(self, period: int) -> dict[str, int]:
        """Where a form's period is stored on its observations: `quarter` and `month` (0 for the whole year)."""
        if self.period_type == self.PeriodType.MONTHLY:
            return {"quarter": 0, "month": period}
        if self.period_type == self.PeriodType.QUARTERLY:
            return {"quarter": period, "month": 0}
        return {"quarter": 0, "month": 0}


class ValidationRule(models.Model):
    """A check of a data set's entry form (collection_rules.Rule): a range, a ratio between two related values,
    or a jump against the same period last year; an error blocks, a warning needs a comment."""

    class Kind(models.TextChoices):
        RANGE = "range", _("Range")
        RATIO = "ratio", _("Ratio to a related value")
        JUMP = "jump", _("Jump against last year")

    class Severity(models.TextChoices):
        ERROR = "error", _("Error (blocks the submission)")
        WARNING = "warning", _("Warning (needs a comment)")

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(
        Indicator,
        verbose_name=_("related indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("ratio rules: the denominator"),
    )
    minimum = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(
        _("threshold (%)"), max_digits=6, decimal_places=1, null=True, blank=True, help_text=_("jump rules")
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.ERROR)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["data_set", "indicator__code", "id"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")

    def __str__(self) -> str:
        return f"{self.data_set} · {self.indicator.name} · {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.RATIO and self.other_id is None:
            raise ValidationError({"other": _("A ratio rule needs the related indicator.")})
        if self.kind == self.Kind.JUMP and self.threshold is None:
            raise ValidationError({"threshold": _("A jump rule needs its threshold.")})
        if self.kind != self.Kind.JUMP and self.minimum is None and self.maximum is None:
            raise ValidationError({"minimum": _("Give a minimum, a maximum or both.")})
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError({"maximum": _("The maximum is below the minimum.")})


class Submission(Timestamped):
    """One entry form: a data set's values for one organisation and period, and where it stands (DHIS2's complete
    registration and approval in one row). `approved` is the lock."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, awaiting approval")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved (locked)")

    data_set = models.ForeignKey(DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("reporting organisation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.PositiveSmallIntegerField(
        _("period"),
        default=0,
        help_text=_("0 = the whole year; else the quarter (1–4) or the month (1–12), by the data set's period"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason for the return or unlock"), max_length=300, blank=True)
    comments = models.JSONField(_("comments on warnings"), default=dict, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(region="org_unit", department="org_unit")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["data_set", "org_unit__sort_order", "-year", "-period"]
        verbose_name = _("collection form")
        verbose_name_plural = _("collection forms")
        constraints = [
            models.UniqueConstraint(fields=["data_set", "org_unit", "year", "period"], name="submission_unique"),
            models.CheckConstraint(condition=models.Q(period__lte=12), name="submission_period_0_12"),
        ]
        indexes = [models.Index(fields=["year", "state"])]

    def __str__(self) -> str:
        return f"{self.data_set.name} · {self.org_unit} · {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.period, self.data_set.period_type)


def period_label(year: int, period: int, period_type: str = DataSet.PeriodType.QUARTERLY) -> str:
    """2025, 2025Q3, 2025-07: a period as URLs and pages write it (`period` is a quarter, or a month for a monthly
    data set; 0 is the whole year)."""
    if not period:
        return f"{year}"
    if period_type == DataSet.PeriodType.MONTHLY:
        return f"{year}-{period:02d}"
    return f"{year}Q{period}"
