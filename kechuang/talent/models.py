"""The talent register (§1.7 of talent-platforms-projects.md): tiers and programmes as dictionary data, talents
(ID numbers and phones encrypted at rest, found by blind index, masked on screen), teams, and the programme
selection rounds with their applications, reviews and tranches."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.api_params import MAX_YEAR, MIN_YEAR
from kechuang.core.encrypted import BlindIndexField, EncryptedCharField
from kechuang.core.models import Archivable, OrgUnit, Timestamped
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code, validate_mobile
from kechuang.talent.engines import idcard
from kechuang.talent.engines import workflow as wf

# Checked by full_clean on every save (audit.save), so the API, the imports and a form that skips the model checks
# refuse a negative amount or an impossible year as the page forms do.
NON_NEGATIVE = [MinValueValidator(Decimal(0))]
A_YEAR = [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]


def normalise_id(value: str) -> str:
    return idcard.normalise(value)


class IdNumberField(EncryptedCharField):
    """An ID number encrypted at rest; its blind index ignores blanks and the case of a final x."""

    normalise = staticmethod(normalise_id)


class Dictionary(models.Model):
    """A dictionary entry that changes by year and city: validity, source document, and whether the bureau has
    confirmed it (an unconfirmed entry is the reference's default, shown as such on the pages)."""

    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    confirmed = models.BooleanField(
        _("confirmed by the bureau"), default=False, help_text=_("Unconfirmed: the reference's default value.")
    )

    class Meta:
        abstract = True


class Tier(Dictionary):
    """人才层次 A–E: a talent's derived tier is the highest (smallest rank) of its memberships' tiers."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the highest tier"))
    typical_members = models.CharField(_("typical members"), max_length=200, blank=True)
    support = models.CharField(_("support"), max_length=200, blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("talent tier")
        verbose_name_plural = _("talent tiers")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Programme(Dictionary):
    """A talent programme (人才工程) as data: level, owner department, categories, cadence, support rules."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National level")
        PROVINCIAL = "provincial", _("Provincial level")
        CITY = "city", _("City level")

    class Cadence(models.TextChoices):
        YEARLY = "yearly", _("Every year")
        BIENNIAL = "biennial", _("Every two years")
        BATCHES = "batches", _("In batches")
        ON_APPLICATION = "on_application", _("On application")

    class Quota(models.TextChoices):
        NONE = "", _("None")
        PROVINCIAL_PLUS = "provincial_plus", _("Provincial-or-above key talent programmes")
        YOUNG = "young", _("Outstanding young S&T talents")
        FOREIGN = "foreign", _("Foreign experts")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    owner_department = models.ForeignKey(
        OrgUnit, verbose_name=_("owner department"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier granted"), on_delete=models.PROTECT, related_name="programmes")
    categories = models.JSONField(_("categories"), default=list, blank=True)
    cadence = models.CharField(_("selection cadence"), max_length=16, choices=Cadence.choices, default=Cadence.YEARLY)
    quota = models.CharField(_("counts towards"), max_length=20, choices=Quota.choices, blank=True, default="")
    support_rules = models.JSONField(
        _("support rules"),
        default=dict,
        blank=True,
        help_text=_("maximum (10k yuan), tranche shares, term in years, days of public notice, claw-back rule"),
    )
    support_text = models.CharField(_("support"), max_length=300, blank=True)
    # Who may apply (for the policy push): the highest tier rank an applicant may already hold, a maximum age.
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    DEFAULT_RULES = {"term_years": 5, "objection_days": 5, "clawback": "pro_rata", "tranches": [0.4, 0.3, 0.3]}

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("talent programme")
        verbose_name_plural = _("talent programmes")

    def __str__(self) -> str:
        return self.name

    def rule(self, key: str):
        """A support rule: the programme's own, else the reference's default (`is_default_rule` says which)."""
        return (self.support_rules or {}).get(key, self.DEFAULT_RULES.get(key))

    def is_default_rule(self, key: str) -> bool:
        return key not in (self.support_rules or {})


class Talent(Archivable, Timestamped):
    """One talent of the register."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class IdType(models.TextChoices):
        RESIDENT = "resident", _("Resident ID card")
        PASSPORT = "passport", _("Passport")
        OTHER = "other", _("Other")

    class Mode(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        FLEXIBLE = "flexible", _("Flexible")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In the city")
        LEFT = "left", _("Left the city")

    class Degree(models.TextChoices):
        DOCTORATE = "doctorate", _("Doctorate")
        MASTER = "master", _("Master's")
        BACHELOR = "bachelor", _("Bachelor's")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=50, default="中国")
    id_type = models.CharField(_("ID type"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = IdNumberField(_("ID number"), max_length=32)
    id_number_bidx = BlindIndexField(source="id_number")
    phone = EncryptedCharField(_("mobile phone"), max_length=20, blank=True, validators=[validate_mobile])
    phone_bidx = BlindIndexField(source="phone")
    degree = models.CharField(_("degree"), max_length=16, choices=Degree.choices, blank=True)
    university = models.CharField(_("university"), max_length=100, blank=True)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    discipline = models.CharField(_("discipline"), max_length=100, blank=True)
    industry = models.CharField(_("industry field"), max_length=100, blank=True)
    employer_credit_code = models.CharField(
        _("employer credit code"), max_length=18, validators=[validate_credit_code], db_index=True
    )
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.FULL_TIME)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    tier = models.ForeignKey(
        Tier, verbose_name=_("talent tier"), on_delete=models.PROTECT, null=True, blank=True, related_name="talents"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("left the city on"), null=True, blank=True)
    # The portal account bound to this record (a talent user sees only it).
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_record",
    )

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("talent")
        verbose_name_plural = _("talents")
        indexes = [
            models.Index(fields=["region", "tier"]),
            models.Index(fields=["status", "mode"]),
            # the registry's count and newest page, of the city or of one district, from the index
            models.Index(fields=["region", "is_active"], name="talent_region_active_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.id_type == self.IdType.RESIDENT and self.id_number:
            self.id_number = idcard.normalise(self.id_number)
            problem = idcard.problem(self.id_number)
            if problem:
                raise ValidationError({"id_number": ID_PROBLEMS[problem]})
        if self.region_id and self.region.kind != OrgUnit.Kind.REGION:
            raise ValidationError({"region": _("Choose a district or county.")})


ID_PROBLEMS = {
    "shape": _("An ID number has 17 digits and a final digit or X."),
    "birth_date": _("The birth date in this ID number does not exist."),
    "check_digit": _("The check digit of this ID number is wrong (GB 11643)."),
}


class Team(Archivable, Timestamped):
    """A talent team: its leader, members, employer, field, programme and platforms."""

    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(Talent, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="teams_led")
    members = models.ManyToManyField(Talent, verbose_name=_("members"), blank=True, related_name="teams")
    field = models.CharField(_("field"), max_length=100, blank=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    platforms = models.CharField(_("platforms"), max_length=200, blank=True)

    data_scope = DataScope(region="leader__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("talent team")
        verbose_name_plural = _("talent teams")

    def __str__(self) -> str:
        return self.name


class Membership(Timestamped):
    """A talent's title in a programme: from an approved application, or recorded (a national programme the city
    does not select). Live memberships decide the talent's tier and count towards the quotas."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        SUSPENDED = "suspended", _("Suspended")
        REMOVED = "removed", _("Removed")
        CLOSED = "closed", _("Term completed")
        WITHDRAWN = "withdrawn", _("Withdrawn (left the city)")

    LIVE = (Status.ACTIVE, Status.CLOSED)

    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="memberships")
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="memberships"
    )
    category = models.CharField(_("category"), max_length=50, blank=True)
    batch_year = models.PositiveSmallIntegerField(_("batch year"))
    approved_on = models.DateField(_("approval date"))
    term_end = models.DateField(_("term end"), null=True, blank=True)
    approved_wan = models.DecimalField(
        _("approved (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0), validators=NON_NEGATIVE
    )
    paid_wan = models.DecimalField(_("paid (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)

    data_scope = DataScope(region="talent__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-batch_year", "id"]
        verbose_name = _("programme membership")
        verbose_name_plural = _("programme memberships")
        indexes = [models.Index(fields=["programme", "batch_year", "status"])]

    def __str__(self) -> str:
        return f"{self.talent} · {self.programme} ({self.batch_year})"


class SelectionRound(Timestamped):
    """One call of a programme (申报通知): its year, dates and the 公示 length."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="rounds"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    published_on = models.DateField(_("call published on"))
    deadline = models.DateField(_("application deadline"))
    is_open = models.BooleanField(_("open for applications"), default=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "programme__code"]
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")
        constraints = [models.UniqueConstraint(fields=["programme", "year"], name="talent_round_programme_year")]

    def __str__(self) -> str:
        return self.title


class Application(Timestamped):
    """An employer's application for one of its talents in a round, through the §1.6 workflow."""

    class State(models.TextChoices):
        DRAFT = wf.DRAFT, _("Draft")
        SUBMITTED = wf.SUBMITTED, _("Submitted by the employer")
        RECOMMENDED = wf.RECOMMENDED, _("Recommended by the district")
        FORMAL_CHECK = wf.FORMAL_CHECK, _("Formal check")
        EXPERT_REVIEW = wf.EXPERT_REVIEW, _("Expert review")
        PUBLICITY = wf.PUBLICITY, _("Public notice")
        APPROVED = wf.APPROVED, _("Approved for the programme")
        NOT_APPROVED = wf.NOT_APPROVED, _("Not approved")
        AGREEMENT = wf.AGREEMENT, _("Agreement signed")
        FUNDED = wf.FUNDED, _("Funds disbursed")
        ANNUAL_CHECK = wf.ANNUAL_CHECK, _("Annual check")
        SUSPENDED = wf.SUSPENDED, _("Suspended")
        REMOVED = wf.REMOVED, _("Removed")
        TERM_EVALUATION = wf.TERM_EVALUATION, _("Term evaluation")
        CLOSED = wf.CLOSED, _("Closed out")
        WITHDRAWN = wf.WITHDRAWN, _("Withdrawn (left the city)")

    round = models.ForeignKey(
        SelectionRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="applications"
    )
    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="applications")
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    employer_credit_code = models.CharField(_("employer credit code"), max_length=18, db_index=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=wf.DRAFT, db_index=True)
    requested_wan = models.DecimalField(
        _("requested (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0), validators=NON_NEGATIVE
    )
    approved_wan = models.DecimalField(
        _("approved (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0), validators=NON_NEGATIVE
    )
    paid_wan = models.DecimalField(_("paid (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0))
    clawback_wan = models.DecimalField(_("clawed back (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0))
    submitted_on = models.DateField(_("submitted by the employer on"), null=True, blank=True)
    publicity_start = models.DateField(_("public notice from"), null=True, blank=True)
    publicity_end = models.DateField(_("public notice until"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    note = models.CharField(_("last note"), max_length=300, blank=True)
    membership = models.OneToOneField(
        Membership, verbose_name=_("membership"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    data_scope = DataScope(region="region", department="round__programme__owner_department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("programme application")
        verbose_name_plural = _("programme applications")
        constraints = [models.UniqueConstraint(fields=["round", "talent"], name="talent_application_once_per_round")]

    def __str__(self) -> str:
        return f"{self.talent} · {self.round}"


class Review(Timestamped):
    """One expert's review of an application; a reviewer with a conflict declares it and does not score."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    conflict = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_note = models.CharField(_("conflict"), max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(_("review score"), null=True, blank=True)
    comment = models.CharField(_("review comment"), max_length=500, blank=True)

    data_scope = DataScope(region="application__region", department="application__round__programme__owner_department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="talent_review_once")]


class Tranche(Timestamped):
    """One payment (or a claw-back, negative) of an application's money."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="tranches"
    )
    paid_on = models.DateField(_("paid on"))
    amount_wan = models.DecimalField(_("amount (10k yuan)"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    data_scope = DataScope(region="application__region", department="application__round__programme__owner_department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")


class ForeignExpert(Timestamped):
    """A foreign expert (a talent of the register) and the unit hosting them."""

    talent = models.OneToOneField(
        Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="foreign_expert"
    )
    host_credit_code = models.CharField(_("host unit credit code"), max_length=18, validators=[validate_credit_code])
    host_name = models.CharField(_("host unit"), max_length=200, blank=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("foreign expert")
        verbose_name_plural = _("foreign experts")

    def __str__(self) -> str:
        return str(self.talent)


class Visit(Timestamped):
    """One stay of a foreign expert: one person-visit (人次) in the year it starts."""

    expert = models.ForeignKey(
        ForeignExpert, verbose_name=_("foreign expert"), on_delete=models.PROTECT, related_name="visits"
    )
    arrived_on = models.DateField(_("arrived on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    purpose = models.CharField(_("purpose of visit"), max_length=200, blank=True)

    data_scope = DataScope(region="expert__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-arrived_on", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def clean(self) -> None:
        if self.left_on and self.arrived_on and self.left_on < self.arrived_on:
            raise ValidationError({"left_on": _("The departure is before the arrival.")})


class ForeignProject(Timestamped):
    """A 引智 project: its host, level, year, funding and outcomes (shared in the 引智成果 library)."""

    title = models.CharField(_("title"), max_length=200)
    host_credit_code = models.CharField(_("host unit credit code"), max_length=18, validators=[validate_credit_code])
    host_name = models.CharField(_("host unit"), max_length=200, blank=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=16, choices=Programme.Level.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=A_YEAR)
    funding_wan = models.DecimalField(
        _("funding (10k yuan)"), max_digits=10, decimal_places=2, default=Decimal(0), validators=NON_NEGATIVE
    )
    experts = models.ManyToManyField(
        ForeignExpert, verbose_name=_("foreign experts"), blank=True, related_name="projects"
    )
    outcomes = models.TextField(_("outcomes"), blank=True)
    in_library = models.BooleanField(_("in the 引智 outcomes library"), default=False)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("foreign-intelligence project")
        verbose_name_plural = _("foreign-intelligence projects")
        indexes = [models.Index(fields=["year", "region"])]

    def __str__(self) -> str:
        return self.title


class CardType(Dictionary):
    """A talent card (the city's elite card, the province's talent card): its issuer, validity and renewal reminder
    (defaults until confirmed)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    issuer = models.ForeignKey(
        OrgUnit, verbose_name=_("issuing department"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"), default=3)
    reminder_days = models.PositiveSmallIntegerField(_("renewal reminder (days before expiry)"), default=60)
    benefits = models.TextField(_("benefits"), blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("card type")
        verbose_name_plural = _("card types")

    def __str__(self) -> str:
        return self.name


class CardGrade(Dictionary):
    """A grade of a card type and the lowest talent tier that qualifies for it."""

    card_type = models.ForeignKey(
        CardType, verbose_name=_("card type"), on_delete=models.PROTECT, related_name="grades"
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=50)
    min_tier = models.ForeignKey(
        Tier, verbose_name=_("lowest qualifying tier"), on_delete=models.PROTECT, related_name="+"
    )
    benefits = models.TextField(_("benefits"), blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["card_type", "min_tier__rank"]
        verbose_name = _("card grade")
        verbose_name_plural = _("card grades")
        constraints = [models.UniqueConstraint(fields=["card_type", "code"], name="talent_card_grade_code")]

    def __str__(self) -> str:
        return f"{self.card_type.name} · {self.name}"


class TalentCard(Timestamped):
    """One talent's card, through application → district review → department re-check → issue."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Applied")
        DISTRICT_REVIEWED = "district_reviewed", _("Reviewed by the district")
        APPROVED = "approved", _("Re-checked by the department")
        ISSUED = "issued", _("Card issued")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        REJECTED = "rejected", _("Turned down")

    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="cards")
    card_type = models.ForeignKey(CardType, verbose_name=_("card type"), on_delete=models.PROTECT, related_name="cards")
    grade = models.ForeignKey(CardGrade, verbose_name=_("grade"), on_delete=models.PROTECT, related_name="cards")
    number = models.CharField(_("card number"), max_length=32, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED, db_index=True)
    issued_on = models.DateField(_("card issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    # The secret part of the verification code: a new one on every revocation or suspension, so old codes fail.
    nonce = models.CharField(max_length=32, editable=False)
    note = models.CharField(_("last note"), max_length=300, blank=True)

    data_scope = DataScope(region="talent__region", department="card_type__issuer")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("talent card")
        verbose_name_plural = _("talent cards")

    def __str__(self) -> str:
        return f"{self.card_type.name} {self.number}"


class CalendarDay(models.Model):
    """One day of the official holiday calendar: a public holiday, or a weekend day made a working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        MAKEUP = "makeup", _("Make-up working day")

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class ServiceItem(Dictionary):
    """服务事项: a service the talent may ask for, its provider department, who is eligible and its time limit."""

    class Category(models.TextChoices):
        HOUSING = "housing", _("Housing")
        SCHOOLING = "schooling", _("Children's schooling")
        MEDICAL = "medical", _("Medical care")
        SPOUSE = "spouse", _("Spouse employment")
        RESIDENCE = "residence", _("Residence, files and entry-exit")
        PROJECTS = "projects", _("Project guidance")
        LEGAL = "legal", _("Legal, accounting and tax advice")
        FINANCE = "finance", _("Finance")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    provider = models.ForeignKey(
        OrgUnit, verbose_name=_("provider department"), on_delete=models.PROTECT, related_name="+"
    )
    eligible_tiers = models.ManyToManyField(Tier, verbose_name=_("eligible tiers"), blank=True, related_name="+")
    eligible_cards = models.ManyToManyField(
        CardType, verbose_name=_("eligible cards"), blank=True, related_name="service_items"
    )
    sla_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    online = models.BooleanField(_("online"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.name


class ServiceRequest(Timestamped):
    """A talent's request for a service item, through its states; the time limit runs in working days from the
    acceptance and stops while the request is returned for information."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Request submitted")
        ACCEPTED = "accepted", _("Accepted for handling")
        IN_PROGRESS = "in_progress", _("In progress")
        RETURNED = "returned_for_info", _("Returned for information")
        COMPLETED = "completed", _("Handled")
        RATED = "rated", _("Rated")
        REJECTED = "rejected", _("Turned down")
        CANCELLED = "cancelled", _("Withdrawn by the requester")

    # indexed by the desk's indexes below, which start with it
    talent = models.ForeignKey(
        Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED, db_index=True)
    detail = models.CharField(_("what is asked"), max_length=500, blank=True)
    submitted_on = models.DateField(_("submitted on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    completed_on = models.DateField(_("handled on"), null=True, blank=True)
    breached = models.BooleanField(_("time limit exceeded"), default=False, db_index=True)
    assignee = models.CharField(_("handled by"), max_length=50, blank=True)
    note = models.CharField(_("last note"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)

    # a million requests: the queue is filtered through subqueries, so its newest page is read in id order
    data_scope = DataScope(region="talent__region", department="item__provider", subquery=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        # The desk's per-provider figures read these indexes alone (no row of the table): the bureau's and a provider
        # department's by item, a district's by talent. They also serve the foreign keys' lookups.
        indexes = [
            models.Index(fields=["item", "state", "breached", "rating"], name="talent_request_desk_idx"),
            models.Index(fields=["talent", "item", "state", "breached", "rating"], name="talent_request_talent_idx"),
            # the desk's cache stamp: the latest change
            models.Index(fields=["updated_at"], name="talent_request_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.talent}"


class PortalRegistration(Timestamped):
    """A talent's request for a portal account (self-registration): the account is created inactive and bound to
    the talent's record only when the district (or the bureau, or the employer) confirms it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        ACTIVATED = "activated", _("Account activated")
        REFUSED = "refused", _("Turned down")

    talent = models.ForeignKey(
        Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="portal_registrations"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("portal account"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("reason"), max_length=300, blank=True)

    data_scope = DataScope(region="talent__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("portal registration")
        verbose_name_plural = _("portal registrations")

    def __str__(self) -> str:
        return f"{self.talent} · {self.account}"


class RegistrationAttempt(models.Model):
    """One submission of the public registration form, for its rate limit: a keyed hash of the address, never
    the address, the ID number or whether it matched a record."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("registration attempt")
        verbose_name_plural = _("registration attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"
