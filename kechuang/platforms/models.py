"""Innovation platforms (创新平台) and incubation carriers (孵化载体): talent-platforms-projects.md §2.

Types, their flags for task 2, their grade bands and their provincial criteria are data (`PlatformType`, loaded from
data/types.yaml, editable by the bureau); so are the counting and reward settings (`PlatformSettings`). A platform's
host is an enterprise of the register (by credit code, looked up through core.registry), a university or an
institute. Every state change is a `PlatformEvent` with its document number and date: the count of a past year is
rebuilt from them."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.models import OrgUnit, Timestamped
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code
from kechuang.platforms.engine import grading, workflow


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Provincial")
    CITY = "city", _("Municipal")


class Family(models.TextChoices):
    LAB = "lab", _("Laboratory")
    CENTRE = "centre", _("Innovation centre")
    INSTITUTION = "institution", _("New-type R&D institution")
    OTHER = "other", _("Other platform")


class State(models.TextChoices):
    RESERVE = workflow.RESERVE, _("Reserve pool")
    APPLIED = workflow.APPLIED, _("Applied")
    DISTRICT_RECOMMENDED = workflow.DISTRICT_RECOMMENDED, _("Recommended by the district")
    FORMAL_CHECK = workflow.FORMAL_CHECK, _("Formal check")
    EXPERT_REVIEW = workflow.EXPERT_REVIEW, _("Expert review")
    PUBLICITY = workflow.PUBLICITY, _("Public notice")
    UNDER_CONSTRUCTION = workflow.UNDER_CONSTRUCTION, _("Under construction")
    ACCEPTANCE_REVIEW = workflow.ACCEPTANCE_REVIEW, _("Acceptance review")
    RECOGNISED = workflow.RECOGNISED, _("Recognised")
    RECTIFICATION = workflow.RECTIFICATION, _("Under rectification")
    DOWNGRADED = workflow.DOWNGRADED, _("Downgraded")
    REVOKED = workflow.REVOKED, _("Revoked")
    MERGED = workflow.MERGED, _("Merged")
    CLOSED = workflow.CLOSED, pgettext_lazy("platform state", "Closed")


class Grade(models.TextChoices):
    EXCELLENT = grading.EXCELLENT, _("Excellent")
    GOOD = grading.GOOD, _("Good")
    PASS = grading.PASS, _("Pass")
    FAIL = grading.FAIL, _("Fail")


class PlatformType(models.Model):
    """A kind of platform with its rules (a dictionary row, from data/types.yaml; the bureau sets the flag)."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=100)
    family = models.CharField(_("family"), max_length=16, choices=Family.choices)
    levels = models.JSONField(_("levels"), default=list, help_text=_("the levels this type exists at"))
    authority = models.CharField(_("competent department"), max_length=64, blank=True)
    counts_for_task2 = models.BooleanField(_("counts toward the 600"), default=False)
    grade_bands = models.JSONField(_("grade bands"), default=list, help_text=_("[[minimum score, grade], …]"))
    province_criteria = models.JSONField(_("provincial criteria"), default=dict, blank=True)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("platform type")
        verbose_name_plural = _("platform types")

    def __str__(self) -> str:
        return self.name


