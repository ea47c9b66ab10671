"""The enterprise register: enterprises, their yearly facts, IP, qualifications, awards, standards,
R&D institutions, compliance events, and the stored ladder results.

Field names follow the ladder's facts format (ladder-facts-format.md) so that a facts record is built
from the register without renaming; money is in 万元.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.codes import tech_field_column
from kechuang.core.models import OrgUnit, Timestamped
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code


class Tier(models.TextChoices):
    """The rungs of the ladder (梯次), in order."""

    TECH_SME = "tech_sme", _("Tech SME")
    HIGH_TECH = "high_tech", _("High-tech enterprise")
    INNOVATIVE_SME = "innovative_sme", _("Innovative SME")
    SPECIALIZED_SME = "specialized_sme", _("Specialized SME")
    LITTLE_GIANT = "little_giant", _("Little giant")
    LEADING_TECH = "leading_tech", _("Leading tech enterprise")


# Enterprise-owned records are scoped by the enterprise's region.
BY_ENTERPRISE_REGION = DataScope(region="enterprise__region")


def money(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=6, null=True, blank=True, **kwargs)


def count(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


def flag(verbose_name: str) -> models.BooleanField:
    return models.BooleanField(verbose_name, null=True, blank=True)


class Enterprise(Timestamped):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("enterprise status", "Active")
        MOVED_OUT = "moved_out", _("Moved out of the city")
        CLOSED = "closed", pgettext_lazy("enterprise status", "Closed")

    credit_code = models.CharField(_("credit code"), max_length=18, unique=True, validators=[validate_credit_code])
    name = models.CharField(_("name"), max_length=200, db_index=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises")
    industry = models.CharField(_("industry"), max_length=100, blank=True, help_text=_("国民经济行业 name or code"))
    tech_field = tech_field_column(_("high-tech field"), blank=True, db_index=True)
    # Free text the field was given as before the code list, kept where no code could be read from it.
    tech_field_note = models.CharField(_("high-tech field as first entered"), max_length=200, blank=True)
    registration_date = models.DateField(_("registered on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    status_reason = models.CharField(_("reason for the status"), max_length=200, blank=True)
    resident_enterprise_mainland = flag(_("resident enterprise registered in mainland China"))
    is_sme_per_2011_standard = flag(_("SME by 工信部联企业〔2011〕300号"))

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.name


class EnterpriseYear(models.Model):
    """What is known of an enterprise for one fiscal year (年度数据)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(1980), MaxValueValidator(2100)]
    )
    # Financial figures, 万元
    operating_revenue_wan = money(_("operating revenue (万元)"))
    main_business_revenue_wan = money(_("main business revenue (万元)"))
    rd_expense_wan = money(_("R&D expense (万元)"))
    domestic_rd_expense_wan = money(_("R&D expense in China (万元)"))
    cost_expense_total_wan = money(_("total cost and expense (万元)"))
    total_assets_wan = money(_("total assets (万元)"))
    total_liabilities_wan = money(_("total liabilities (万元)"))
    net_profit_wan = money(_("net profit (万元)"))
    high_tech_income_wan = money(_("high-tech products and services income (万元)"))
    total_income_wan = money(_("total income less non-taxable income (万元)"))
    equity_financing_qualified_3y_wan = money(_("equity financing from qualified investors, 3 years (万元)"))
    equity_financing_qualified_2y_wan = money(_("equity financing from qualified investors, 2 years (万元)"))
    # Staff
    employees_total = count(_("employees"))
    st_staff = count(_("S&T staff"))
    rd_staff = count(_("R&D staff"))
    conversions_3y = count(_("achievements converted in 3 years"))
    # High-tech recognition
    tech_field_in_catalog = flag(_("core technology in the supported high-tech fields"))
    hte_tech_advancement = models.PositiveSmallIntegerField(
        _("expert points: technical advancement (0–8)"), null=True, blank=True, validators=[MaxValueValidator(8)]
    )
    hte_core_support = models.PositiveSmallIntegerField(
        _("expert points: core support (0–8)"), null=True, blank=True, validators=[MaxValueValidator(8)]
    )
    hte_ip_acquisition = models.PositiveSmallIntegerField(
        _("expert points: IP acquisition (0–6)"), null=True, blank=True, validators=[MaxValueValidator(6)]
    )
    hte_standards_bonus = models.PositiveSmallIntegerField(
        _("expert points: standards (0–2)"), null=True, blank=True, validators=[MaxValueValidator(2)]
    )
    hte_rd_management = models.PositiveSmallIntegerField(
        _("expert points: R&D management (0–20)"), null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    # Specialized / little giant inputs
    strategic_emerging_industry = flag(_("main product in a strategic emerging industry"))
    market_segment_years = models.FloatField(
        _("years in the niche market"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(200)]
    )
    market_position_leading = flag(_("leading market share in the niche"))
    niche_market_share_pct = models.FloatField(
        _("niche market share (%)"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    niche_market_rank_national = models.PositiveSmallIntegerField(
        _("national rank in the niche"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    has_own_brand = flag(_("has its own brand"))
    main_product_in_priority_field = flag(_("main product in a priority field"))
    specialized_platform_score = models.FloatField(
        _("MIIT platform score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    digital_level = models.PositiveSmallIntegerField(_("digitalisation level"), null=True, blank=True)
    quality_items_count = count(_("quality items held"))
    product_field_category_2022 = models.CharField(
        _("product field (2022 table)"),
        max_length=48,
        blank=True,
        choices=[
            ("key_link_breakthrough", _("Breakthrough in a key link")),
            (
                "six_basics_or_time_honored_or_chain_leader",
                _("Six basics, time-honoured brand or chain leader supplier"),
            ),
            ("other", _("Other")),
        ],
    )
    local_characteristic_score = models.FloatField(
        _("provincial characteristic points"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(15)],
    )
    # Compliance as declared and checked for the year (the compliance register can only add events)
    prohibited_or_restricted_product = flag(_("product in a prohibited or restricted catalogue"))
    rd_deduction_negative_list_industry = flag(_("industry excluded from the R&D super-deduction"))
    major_incident_or_violation_recent = flag(_("major accident or violation this or last year"))
    major_incident_or_violation_3y = flag(_("major accident or violation within 3 years"))
    abnormal_or_serious_dishonesty_list = flag(_("on the abnormal-operation or serious-dishonesty list"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "year"]
        verbose_name = _("yearly facts")
        verbose_name_plural = _("yearly facts")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="enterprise_year_unique")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class IntellectualProperty(models.Model):
    class IPClass(models.TextChoices):
        CLASS_I = "I", _("Class I")
        CLASS_II = "II", _("Class II")

    class Kind(models.TextChoices):
        INVENTION_PATENT = "invention_patent", _("Invention patent")
        PLANT_VARIETY = "plant_variety", _("New plant variety")
        IC_LAYOUT = "ic_layout", _("IC layout design")
        NEW_DRUG = "new_drug", _("National new drug")
        UTILITY_MODEL = "utility_model", _("Utility model")
        DESIGN = "design", _("Design patent")
        SOFTWARE = "software_copyright", _("Software copyright")

    class Acquisition(models.TextChoices):
        SELF_DEVELOPED = "self_developed", _("Self-developed")
        TRANSFER = "transfer", _("Transfer")
        GIFT = "gift", _("Gift")
        MERGER = "merger", _("Merger")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ip_items")
    ip_class = models.CharField(_("class"), max_length=2, choices=IPClass.choices)
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    number = models.CharField(pgettext_lazy("document", "number"), max_length=64)
    title = models.CharField(pgettext_lazy("document", "title"), max_length=300, blank=True)
    grant_date = models.DateField(_("granted on"))
    acquisition = models.CharField(_("acquired by"), max_length=16, choices=Acquisition.choices)
    used_in_prior_hte = models.BooleanField(_("used in an earlier high-tech recognition"), default=False)
    high_value = models.BooleanField(_("high-value patent"), default=False)
    is_valid = models.BooleanField(_("valid"), default=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "-grant_date"]
        verbose_name = _("intellectual property")
        verbose_name_plural = _("intellectual property")
        constraints = [models.UniqueConstraint(fields=["enterprise", "number"], name="ip_number_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Qualification(models.Model):
    """A tier held: certificate or registration number with its validity (资质/认定)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="qualifications")
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, db_index=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64)
    issue_date = models.DateField(pgettext_lazy("certificate", "issued on"))
    expiry_date = models.DateField(_("expires on"), db_index=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "tier", "-issue_date"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.UniqueConstraint(fields=["tier", "certificate_number"], name="qualification_number_unique"),
            models.CheckConstraint(
                condition=models.Q(expiry_date__gte=models.F("issue_date")), name="qualification_dates"
            ),
        ]
        indexes = [
            models.Index(fields=["tier", "expiry_date"]),
            # "holds tier X" per enterprise, the list page's EXISTS filters (bench/ladder.py)
            models.Index(fields=["enterprise", "tier", "expiry_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.certificate_number}"


class Award(models.Model):
    class Kind(models.TextChoices):
        NATIONAL_ST = "national_st", _("National S&T award")
        PROVINCIAL_ST = "provincial_st", _("Provincial or ministerial S&T award")
        MAKER_CHINA_TOP500 = "maker_china_top500", _("Maker China top 500")
        INNOVATION_HONOR = "innovation_honor", _("Other technology-innovation honour")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="awards")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    rank = models.PositiveSmallIntegerField(_("unit rank"), null=True, blank=True, help_text=_("1 = first unit"))
    awarded_on = models.DateField(_("awarded on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "-awarded_on"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return self.name


class Standard(models.Model):
    class Level(models.TextChoices):
        INTERNATIONAL = "international", _("International")
        NATIONAL = "national", _("National")
        INDUSTRY = "industry", _("Industry")
        LOCAL = "local", _("Local")
        GROUP = "group", _("Group")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="standards")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    number = models.CharField(pgettext_lazy("document", "number"), max_length=64)
    title = models.CharField(pgettext_lazy("document", "title"), max_length=300)
    led = models.BooleanField(_("led by the enterprise"), default=False)
    published_on = models.DateField(_("published on"))

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "-published_on"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class RdInstitution(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial or ministerial")
        MUNICIPAL = "municipal", _("Municipal")
        BELOW_MUNICIPAL = "below_municipal", _("Below municipal")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="rd_institutions")
    name = models.CharField(_("name"), max_length=300)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    recognised_on = models.DateField(_("recognised on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "-recognised_on"]
        verbose_name = _("R&D institution")
        verbose_name_plural = _("R&D institutions")

    def __str__(self) -> str:
        return self.name


class ComplianceEvent(models.Model):
    class Kind(models.TextChoices):
        SAFETY_ACCIDENT = "safety_accident", _("Major safety accident")
        QUALITY_ACCIDENT = "quality_accident", _("Major quality accident")
        ENVIRONMENTAL = "environmental_violation", _("Serious environmental violation")
        ABNORMAL_LIST = "abnormal_list", _("Business-abnormality list")
        DISHONESTY_LIST = "dishonesty_list", _("Serious-dishonesty list")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="compliance_events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    occurred_on = models.DateField(_("occurred on"))
    resolved_on = models.DateField(_("removed from the list on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "-occurred_on"]
        verbose_name = _("compliance event")
        verbose_name_plural = _("compliance events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


# The tables an enterprise's facts record is built from, by the `build_facts` keyword that takes their rows.
FACT_SOURCES: tuple[tuple[str, type[models.Model]], ...] = (
    ("years", EnterpriseYear),
    ("ip", IntellectualProperty),
    ("qualifications", Qualification),
    ("awards", Award),
    ("standards", Standard),
    ("institutions", RdInstitution),
    ("events", ComplianceEvent),
)


class LadderResult(models.Model):
    """The stored verdict of one tier for one enterprise, with the rule version and as-of date used."""

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NOT_EVALUABLE = "not_evaluable", _("Not evaluable")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ladder_results")
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    as_of = models.DateField(_("as of"))
    rule_version = models.CharField(_("rule version"), max_length=100)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    score = models.FloatField(_("score"), null=True, blank=True)
    route = models.CharField(_("route"), max_length=100, blank=True)
    failed = models.PositiveSmallIntegerField(_("criteria failed"), default=0)
    failed_criteria = models.JSONField(_("failed criteria"), default=list)
    # Relative distance to the tier (sum of the failed criteria's relative shortfalls) and the gap
    # sentences; kept for near misses (1–2 failed criteria), which make the reserve pool.
    shortfall = models.FloatField(_("shortfall"), null=True, blank=True)
    gaps = models.JSONField(_("gaps"), default=list)
    missing = models.JSONField(_("missing data"), default=list)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "tier"]
        verbose_name = _("ladder result")
        verbose_name_plural = _("ladder results")
        constraints = [models.UniqueConstraint(fields=["enterprise", "tier"], name="ladder_result_unique")]
        indexes = [models.Index(fields=["tier", "status", "failed"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.tier} {self.status}"


class FactCorrection(Timestamped):
    """A firm's proposed figure for one of its yearly facts (企业申报更正): it does not count until the district
    (or the bureau) confirms it; confirming writes the figure into the register (`facts_save`, audited) and
    re-evaluates the ladder. A year the register lacks is proposed the same way (its current value is empty)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", pgettext_lazy("fact correction", "Rejected")

    enterprise = models.ForeignKey(
        # Like the firm's other facts, they go with the firm (an enterprise is archived by its status, never deleted
        # in use; a restore drill or a data clean-up deletes it with everything it holds).
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="fact_corrections",
    )
    year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(1980), MaxValueValidator(2100)]
    )
    field = models.CharField(_("figure"), max_length=64)
    # The figures as text in the register's own notation ("" = none): what the register held when it was proposed.
    current_value = models.CharField(_("value in the register"), max_length=64, blank=True)
    proposed_value = models.CharField(_("proposed value"), max_length=64)
    reason = models.TextField(_("reason"), max_length=1000)
    proposed_by = models.ForeignKey(
        "core.User", verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=1000, blank=True)

    data_scope = BY_ENTERPRISE_REGION
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fact correction")
        verbose_name_plural = _("fact corrections")
        constraints = [
            # One open proposal per figure: a second one would race the first at confirmation.
            models.UniqueConstraint(
                fields=["enterprise", "year", "field"],
                condition=models.Q(status="proposed"),
                name="fact_correction_one_open",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year} {self.field}"
