"""科技特派员 (policy task 7) and 科普 (task 23): commissioners, their teams, dispatches, service logs and yearly
assessments; popular-science bases, their yearly evaluations, and activities.

Scope: a commissioner belongs to the district that manages them and the department that runs the programme; a
dispatch and its logs belong to the region served (the managing district reads them too). A base and an activity
belong to their region and the department responsible."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class ServiceTeam(models.Model):
    """A 创新创业共同体产业服务团: commissioners of one industry serving together."""

    name = models.CharField(_("team name"), max_length=100, unique=True)
    industry = models.CharField(_("industry served"), max_length=100, blank=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")

    def __str__(self) -> str:
        return self.name


class Commissioner(models.Model):
    class Employer(models.TextChoices):
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        ENTERPRISE = "enterprise", _("Enterprise")
        AGENCY = "agency", _("Extension agency")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National level")
        PROVINCIAL = "provincial", _("Provincial level")
        CITY = "city", _("City level")
        COUNTY = "county", _("County level")

    class Field(models.TextChoices):
        CROPS = "crops", _("Crops and seeds")
        HORTICULTURE = "horticulture", _("Fruit and vegetables")
        LIVESTOCK = "livestock", _("Livestock and veterinary")
        AQUACULTURE = "aquaculture", _("Aquaculture")
        PROCESSING = "processing", _("Agricultural processing")
        MACHINERY = "machinery", _("Farm machinery")
        DIGITAL = "digital", _("Digital agriculture")
        ECOLOGY = "ecology", _("Soil, water and ecology")

    name = models.CharField(_("name of the commissioner"), max_length=50)
    field = models.CharField(_("field"), max_length=16, choices=Field.choices, db_index=True)
    expertise = models.CharField(_("expertise"), max_length=200)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    level = models.CharField(_("commissioner level"), max_length=16, choices=Level.choices, default=Level.CITY)
    employer_kind = models.CharField(_("employer type"), max_length=16, choices=Employer.choices)
    employer_name = models.CharField(_("employer"), max_length=200)
    employer_credit_code = models.CharField(
        _("employer credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("required for an enterprise: links it to the enterprise register"),
    )
    team = models.ForeignKey(
        ServiceTeam,
        verbose_name=_("service team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commissioners",
    )
    region = models.ForeignKey(OrgUnit, verbose_name=_("managing region"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField(_("commissioner since"), null=True, blank=True)
    is_active = models.BooleanField(_("on the roster"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(region="region", department="department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("S&T commissioner")
        verbose_name_plural = _("S&T commissioners")
        indexes = [models.Index(fields=["region", "field"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.employer_kind == self.Employer.ENTERPRISE and not self.employer_credit_code:
            raise ValidationError(
                {"employer_credit_code": _("An enterprise employer needs its unified social credit code.")}
            )


class Dispatch(models.Model):
    """A commissioner sent to serve a village, a cooperative or an enterprise for a term."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Village")
        COOPERATIVE = "cooperative", _("Cooperative")
        ENTERPRISE = "enterprise", _("Agricultural enterprise")

    commissioner = models.ForeignKey(
        Commissioner, verbose_name=_("S&T commissioner"), on_delete=models.PROTECT, related_name="dispatches"
    )
    kind = models.CharField(_("served party type"), max_length=16, choices=Kind.choices)
    served_name = models.CharField(_("served party"), max_length=200)
    served_credit_code = models.CharField(
        _("served party credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    region = models.ForeignKey(OrgUnit, verbose_name=_("region served"), on_delete=models.PROTECT, related_name="+")
    town = models.CharField(_("town"), max_length=50)
    village = models.CharField(_("village"), max_length=50, blank=True)
    start = models.DateField(_("term from"))
    end = models.DateField(_("term to"))
    task = models.CharField(_("service task"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    # The served region's; the commissioner's managing district reads it too.
    data_scope = DataScope(
        region="region", department="commissioner__department", region_reads=("commissioner__region",)
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")

    def __str__(self) -> str:
        return f"{self.commissioner} → {self.served_name}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The term ends before it starts.")})

    def covers(self, day) -> bool:
        return self.start <= day <= self.end


class ServiceLog(models.Model):
    """One visit or service of a commissioner under a dispatch."""

    dispatch = models.ForeignKey(Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT, related_name="logs")
    date = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=100)
    content = models.CharField(_("what was done"), max_length=500)
    people_trained = models.PositiveIntegerField(_("people trained"), default=0)
    technologies_introduced = models.PositiveIntegerField(_("technologies introduced"), default=0)
    technologies = models.CharField(_("technologies"), max_length=300, blank=True)
    income_effect_wan = models.DecimalField(
        _("income effect reported (10k yuan)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    data_scope = DataScope(
        region="dispatch__region",
        department="dispatch__commissioner__department",
        region_reads=("dispatch__commissioner__region",),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("service log")
        verbose_name_plural = _("service logs")

    def __str__(self) -> str:
        return f"{self.date} {self.place}"


class Assessment(models.Model):
    """The yearly assessment of a commissioner: a score and the grade the bands give it."""

    commissioner = models.ForeignKey(
        Commissioner, verbose_name=_("S&T commissioner"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveIntegerField(_("year"), validators=YEAR_VALIDATORS)
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    grade = models.CharField(_("grade"), max_length=16)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    data_scope = DataScope(region="commissioner__region", department="commissioner__department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "commissioner_id"]
        verbose_name = _("yearly assessment")
        verbose_name_plural = _("yearly assessments")
        constraints = [models.UniqueConstraint(fields=["commissioner", "year"], name="outreach_assessment_once")]

    def __str__(self) -> str:
        return f"{self.commissioner} {self.year}"


class PopsciBase(models.Model):
    """A 科普教育基地."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National level")
        PROVINCIAL = "provincial", _("Provincial level")
        CITY = "city", _("City level")

    class Category(models.TextChoices):
        VENUE = "venue", _("Science venue")
        EDUCATION = "education", _("School or campus")
        INDUSTRY = "industry", _("Enterprise or industry")
        RESEARCH = "research", _("Research institute")
        AGRICULTURE = "agriculture", _("Agriculture and countryside")
        NATURE = "nature", _("Nature and ecology")

    name = models.CharField(_("base name"), max_length=200, unique=True)
    organisation = models.CharField(_("operating organisation"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.CITY, db_index=True)
    recognised_year = models.PositiveIntegerField(_("recognised in"), validators=YEAR_VALIDATORS)
    document_number = models.CharField(_("recognition document"), max_length=100, blank=True)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="+"
    )
    provincial_candidate = models.BooleanField(_("candidate for the provincial title"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(region="region", department="department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("popular-science base")
        verbose_name_plural = _("popular-science bases")

    def __str__(self) -> str:
        return self.name


class BaseEvaluation(models.Model):
    base = models.ForeignKey(
        PopsciBase, verbose_name=_("popular-science base"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveIntegerField(_("year"), validators=YEAR_VALIDATORS)
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    grade = models.CharField(_("grade"), max_length=16)
    visitors = models.PositiveIntegerField(_("visitors in the year"), default=0)

    data_scope = DataScope(region="base__region", department="base__department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "base_id"]
        verbose_name = _("yearly evaluation")
        verbose_name_plural = _("yearly evaluations")
        constraints = [models.UniqueConstraint(fields=["base", "year"], name="outreach_evaluation_once")]

    def __str__(self) -> str:
        return f"{self.base} {self.year}"


class Activity(models.Model):
    """A 科普 activity: a 科技活动周 event, a 科普大篷车 tour stop, a 蒲公英 youth programme."""

    class Kind(models.TextChoices):
        TECH_WEEK = "tech_week", _("S&T Week event")
        CARAVAN = "caravan", _("Science caravan tour")
        DANDELION = "dandelion", _("Dandelion youth programme")
        OTHER = "other", _("Other popular-science activity")

    class Audience(models.TextChoices):
        FARMERS = "farmers", _("Farmers")
        STUDENTS = "students", _("Pupils and students")
        PUBLIC = "public", _("General public")
        WORKERS = "workers", _("Workers and staff")
        ELDERLY = "elderly", _("Elderly people")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    title = models.CharField(_("activity title"), max_length=200)
    date = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=100)
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    organiser = models.CharField(_("organiser"), max_length=200)
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    participants = models.PositiveIntegerField(_("participants"))
    base = models.ForeignKey(
        PopsciBase,
        verbose_name=_("popular-science base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(region="region", department="department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("popular-science activity")
        verbose_name_plural = _("popular-science activities")

    def __str__(self) -> str:
        return self.title
