"""The technology market (技术市场, tasks 13, 16 and 18 of 淄科发〔2023〕22号): the achievements library, technology
demands, experts, the domain vocabulary of the matching engine, matchmaking cases and registered technology
contracts. Field choices and rules follow ../shared/reference/tech-contracts.md (§ numbers cited below);
money is in 万元.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.codes import TechField, tech_field_column
from kechuang.core.encrypted import BlindIndexField, EncryptedCharField, EncryptedEmailField
from kechuang.core.entity_fields import API_IN, API_OUT, DETAIL, EXPORT, FORM, IMPORT, USES, EntityField, EntityFields
from kechuang.core.models import Archivable, OrgUnit, Timestamped
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code, validate_phone


class IndustryChain(models.TextChoices):
    """The industry chains the bundled policy names (task 4: 特色优势产业链群, 氢进万家, 四强 industries)."""

    CERAMICS = "ceramics", _("Advanced functional ceramics")
    FLUOROSILICONE = "fluorosilicone", _("Fluorine and silicone materials")
    BIOPHARMA = "biopharma", _("Biomedicine")
    NEV = "nev", _("New-energy vehicles")
    INTEGRATED_CIRCUITS = "integrated_circuits", _("Integrated circuits")
    HYDROGEN = "hydrogen", _("Hydrogen energy")
    SMART_EQUIPMENT = "smart_equipment", _("Smart equipment")
    NEW_MEDICINE = "new_medicine", _("New medicine")
    ELECTRONICS = "electronics", _("Electronic information industry")


class ContractField(models.TextChoices):
    """The 11 technology fields of the technology-market statistics (tech-contracts.md §5)."""

    ELECTRONIC_INFO = "electronic_info", _("Electronic information")
    ADVANCED_MANUFACTURING = "advanced_manufacturing", _("Advanced manufacturing")
    NEW_ENERGY = "new_energy", _("New energy and high-efficiency energy saving")
    MODERN_TRANSPORT = "modern_transport", _("Modern transport")
    URBAN_SOCIAL = "urban_social", _("Urban construction and social development")
    ENVIRONMENT = "environment", _("Environmental protection and resource use")
    BIOMEDICINE = "biomedicine", _("Biology, medicine and medical devices")
    NUCLEAR = "nuclear", _("Nuclear applications")
    NEW_MATERIALS = "new_materials", _("New materials and their applications")
    AGRICULTURE = "agriculture", _("Agriculture")
    AEROSPACE = "aerospace", _("Aerospace")


# TechField → the technology-market field a contract on that subject is usually counted under.
CONTRACT_FIELD_OF = {
    TechField.ELECTRONIC_INFO: ContractField.ELECTRONIC_INFO,
    TechField.BIOMEDICINE: ContractField.BIOMEDICINE,
    TechField.AEROSPACE: ContractField.AEROSPACE,
    TechField.NEW_MATERIALS: ContractField.NEW_MATERIALS,
    TechField.HIGH_TECH_SERVICES: ContractField.URBAN_SOCIAL,
    TechField.NEW_ENERGY: ContractField.NEW_ENERGY,
    TechField.ENVIRONMENT: ContractField.ENVIRONMENT,
    TechField.ADVANCED_MANUFACTURING: ContractField.ADVANCED_MANUFACTURING,
}


class InstitutionType(models.TextChoices):
    """Nature of a party, after the codes of registration form JJ-001 (tech-contracts.md §4.1)."""

    UNIVERSITY = "022", _("University")
    RESEARCH_INSTITUTE = "021", _("Research institute")
    HOSPITAL = "023", _("Medical institution")
    OTHER_PUBLIC = "024", _("Other public institution")
    ENTERPRISE = "100", _("Enterprise")
    GOVERNMENT = "010", _("Government body")
    SOCIETY = "030", _("Social organisation")
    INDIVIDUAL = "400", _("Individual")


class TransferMode(models.TextChoices):
    """Routes offered for an achievement (促进科技成果转化法 art. 16)."""

    TRANSFER = "transfer", _("Transfer")
    LICENCE = "licence", _("Licence")
    EQUITY = "equity", _("Equity investment")
    JOINT_DEVELOPMENT = "joint_development", _("Joint development")


class CooperationMode(models.TextChoices):
    """What a demanding enterprise wants (tech-contracts.md §7.3); each maps to a contract type."""

    TRANSFER = "transfer", _("Technology transfer")
    LICENCE = "licence", _("Technology licence")
    COMMISSIONED_DEVELOPMENT = "commissioned_development", _("Commissioned development")
    JOINT_DEVELOPMENT = "joint_development", _("Joint development")
    CONSULTING = "consulting", _("Technical consulting")
    SERVICE = "service", _("Technical service")
    JOINT_PLATFORM = "joint_platform", _("Joint platform")
    EQUITY = "equity", _("Equity investment")


def validate_keywords(value) -> None:
    if not isinstance(value, list) or any(not isinstance(k, str) or not k.strip() for k in value):
        raise ValidationError(_("Give the keywords as a list of words."))
    if len(value) > 12:
        raise ValidationError(_("At most 12 keywords."))


# Chinese patent application numbers (ZL + 12 digits + check digit, or the pre-2003 8-digit form) and publication
# numbers (CN + 9 digits + kind code).
_PATENT = re.compile(r"^(ZL)?(\d{12}|\d{8})\.[\dX]$|^CN\d{9}[A-Z]\d?$")


def validate_patent_numbers(value) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Give the patent numbers as a list."))
    bad = [v for v in value if not isinstance(v, str) or not _PATENT.match(v.strip().upper())]
    if bad:
        raise ValidationError(
            _("Not a Chinese patent number: %(bad)s (e.g. ZL202110123456.7 or CN112345678A).")
            % {"bad": "、".join(map(str, bad))}
        )


class Achievement(Timestamped):
    """A technology achievement (科技成果) offered for transfer (tech-contracts.md §7.1)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        NEGOTIATING = "negotiating", _("In negotiation")
        TRANSFERRED = "transferred", _("Transferred")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("title"), max_length=200)
    abstract = models.TextField(_("abstract"))
    keywords = models.JSONField(_("keywords"), default=list, blank=True, validators=[validate_keywords])
    field = tech_field_column(_("high-tech field"), db_index=True)
    industry_chain = models.CharField(
        _("industry chain"), max_length=32, choices=IndustryChain.choices, blank=True, db_index=True
    )
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"),
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("1–9, GB/T 22900"),
        db_index=True,
    )
    trl_basis = models.CharField(_("TRL assessed by"), max_length=200, blank=True)
    owner_name = models.CharField(_("owner institution"), max_length=200)
    owner_type = models.CharField(_("owner type"), max_length=3, choices=InstitutionType.choices)
    region = models.ForeignKey(
        OrgUnit,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("where the owner is located, if in the city"),
    )
    patent_numbers = models.JSONField(
        _("patent numbers"), default=list, blank=True, validators=[validate_patent_numbers]
    )
    transfer_modes = models.JSONField(_("transfer modes"), default=list, blank=True)
    price_wan = models.DecimalField(
        _("price expectation (10k yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("empty: negotiable"),
    )
    contact_name = EncryptedCharField(_("contact person"), max_length=50)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=20, validators=[validate_phone])
    contact_phone_bidx = BlindIndexField(source="contact_phone")
    contact_email = EncryptedEmailField(_("contact e-mail"), blank=True)
    contact_email_bidx = BlindIndexField(source="contact_email")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True, db_index=True)

    # The library is shared city-wide (task 13: 科技成果库); who edits is decided by role in the services.
    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        indexes = [models.Index(fields=["status", "field"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        bad = [m for m in self.transfer_modes or [] if m not in TransferMode.values]
        if bad:
            raise ValidationError({"transfer_modes": _("Unknown transfer mode: %(m)s") % {"m": "、".join(bad)}})


_ACHIEVEMENT_FACT = "techmarket/_achievement_fact.html"  # the detail rows that show several fields together

# What each use of an achievement shows (core/entity_fields.py); see DEMAND_FIELDS.
ACHIEVEMENT_FIELDS = EntityFields(
    Achievement,
    [
        EntityField("title", uses=USES - {DETAIL}, label=_("Title"), import_header="成果名称"),
        EntityField("abstract", uses=USES - {EXPORT}, import_header="成果简介"),
        EntityField("keywords", import_header="关键词（、分隔）"),
        EntityField("field", import_header="技术领域", detail_template=_ACHIEVEMENT_FACT),
        EntityField("industry_chain", uses=USES - {DETAIL}, import_header="所属产业链"),
        EntityField("trl", label="TRL", import_header="技术成熟度（1–9）", detail_template=_ACHIEVEMENT_FACT),
        EntityField("trl_basis", uses=USES - {EXPORT, DETAIL}, import_header="成熟度评价依据"),
        EntityField("owner_name", import_header="权属单位", detail_template=_ACHIEVEMENT_FACT),
        EntityField("owner_type", uses=USES - {DETAIL}),
        EntityField("region", uses=USES - {EXPORT, DETAIL}, import_header="所在区县"),
        EntityField(
            "patent_numbers",
            import_header="专利号（、或逗号分隔）",
            import_kind="longtext",
            display=lambda a: ", ".join(a.patent_numbers),
        ),
        EntityField("transfer_modes", import_header="转化方式（、分隔）", choices=TransferMode),
        EntityField(
            "price_wan",
            export=lambda a: float(a.price_wan) if a.price_wan is not None else str(_("Negotiable")),
            detail_template=_ACHIEVEMENT_FACT,
        ),
        EntityField("contact_name", uses=USES - {API_OUT}, masked=True, detail_template=_ACHIEVEMENT_FACT),
        EntityField("contact_phone", uses=USES - {API_OUT, DETAIL}, masked=True),
        EntityField("contact_email", uses=frozenset({FORM, IMPORT, API_IN}), import_header="电子邮箱", masked=True),
        EntityField("status", uses=frozenset({EXPORT, API_OUT})),
        EntityField("status_reason", uses=frozenset({API_OUT, DETAIL}), label=_("Reason"), detail_if_set=True),
        EntityField("is_demo", uses=frozenset({API_OUT})),
    ],
    orders={
        EXPORT: [
            "title",
            "field",
            "industry_chain",
            "trl",
            "owner_name",
            "owner_type",
            "patent_numbers",
            "transfer_modes",
            "price_wan",
            "contact_name",
            "contact_phone",
            "status",
            "keywords",
        ]
    },
)


class Demand(Timestamped):
    """A technology demand (技术需求) posted by an enterprise (tech-contracts.md §7.3)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        PUBLISHED = "published", _("Published")
        NEGOTIATING = "negotiating", _("In negotiation")
        SIGNED = "signed", _("Contract signed")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        STAFF = "staff", _("Entered by staff")
        PUBLIC = "public", _("Public form")
        PORTAL = "portal", _("Enterprise portal")

    OPEN_STATES = (Status.PUBLISHED, Status.NEGOTIATING)

    enterprise_name = models.CharField(_("enterprise"), max_length=200)
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True, validators=[validate_credit_code])
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    field = tech_field_column(_("high-tech field"), db_index=True)
    industry_chain = models.CharField(
        _("industry chain"), max_length=32, choices=IndustryChain.choices, blank=True, db_index=True
    )
    budget_min_wan = models.DecimalField(
        _("budget from (10k yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_max_wan = models.DecimalField(
        _("budget up to (10k yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    deadline = models.DateField(_("wanted by"), null=True, blank=True)
    cooperation_mode = models.CharField(_("cooperation mode"), max_length=32, choices=CooperationMode.choices)
    contact_name = EncryptedCharField(_("contact person"), max_length=50)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=20, validators=[validate_phone])
    contact_phone_bidx = BlindIndexField(source="contact_phone")
    contact_email = EncryptedEmailField(_("contact e-mail"), blank=True)
    contact_email_bidx = BlindIndexField(source="contact_email")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.STAFF)
    submitter_ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)  # the public form's rate window

    # A demand belongs to its enterprise's region; a district officer sees only their region's.
    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["status", "field"]),
            models.Index(fields=["credit_code"]),  # a firm's own demands (the enterprise portal)
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        low, high = self.budget_min_wan, self.budget_max_wan
        if low is not None and high is not None and low > high:
            raise ValidationError({"budget_max_wan": _("The upper bound is below the lower bound.")})
        if self.region_id and self.region.kind != OrgUnit.Kind.REGION:
            raise ValidationError({"region": _("Choose a district, county or zone.")})


_DEMAND_FACT = "techmarket/_demand_fact.html"  # the detail rows that show several fields together

# What each use of a demand shows (core/entity_fields.py): the staff form, the import template, the list export, the
# API and the detail page. A field added here shows in all of them; `uses` and `orders` only state the exceptions.
DEMAND_FIELDS = EntityFields(
    Demand,
    [
        EntityField("enterprise_name", import_header="企业名称", detail_template=_DEMAND_FACT),
        EntityField("credit_code", uses=USES - {API_OUT, DETAIL}, import_header="统一社会信用代码", import_kind="code"),
        EntityField("region", label=_("Region"), import_header="所在区县"),
        EntityField("title", uses=USES - {DETAIL}, label=_("Title"), import_header="需求名称"),
        EntityField("description", uses=USES - {EXPORT}, label=_("Description"), import_header="需求描述"),
        EntityField("field", import_header="技术领域", detail_template=_DEMAND_FACT),
        EntityField("industry_chain", uses=frozenset({FORM, IMPORT}), import_header="所属产业链"),
        EntityField("budget_min_wan", detail_template=_DEMAND_FACT),
        EntityField("budget_max_wan", uses=USES - {DETAIL}),
        EntityField("deadline", import_header="期望完成日期"),
        "cooperation_mode",
        EntityField("contact_name", uses=USES - {API_OUT}, masked=True, detail_template=_DEMAND_FACT),
        EntityField("contact_phone", uses=USES - {API_OUT, DETAIL}, masked=True),
        EntityField("contact_email", uses=frozenset({FORM, IMPORT, API_IN}), masked=True),
        EntityField("status", uses=frozenset({EXPORT, API_OUT})),
        EntityField(
            "source", uses=frozenset({EXPORT, API_OUT, DETAIL}), label=_("Source"), detail_template=_DEMAND_FACT
        ),
        EntityField("status_reason", uses=frozenset({DETAIL}), label=_("Reason"), detail_if_set=True),
        EntityField("is_demo", uses=frozenset({API_OUT})),
        EntityField(
            "created_at",
            uses=frozenset({EXPORT}),
            label=_("Created"),
            export=lambda d: timezone.localdate(d.created_at),
        ),
    ],
    orders={
        IMPORT: [
            "enterprise_name",
            "credit_code",
            "region",
            "title",
            "description",
            "field",
            "industry_chain",
            "cooperation_mode",
        ],
        EXPORT: ["title", "enterprise_name", "credit_code", "region", "field", "cooperation_mode"],
        API_OUT: ["title", "description", "enterprise_name", "region", "field", "cooperation_mode"],
        DETAIL: ["description", "enterprise_name", "region", "field", "cooperation_mode"],
    },
)


class Expert(Archivable, Timestamped):
    """An expert the bureau can invite to a match (专家库); contacts are for bureau staff only."""

    name = models.CharField(_("name"), max_length=50)
    institution = models.CharField(_("institution"), max_length=200)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    field = tech_field_column(_("main field"), db_index=True)
    fields = models.JSONField(_("other fields"), default=list, blank=True)
    expertise = models.TextField(_("expertise"))
    past_projects = models.TextField(_("past projects"), blank=True)
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    phone_bidx = BlindIndexField(source="phone")
    email = EncryptedEmailField(_("e-mail"), blank=True)
    email_bidx = BlindIndexField(source="email")
    region = models.ForeignKey(
        OrgUnit, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True, db_index=True)  # searches skip archived experts
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return f"{self.name}（{self.institution}）"

    def clean(self) -> None:
        super().clean()
        bad = [f for f in self.fields or [] if f not in TechField.values]
        if bad:
            raise ValidationError({"fields": _("Unknown field: %(f)s") % {"f": "、".join(map(str, bad))}})


class VocabularyTerm(models.Model):
    """One lay term (俗称/商品名/行话) and the technical terms a search for it also looks for."""

    lay = models.CharField(_("lay term"), max_length=50, unique=True)
    technical = models.JSONField(_("technical terms"), default=list)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    source = models.CharField(
        _("source of the mapping"),
        max_length=200,
        blank=True,
        help_text=_("Why the lay term means these technical terms: trade name, common name, shop-floor usage…"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["industry", "lay"]
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary")

    def __str__(self) -> str:
        return f"{self.lay} → {'、'.join(self.technical)}"

    def clean(self) -> None:
        super().clean()
        terms = [t.strip() for t in self.technical or [] if isinstance(t, str) and t.strip()]
        if not terms:
            raise ValidationError({"technical": _("Give at least one technical term.")})
        if self.lay.strip() in terms:
            raise ValidationError({"technical": _("A term cannot expand to itself.")})
        self.technical = list(dict.fromkeys(terms))
        self.lay = self.lay.strip()


class MatchCase(Timestamped):
    """A brokered match (对接): a demand with a recommended achievement or expert, through the workflow."""

    class Stage(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended")
        CONTACTED = "contacted", _("Contact made")
        NEGOTIATING = "negotiating", _("In negotiation")
        SIGNED = "signed", _("Contract signed")
        CLOSED = "closed", _("Closed")

    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.PROTECT, related_name="matches")
    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matches",
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), null=True, blank=True, on_delete=models.PROTECT, related_name="matches"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.RECOMMENDED)
    score = models.FloatField(_("match score"), null=True, blank=True)
    matched_terms = models.JSONField(_("matched terms"), default=list, blank=True)
    recommended_on = models.DateField(_("recommended on"))
    contacted_on = models.DateField(_("contact made on"), null=True, blank=True)
    negotiation_on = models.DateField(_("negotiation started on"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(region="demand__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        indexes = [models.Index(fields=["stage"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(achievement__isnull=False) | models.Q(expert__isnull=False),
                name="techmarket_match_has_counterpart",
            )
        ]

    def __str__(self) -> str:
        other = self.achievement or self.expert
        return f"{self.demand} ↔ {other}"

    @property
    def counterpart(self):
        return self.achievement or self.expert


class WorkflowEvent(models.Model):
    """One dated step of a workflow with its note and who took it (matches and contracts)."""

    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class MatchEvent(WorkflowEvent):
    """One step of a match through the workflow, with its date and note."""

    match = models.ForeignKey(MatchCase, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16)

    class Meta(WorkflowEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage} ({self.on})"


class ContractType(models.TextChoices):
    """Civil Code ch. 20 (arts. 843–887); 技术许可 is a separate type only under the 2026 rules (§2.1)."""

    DEVELOPMENT = "development", _("Technology development")
    TRANSFER = "transfer", _("Technology transfer")
    LICENCE = "licence", _("Technology licence")
    CONSULTING = "consulting", _("Technical consulting")
    SERVICE = "service", _("Technical service")


class RuleVersion(models.TextChoices):
    R2001 = "2001", _("2000/2001 rules (国科发政字〔2001〕253号)")
    R2026 = "2026", _("2026 rules (MIIT, issued 2026-01-23)")


class Contract(Timestamped):
    """A technology contract for registration (技术合同认定登记, tech-contracts.md §4 and §7.4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        NEEDS_CORRECTION = "needs_correction", _("Needs correction")
        ACCEPTED = "accepted", pgettext_lazy("contract", "Accepted")
        EXPERT_REVIEW = "expert_review", _("Expert review")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    class LicenceScope(models.TextChoices):
        EXCLUSIVE = "exclusive", _("Exclusive")
        SOLE = "sole", _("Sole")
        ORDINARY = "ordinary", _("Ordinary")

    registration_number = models.CharField(
        _("registration number"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("14 digits (YY + province + city + point + serial) or the national system's 16 digits"),
    )
    rule_version = models.CharField(_("rule version"), max_length=4, choices=RuleVersion.choices, blank=True)
    contract_type = models.CharField(_("contract type"), max_length=16, choices=ContractType.choices, db_index=True)
    sub_type = models.CharField(_("sub-type"), max_length=50, blank=True)
    project_name = models.CharField(_("project name"), max_length=200)
    subject = models.TextField(_("technical subject"), help_text=_("what the technology is, its scope and targets"))
    tech_field = models.CharField(_("technology field"), max_length=32, choices=ContractField.choices, db_index=True)
    region = models.ForeignKey(
        OrgUnit,
        verbose_name=_("registering region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the region of the registrant (the seller, or the domestic buyer of an import)"),
    )
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True, db_index=True)
    total_amount_wan = models.DecimalField(
        _("contract amount (10k yuan)"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)]
    )
    technology_amount_wan = models.DecimalField(
        _("technology transaction amount (10k yuan)"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("approved (核定) by the registry"),
    )
    amount_note = models.CharField(_("note on the approved amount"), max_length=300, blank=True)
    # Registrability (tech-contracts.md §2.3, §2.4)
    in_writing = models.BooleanField(_("written contract"), default=True)
    seals_consistent = models.BooleanField(_("seals match the parties' names"), default=True)
    monopolising_clauses = models.BooleanField(_("has clauses that illegally monopolise technology"), default=False)
    quantified_goal = models.CharField(_("quantified development goal"), max_length=300, blank=True)
    acceptance_clause = models.BooleanField(_("has an acceptance clause"), default=False)
    ip_ownership_stated = models.BooleanField(_("IP ownership stated"), default=False)
    ip_numbers = models.JSONField(_("IP involved"), default=list, blank=True, validators=[validate_patent_numbers])
    licence_scope = models.CharField(_("licence scope"), max_length=16, choices=LicenceScope.choices, blank=True)
    deliverable = models.CharField(_("deliverable"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    demand = models.ForeignKey(
        Demand, verbose_name=_("demand"), null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts"
    )
    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    match = models.ForeignKey(
        MatchCase, verbose_name=_("match"), null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    data_scope = DataScope(region="region", region_reads=("parties__region",))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("technology contract")
        verbose_name_plural = _("technology contracts")
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["status", "registered_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~models.Q(registration_number=""),
                name="techmarket_contract_regno_unique",
            )
        ]

    def __str__(self) -> str:
        return self.project_name

    def clean(self) -> None:
        super().clean()
        errors = {}
        number = self.registration_number
        if number and not (number.isdigit() and len(number) in (14, 16)):
            errors["registration_number"] = _("A registration number has 14 or 16 digits.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end of validity is before its start.")
        tech, total = self.technology_amount_wan, self.total_amount_wan
        if tech is not None and total is not None and tech > total:
            errors["technology_amount_wan"] = _("The technology transaction amount cannot exceed the contract amount.")
        if self.licence_scope and self.contract_type not in (ContractType.LICENCE, ContractType.TRANSFER):
            errors["licence_scope"] = _("Only a licence has a licence scope.")
        if errors:
            raise ValidationError(errors)


class ContractParty(models.Model):
    """A party to a contract: a seller (卖方: developer, transferor, licensor, consultant, service provider) or a
    buyer (买方). `region` is set when the party is in the city; `region_code` is its GB/T 2260 code."""

    class Role(models.TextChoices):
        SELLER = "seller", _("Seller")
        BUYER = "buyer", _("Buyer")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    name = models.CharField(_("name"), max_length=200)
    # indexed: the contracts where a firm is a party (the enterprise portal)
    credit_code = models.CharField(
        _("credit code"), max_length=18, blank=True, validators=[validate_credit_code], db_index=True
    )
    nature = models.CharField(_("nature"), max_length=3, choices=InstitutionType.choices)
    region = models.ForeignKey(
        OrgUnit, verbose_name=_("region in the city"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(
        _("region code (GB/T 2260)"),
        max_length=6,
        help_text=_("6 digits; filled in from the region for a party in the city"),
    )
    country_code = models.CharField(_("country code"), max_length=3, default="156")

    class Meta:
        ordering = ["role", "id"]
        verbose_name = _("contract party")
        verbose_name_plural = _("contract parties")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"

    def clean(self) -> None:
        super().clean()
        if not (self.region_code.isdigit() and len(self.region_code) == 6):
            raise ValidationError({"region_code": _("A region code has 6 digits (GB/T 2260).")})


class NonTechnicalItem(models.Model):
    """A cost inside the contract amount that may not count as technology (tech-contracts.md §3)."""

    class Kind(models.TextChoices):
        EQUIPMENT = "equipment", _("Equipment")
        INSTRUMENT = "instrument", _("Instruments")
        COMPONENT = "component", _("Components")
        RAW_MATERIAL = "raw_material", _("Raw materials")
        CARRIER_DOCUMENT = "carrier_document", _("Technical documents (carrier)")
        CARRIER_SOFTWARE = "carrier_software", _("Software, varieties, strains (carrier)")
        CARRIER_EQUIPMENT = "carrier_equipment", _("Complete technical equipment or test rig (carrier)")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="non_technical_items")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount_wan = models.DecimalField(
        _("amount (10k yuan)"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.amount_wan}"


class ContractEvent(WorkflowEvent):
    """One step of a contract through registration, with its date and note (the status history of §7.4)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)

    class Meta(WorkflowEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} ({self.on})"


class PublicSubmission(models.Model):
    """One post of the public demand form, kept (IP as a keyed hash only) for the per-IP rate limit."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    accepted = models.BooleanField(default=False)
    reason = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.reason or 'accepted'}"


class MatchCheck(Timestamped):
    """A check query (检验查询) the bureau keeps: a demand-style question plus the rule saying which records answer it
    (title or keywords hold every `all` term and at least one `any` term; see matching/checks.py)."""

    query = models.TextField(_("query"), blank=True)  # clean() names the error
    any_terms = models.JSONField(_("any of these terms"), default=list, blank=True)
    all_terms = models.JSONField(_("all of these terms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["note", "id"]
        verbose_name = _("check query")
        verbose_name_plural = _("check queries")

    def __str__(self) -> str:
        return self.query[:80]

    def clean(self) -> None:
        super().clean()
        self.query = (self.query or "").strip()
        self.note = (self.note or "").strip()
        self.any_terms = _clean_terms(self.any_terms)
        self.all_terms = _clean_terms(self.all_terms)
        if not self.query:
            raise ValidationError({"query": _("Give the question to check.")})
        if not self.any_terms and not self.all_terms:
            raise ValidationError(
                {"any_terms": _("Give at least one term (any or all) saying which records answer the question.")}
            )


def _clean_terms(terms) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in terms or [] if isinstance(t, str) and t.strip()))
