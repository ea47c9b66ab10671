"""S&T finance (科技金融, task 20): the capability score for credit enhancement and its history, the loan register
(鲁科贷 / 科技研发贷), the innovation-insurance pilot, venture capital, and the listing reserve (上市后备).

Firms are named by credit code and name as the register gives them (the enterprise module is reached through
`core.registry`, not by foreign key); each record keeps the firm's region, which decides who sees it. Money in 万元.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.entity_fields import EntityField, EntityFields
from kechuang.core.models import OrgUnit, Timestamped
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code
from kechuang.finance import competence


def wan(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], **kwargs
    )


def credit_code_field() -> models.CharField:
    return models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code], db_index=True)


def region_field() -> models.ForeignKey:
    return models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")


class ScoreScheme(models.Model):
    """One version of the scoring scheme (weights, bands, grades) as data; the newest active one scores."""

    version = models.CharField(_("version"), max_length=60, unique=True)
    data = models.JSONField(_("scheme"))
    source = models.CharField(_("source document"), max_length=300, blank=True)
    verified = models.BooleanField(_("confirmed by the bureau"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")

    def __str__(self) -> str:
        return self.version


class CapabilityScore(models.Model):
    """A firm's innovation-capability score on one day, with the measures and points it was computed from."""

    credit_code = credit_code_field()
    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    region = region_field()
    scheme = models.ForeignKey(ScoreScheme, verbose_name=_("scoring scheme"), on_delete=models.PROTECT)
    as_of = models.DateField(_("as of"))
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("grade"), max_length=8, blank=True)
    points = models.JSONField(_("points by criterion"), default=dict)  # code → points (tenths)
    measures = models.JSONField(_("measures"), default=dict)  # code → what was measured
    is_latest = models.BooleanField(_("latest"), default=True, db_index=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    data_scope = DataScope(region="region", task_readers=competence.tasks("scores"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-total", "credit_code"]
        verbose_name = _("capability score")
        verbose_name_plural = _("capability scores")
        constraints = [models.UniqueConstraint(fields=["credit_code", "as_of"], name="capability_score_day")]
        indexes = [models.Index(fields=["is_latest", "region"]), models.Index(fields=["credit_code", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.enterprise_name} {self.total}"


class Loan(Timestamped):
    """One S&T loan as filed monthly with the province."""

    class Product(models.TextChoices):
        LUKEDAI = "lukedai", _("鲁科贷 (provincial S&T achievement-transfer loan)")
        RD_LOAN = "rd_loan", _("科技研发贷 (the city's R&D loan)")

    class Purpose(models.TextChoices):
        RD = "rd", _("R&D")
        TRANSFER = "transfer", _("Technology transfer")
        INDUSTRIALISATION = "industrialisation", _("Industrialisation of results")

    class Status(models.TextChoices):
        GRANTED = "granted", pgettext_lazy("loan status", "Granted")
        REPAID = "repaid", _("Repaid")
        OVERDUE = "overdue", _("Overdue")
        REVOKED = "revoked", _("Filing revoked")

    product = models.CharField(_("loan product"), max_length=16, choices=Product.choices)
    bank = models.CharField(_("bank"), max_length=100)
    credit_code = credit_code_field()
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    region = region_field()
    amount_wan = wan(_("amount (万元)"))
    rate_pct = models.DecimalField(
        _("annual rate (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(36)]
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1), MaxValueValidator(360)]
    )
    purpose = models.CharField(pgettext_lazy("loan", "purpose"), max_length=20, choices=Purpose.choices)
    month = models.DateField(_("month granted"), help_text=_("the first day of the month the loan was granted"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.GRANTED)
    tech_sme_number = models.CharField(_("tech-SME number when filed"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    data_scope = DataScope(region="region", task_readers=competence.tasks("loans"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [models.Index(fields=["month", "product"]), models.Index(fields=["region", "month"])]

    def __str__(self) -> str:
        return f"{self.enterprise_name} {self.bank} {self.amount_wan}"


LOAN_FIELDS = EntityFields(
    Loan,
    [
        "product",
        "bank",
        EntityField("credit_code", import_kind="code"),
        EntityField("enterprise_name", uses=frozenset({"export", "api_out", "detail"})),
        EntityField("region", uses=frozenset({"export", "api_out", "detail"})),
        "amount_wan",
        "rate_pct",
        "term_months",
        "purpose",
        EntityField("month", import_kind="month"),
        "status",
        EntityField("tech_sme_number", uses=frozenset({"export", "api_out", "detail"})),
        "note",
    ],
)


class InsurancePolicy(Timestamped):
    """A policy of the innovation-insurance pilot (创业创新保险)."""

    class Product(models.TextChoices):
        RD_INNOVATION = "rd_innovation", _("R&D innovation insurance (研发创新保险)")
        STARTUP_FAILURE = "startup_failure", _("Start-up failure compensation insurance (创业失败补偿保险)")
        OTHER = "other", _("Other S&T insurance")

    insurer = models.CharField(_("insurer"), max_length=100)
    policy_number = models.CharField(_("policy number"), max_length=64, unique=True)
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    credit_code = credit_code_field()
    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    region = region_field()
    premium_wan = wan(_("premium (万元)"))
    subsidy_wan = wan(_("premium subsidy (万元)"), default=0)
    sum_insured_wan = wan(_("sum insured (万元)"))
    start_date = models.DateField(_("starts on"))
    end_date = models.DateField(_("ends on"))

    data_scope = DataScope(region="region", task_readers=competence.tasks("insurance"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="policy_dates"),
            models.CheckConstraint(
                condition=models.Q(subsidy_wan__lte=models.F("premium_wan")), name="subsidy_le_premium"
            ),
        ]

    def __str__(self) -> str:
        return self.policy_number


class InsuranceClaim(Timestamped):
    class Status(models.TextChoices):
        FILED = "filed", _("Filed")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", pgettext_lazy("claim", "Rejected")

    policy = models.ForeignKey(
        InsurancePolicy,
        verbose_name=pgettext_lazy("insurance", "policy"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    filed_on = models.DateField(_("filed on"))
    amount_claimed_wan = wan(_("amount claimed (万元)"))
    amount_paid_wan = wan(_("amount paid (万元)"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.FILED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    data_scope = DataScope(region="policy__region", task_readers=competence.tasks("insurance"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("insurance claim")
        verbose_name_plural = _("insurance claims")

    def __str__(self) -> str:
        return f"{self.policy} {self.filed_on}"


class Stage(models.TextChoices):
    SEED = "seed", _("Seed")
    EARLY = "early", _("Early")
    GROWTH = "growth", pgettext_lazy("investment stage", "Growth")


class VcInstitution(Timestamped):
    """A venture-capital institution (创投机构)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True, validators=[validate_credit_code])
    registered_in_city = models.BooleanField(_("registered in the city"), default=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("VC institution")
        verbose_name_plural = _("VC institutions")

    def __str__(self) -> str:
        return self.name


class VcFund(Timestamped):
    """A fund an institution manages; a 新旧动能转换基金 sub-fund carries the yielded-returns rule it follows."""

    institution = models.ForeignKey(
        VcInstitution, verbose_name=pgettext_lazy("vc", "institution"), on_delete=models.PROTECT, related_name="funds"
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    size_wan = wan(_("fund size (万元)"))
    conversion_fund = models.BooleanField(_("新旧动能转换基金 (old-to-new growth drivers fund)"), default=False)
    yield_share_pct = models.DecimalField(
        _("returns yielded on seed and early investments (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    yield_rule = models.CharField(_("yielded-returns rule"), max_length=300, blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("VC fund")
        verbose_name_plural = _("VC funds")

    def __str__(self) -> str:
        return self.name


class VcInvestment(Timestamped):
    fund = models.ForeignKey(VcFund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="investments")
    credit_code = credit_code_field()
    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    region = region_field()
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    amount_wan = wan(_("amount (万元)"))
    invested_on = models.DateField(_("invested on"))
    # Whether the fund's yielded-returns rule covers this investment, and its share, as recorded when it was made.
    yield_applies = models.BooleanField(_("yielded-returns rule applies"), default=False)
    yield_share_pct = models.DecimalField(
        _("returns yielded (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    data_scope = DataScope(region="region", task_readers=competence.tasks("venture_capital"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-invested_on", "-id"]
        verbose_name = _("VC investment")
        verbose_name_plural = _("VC investments")

    def __str__(self) -> str:
        return f"{self.fund} → {self.enterprise_name}"


class ListingFirm(Timestamped):
    """A firm in the listing reserve (上市后备库) and the stage it has reached."""

    class Stage(models.TextChoices):
        CULTIVATING = "cultivating", _("Cultivating")
        SHAREHOLDING = "shareholding", _("Shareholding reform done")
        TUTORING = "tutoring", _("Tutoring filed with the regulator")
        APPLIED = "applied", _("Application accepted")
        APPROVED = "approved", pgettext_lazy("listing stage", "Approved")
        LISTED = "listed", pgettext_lazy("listing stage", "Listed")

    class Board(models.TextChoices):
        MAIN = "main", _("Main board")
        STAR = "star", _("STAR Market")
        CHINEXT = "chinext", _("ChiNext")
        BSE = "bse", _("Beijing Stock Exchange")
        NEEQ = "neeq", _("NEEQ (New Third Board)")
        REGIONAL = "regional", _("Regional equity market")

    credit_code = models.CharField(_("credit code"), max_length=18, unique=True, validators=[validate_credit_code])
    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    region = region_field()
    stage = models.CharField(_("stage reached"), max_length=16, choices=Stage.choices, default=Stage.CULTIVATING)
    target_board = models.CharField(_("target board"), max_length=12, choices=Board.choices)
    entered_on = models.DateField(_("entered the reserve on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    data_scope = DataScope(region="region", task_readers=competence.tasks("listing_reserve"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise_name", "id"]
        verbose_name = _("listing-reserve firm")
        verbose_name_plural = _("listing-reserve firms")

    def __str__(self) -> str:
        return self.enterprise_name


class ListingService(Timestamped):
    """Training or a service given to a reserve firm."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        SERVICE = "service", _("Service")

    firm = models.ForeignKey(ListingFirm, verbose_name=_("firm"), on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("document", "title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    given_on = models.DateField(_("given on"))

    data_scope = DataScope(region="firm__region", task_readers=competence.tasks("listing_reserve"))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("listing service")
        verbose_name_plural = _("listing services")

    def __str__(self) -> str:
        return self.title