class PlatformSettings(models.Model):
    """The rules the reference leaves to the bureau, one row (pk 1), shown on the pages that use them."""

    count_under_construction = models.BooleanField(
        _("platforms under construction count"),
        default=False,
        help_text=_("筹建/试点培育 platforms count toward the 600 before they are recognised"),
    )
    reward_each_wan = models.DecimalField(
        _("reward per cultivated high-tech enterprise (万元)"), max_digits=8, decimal_places=2, default=10
    )
    reward_cap_wan = models.DecimalField(
        _("reward cap per carrier and year (万元)"), max_digits=8, decimal_places=2, default=100
    )
    hte_window_years = models.PositiveSmallIntegerField(
        _("years after graduation a high-tech title still counts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    reward_source = models.CharField(_("reward rule source"), max_length=200, blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform settings")
        verbose_name_plural = _("platform settings")

    def __str__(self) -> str:
        return str(_("Platform settings"))

    @classmethod
    def current(cls) -> PlatformSettings:
        found = cls.objects.filter(pk=1).first()
        return found if found is not None else cls(pk=1)


class Platform(Timestamped):
    class HostKind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        OTHER = "other", _("Other organisation")

    class LabKind(models.TextChoices):
        DISCIPLINE = "discipline", _("Discipline")
        ENTERPRISE = "enterprise", _("Enterprise")
        JOINT = "joint", _("Province–city joint")

    name = models.CharField(_("name"), max_length=200, db_index=True)
    type = models.ForeignKey(PlatformType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="platforms")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.RESERVE, db_index=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="platforms")
    department = models.ForeignKey(
        OrgUnit,
        verbose_name=_("competent department"),
        on_delete=models.PROTECT,
        related_name="competent_platforms",
        null=True,
        blank=True,
    )
    host_kind = models.CharField(_("host kind"), max_length=16, choices=HostKind.choices, default=HostKind.ENTERPRISE)
    host_name = models.CharField(_("host organisation"), max_length=200)
    host_credit_code = models.CharField(
        _("host credit code"), max_length=18, blank=True, db_index=True, validators=[validate_credit_code]
    )
    co_builders = models.TextField(_("co-builders"), blank=True, help_text=_("one organisation per line"))
    industry_chain = models.CharField(_("industry chain"), max_length=60, blank=True, db_index=True)
    field = models.CharField(_("research field"), max_length=200, blank=True)
    director = models.CharField(_("director"), max_length=60, blank=True)
    lab_kind = models.CharField(_("laboratory kind"), max_length=16, choices=LabKind.choices, blank=True)
    recognition_document = models.CharField(_("recognition document number"), max_length=100, blank=True)
    recognition_date = models.DateField(_("recognised on"), null=True, blank=True)
    construction_start = models.DateField(_("construction started"), null=True, blank=True)
    construction_end = models.DateField(_("construction due"), null=True, blank=True)
    acceptance_date = models.DateField(_("accepted on"), null=True, blank=True)
    continues = models.ForeignKey(
        "self",
        verbose_name=_("continues the platform"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continued_by",
        help_text=_("the same platform recognised before at another level: counted once, at its highest level"),
    )
    lineage = models.PositiveIntegerField(_("lineage"), null=True, blank=True, db_index=True, editable=False)
    is_demo = models.BooleanField(default=False, editable=False)

    data_scope = DataScope(region="region", department="department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        indexes = [models.Index(fields=["type", "level", "state"]), models.Index(fields=["region", "state"])]

    def __str__(self) -> str:
        return self.name

    @property
    def co_builder_list(self) -> list[str]:
        return [line.strip() for line in self.co_builders.splitlines() if line.strip()]


# The fields a person edits on the platform's form (the state, dates of steps and lineage move by services).
PLATFORM_FIELDS = [
    "name",
    "type",
    "level",
    "region",
    "department",
    "host_kind",
    "host_name",
    "host_credit_code",
    "co_builders",
    "industry_chain",
    "field",
    "director",
    "lab_kind",
]


class PlatformEvent(models.Model):
    """One step of a platform's life, with its document: the count of any day is rebuilt from these."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="events")
    on = models.DateField(_("date"))
    source_state = models.CharField(_("from"), max_length=24, choices=State.choices, blank=True)
    state = models.CharField(_("to"), max_length=24, choices=State.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    document = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    data_scope = DataScope(region="platform__region", department="platform__department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["platform", "on", "id"]
        verbose_name = _("platform step")
        verbose_name_plural = _("platform steps")

    def __str__(self) -> str:
        return f"{self.platform} {self.on} {self.state}"


def figure(verbose_name) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )


def number(verbose_name) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


class PlatformYear(models.Model):
    """What a platform reports for one year (§2.6)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1980), MaxValueValidator(2100)])
    rd_staff = number(_("R&D staff"))
    senior_titles = number(_("staff with senior titles"))
    rd_spending_wan = figure(_("R&D spending (万元)"))
    equipment_wan = figure(_("equipment value (万元)"))
    space_m2 = figure(_("space (m²)"))
    projects = number(_("projects"))
    projects_wan = figure(_("project funding (万元)"))
    invention_patents = number(_("invention patents"))
    standards = number(_("standards"))
    transfers = number(_("technology transfers"))
    transfers_wan = figure(_("transfer income (万元)"))
    shared_equipment_hours = number(_("shared equipment hours"))

    data_scope = DataScope(region="platform__region", department="platform__department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["platform", "-year"]
        verbose_name = _("platform year")
        verbose_name_plural = _("platform years")
        constraints = [models.UniqueConstraint(fields=["platform", "year"], name="platform_year_unique")]

    def __str__(self) -> str:
        return f"{self.platform} {self.year}"


YEAR_FIELDS = [
    "rd_staff",
    "senior_titles",
    "rd_spending_wan",
    "equipment_wan",
    "space_m2",
    "projects",
    "projects_wan",
    "invention_patents",
    "standards",
    "transfers",
    "transfers_wan",
    "shared_equipment_hours",
]


class Evaluation(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1980), MaxValueValidator(2100)])
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    document = models.CharField(_("document number"), max_length=100, blank=True)
    on = models.DateField(_("date"))
    actor = models.ForeignKey("core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    data_scope = DataScope(region="platform__region", department="platform__department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["platform", "-year"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [models.UniqueConstraint(fields=["platform", "year"], name="evaluation_year_unique")]

    def __str__(self) -> str:
        return f"{self.platform} {self.year} {self.grade}"


# ------------------------------------------------------------------------------------------------ incubation chain


class Stage(models.TextChoices):
    NURSERY = "nursery", _("Start-up nursery / maker space")
    INCUBATOR = "incubator", _("Incubator")
    ACCELERATOR = "accelerator", _("Accelerator")
    PARK = "park", _("Industrial park")


class Carrier(Timestamped):
    class Specialty(models.TextChoices):
        GENERAL = "general", _("General")
        SPECIALISED = "specialised", _("Specialised")

    name = models.CharField(_("name"), max_length=200, db_index=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, db_index=True)
    specialty = models.CharField(_("general or specialised"), max_length=16, choices=Specialty.choices)
    field = models.CharField(_("field"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="carriers")
    operator_name = models.CharField(_("operator"), max_length=200)
    operator_credit_code = models.CharField(
        _("operator credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    space_total_m2 = figure(_("total space (m²)"))
    space_incubatee_m2 = figure(_("space for incubatees (m²)"))
    fund_wan = figure(_("incubation fund (万元)"))
    recognition_document = models.CharField(_("recognition document number"), max_length=100, blank=True)
    recognition_date = models.DateField(_("recognised on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(default=False, editable=False)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("incubation carrier")
        verbose_name_plural = _("incubation carriers")

    def __str__(self) -> str:
        return self.name


CARRIER_FIELDS = [
    "name",
    "stage",
    "specialty",
    "field",
    "level",
    "region",
    "operator_name",
    "operator_credit_code",
    "space_total_m2",
    "space_incubatee_m2",
    "fund_wan",
    "recognition_document",
    "recognition_date",
]


class CarrierYear(models.Model):
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1980), MaxValueValidator(2100)])
    staff = number(_("staff"))
    mentors = number(_("mentors"))
    space_occupied_m2 = figure(_("space occupied by incubatees (m²)"))
    firms_financed = number(_("incubatees financed"))
    jobs = number(_("jobs"))

    data_scope = DataScope(region="carrier__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["carrier", "-year"]
        verbose_name = _("carrier year")
        verbose_name_plural = _("carrier years")
        constraints = [models.UniqueConstraint(fields=["carrier", "year"], name="carrier_year_unique")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.year}"


CARRIER_YEAR_FIELDS = ["staff", "mentors", "space_occupied_m2", "firms_financed", "jobs"]


class Incubatee(Timestamped):
    class State(models.TextChoices):
        ENTERED = "entered", _("Entered")
        IN_INCUBATION = "in_incubation", _("In incubation")
        GRADUATED = "graduated", _("Graduated")
        LEFT = "left", _("Left")
        FAILED = "failed", _("Failed")

    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="incubatees")
    credit_code = models.CharField(_("credit code"), max_length=18, db_index=True, validators=[validate_credit_code])
    name = models.CharField(_("enterprise"), max_length=200)
    entered_on = models.DateField(_("entered on"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ENTERED, db_index=True)
    exited_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    data_scope = DataScope(region="carrier__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["carrier", "-entered_on", "id"]
        verbose_name = _("incubatee")
        verbose_name_plural = _("incubatees")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "credit_code", "entered_on"], name="incubatee_entry_unique")
        ]

    def __str__(self) -> str:
        return self.name


# Incubatee steps: entered → in incubation → graduated | left | failed.
INCUBATEE_STEPS = {
    Incubatee.State.ENTERED: {Incubatee.State.IN_INCUBATION, Incubatee.State.LEFT},
    Incubatee.State.IN_INCUBATION: {Incubatee.State.GRADUATED, Incubatee.State.LEFT, Incubatee.State.FAILED},
}
