"""S&T projects and funds (科技项目与资金): calls and 揭榜挂帅 open calls, applications and their expert review,
projects with task books, milestones and checks, appropriations, 后补助, the 风险补偿 pool, 一事一议 decisions,
包干制 spending, performance goals, monitoring and evaluations (淄科发〔2023〕22号 tasks 3–5, 21, 22; reference
talent-platforms-projects.md §3). Money is in 万元 (10k yuan)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.core.models import OrgUnit
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.core.validators import validate_credit_code
from kechuang.projects.engine import workflow as wf

PCT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
NON_NEGATIVE = [MinValueValidator(Decimal(0))]


def wan(verbose: str, **kw) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=14, decimal_places=2, validators=NON_NEGATIVE, **kw)


class RuleParameter(models.Model):
    """A rule's parameter the bureau sets (grade thresholds, the 后补助 rate and cap, …): data, not code. Those the
    reference marks UNVERIFIED start from its value and say so on the rules page."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("rule parameter")
        verbose_name_plural = _("rule parameters")

    def __str__(self) -> str:
        return f"{self.code} = {self.value.normalize():f}"


class Plan(models.TextChoices):
    KEY_RD = "key_rd", _("Key R&D programme")
    INDUSTRY = "industry", _("Industrial key technologies (四强)")
    TRANSFER = "transfer", _("Achievement transfer")
    TALENT = "talent", _("Talent research funds")
    PLATFORM = "platform", _("Platform building")
    SCHOOL_CITY = "school_city", _("School–city integration")


class Mode(models.TextChoices):
    GUIDE = "guide", _("Guide-based call (指南申报)")
    OPEN_CALL = "open_call", _("Open call (揭榜挂帅)")
    HORSE_RACE = "horse_race", _("Horse race (赛马制)")
    CABINET = "cabinet", _("Chief-scientist cabinet (组阁制)")
    CASE_BY_CASE = "case_by_case", _("Case by case (一事一议)")


class FundingMode(models.TextChoices):
    GRANT = "grant", _("Grant (无偿资助)")
    POST_SUBSIDY = "post_subsidy", _("Post-subsidy (后补助)")
    RISK_COMPENSATION = "risk_compensation", _("Risk compensation (风险补偿)")
    CASE_BY_CASE = "case_by_case", _("Case by case (一事一议)")
    EQUITY = "equity", _("Equity investment (股权投资)")


class Source(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")


class Call(models.Model):
    """A guide-based call (指南) or a 揭榜挂帅 open call (榜单): the problem, hard targets, deliverables, deadline,
    funding ceiling, eligibility and co-funding. Published calls are public to every signed-in user."""

    class Kind(models.TextChoices):
        GUIDE = "guide", _("Guide-based call")
        CHALLENGE = "challenge", _("Open call (揭榜挂帅)")

    class State(models.TextChoices):
        DEMAND_COLLECTED = wf.DEMAND_COLLECTED, _("Demand collected")
        UNDER_ARGUMENTATION = wf.UNDER_ARGUMENTATION, _("Under argumentation")
        PUBLISHED = wf.PUBLISHED, _("Published")
        OPEN = wf.OPEN, _("Open for applications")
        CLOSED = wf.CLOSED, _("Closed")

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    mode = models.CharField(_("organisation mode"), max_length=16, choices=Mode.choices)
    plan = models.CharField(_("plan"), max_length=16, choices=Plan.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    hard_targets = models.TextField(_("hard targets"), blank=True)
    deliverables = models.TextField(_("deliverables"), blank=True)
    deadline = models.DateField(_("completion deadline"), null=True, blank=True)
    application_deadline = models.DateField(_("application deadline"), null=True, blank=True)
    funding_ceiling_wan = wan(_("funding ceiling (10k yuan)"), default=Decimal(0))
    eligibility = models.TextField(_("eligibility"), blank=True)
    co_funding = models.CharField(_("co-funding"), max_length=300, blank=True)
    owner_name = models.CharField(_("demand owner"), max_length=200, blank=True)
    owner_credit_code = models.CharField(
        _("owner's credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    region = models.ForeignKey(
        OrgUnit, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The technology-market demand the problem was taken from (read through core.registry, never imported).
    demand_id = models.PositiveIntegerField(_("technology demand"), null=True, blank=True)
    demand_title = models.CharField(_("technology demand"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=wf.DEMAND_COLLECTED)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["state", "year"]), models.Index(fields=["kind", "mode"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Argumentation(models.Model):
    """One party's opinion in a call's argumentation (论证): departments, universities, leading firms, investors."""

    class Party(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        UNIVERSITY = "university", _("University")
        LEADING_FIRM = "leading_firm", _("Leading firm")
        INVESTOR = "investor", _("Investor")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="argumentations")
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    participant = models.CharField(_("participant"), max_length=200)
    opinion = models.TextField(_("opinion"))
    supports = models.BooleanField(_("supports publication"), default=True)
    held_on = models.DateField(_("date"))

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_party_display()}"


class Application(models.Model):
    """An enterprise's or team's application to a call (揭榜 for a challenge)."""

    class State(models.TextChoices):
        SUBMITTED = wf.SUBMITTED, _("Submitted")
        RECOMMENDED = wf.RECOMMENDED, _("Recommended by the district")
        FORMAL_PASSED = wf.FORMAL_PASSED, _("Passed the formal check")
        FORMAL_FAILED = wf.FORMAL_FAILED, _("Failed the formal check")
        EXPERT_REVIEW = wf.EXPERT_REVIEW, _("Expert review")
        PUBLICITY = wf.PUBLICITY, _("Publicity (公示)")
        APPROVED = wf.APPROVED, pgettext_lazy("application state", "Approved")
        REJECTED = wf.REJECTED, _("Not approved")

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications")
    applicant = models.CharField(_("applicant"), max_length=200)
    credit_code = models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code])
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    project_title = models.CharField(_("project title"), max_length=200)
    approach = models.TextField(_("technical approach"), blank=True)
    chief_scientist = models.CharField(_("chief scientist / PI"), max_length=100, blank=True)
    team = models.TextField(_("team (units and members)"), blank=True)
    requested_wan = wan(_("funding requested (10k yuan)"), default=Decimal(0))
    self_raised_wan = wan(_("self-raised (10k yuan)"), default=Decimal(0))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=wf.SUBMITTED, db_index=True)
    formal_note = models.CharField(_("formal check note"), max_length=300, blank=True)
    publicity_from = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_to = models.DateField(_("publicity to"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), default=dt.date.today)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["call", "id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["credit_code"]), models.Index(fields=["call", "state"])]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.project_title}"


class ReviewAssignment(models.Model):
    """The bureau assigns an expert to an application; the expert declares conflicts of interest and scores."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        SCORED = "scored", _("Scored")
        RECUSED = "recused", _("Recused (conflict of interest)")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="review_assignments"
    )
    expert_credit_code = models.CharField(_("expert's organisation (credit code)"), max_length=18, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ASSIGNED)
    no_conflict = models.BooleanField(_("declares no conflict of interest"), default=False)
    conflict_note = models.CharField(_("conflict of interest"), max_length=300, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PCT)
    comment = models.TextField(_("comment"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    data_scope = DataScope(region="application__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="review_one_per_expert"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application_id}"


class Project(models.Model):
    """A funded S&T project with its task book (任务书/军令状)."""

    class State(models.TextChoices):
        # Contexts: "Approved" and "Accepted" alone are other apps' words too (已审核, 已审核通过, 已受理).
        APPROVED = wf.P_APPROVED, pgettext_lazy("project state", "Approved")
        IN_PROGRESS = wf.IN_PROGRESS, _("In progress")
        SUSPENDED = wf.SUSPENDED, _("Suspended")
        ACCEPTANCE_REVIEW = wf.ACCEPTANCE_REVIEW, _("Acceptance review")
        ACCEPTED = wf.ACCEPTED, pgettext_lazy("project state", "Accepted")
        NOT_ACCEPTED = wf.NOT_ACCEPTED, _("Not accepted")
        TERMINATED = wf.TERMINATED, _("Terminated")

    class AcceptanceMethod(models.TextChoices):
        OWNER_TEST = "owner_test", _("Test by the demand owner")
        THIRD_PARTY = "third_party", _("Third-party test")
        EXPERTS = "experts", _("Expert panel")

    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    plan = models.CharField(_("plan"), max_length=16, choices=Plan.choices)
    mode = models.CharField(_("organisation mode"), max_length=16, choices=Mode.choices)
    funding_mode = models.CharField(_("funding mode"), max_length=20, choices=FundingMode.choices)
    call = models.ForeignKey(
        Call, verbose_name=_("call"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="project"
    )
    lead_unit = models.CharField(_("lead unit"), max_length=200)
    credit_code = models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code])
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        OrgUnit,
        verbose_name=_("competent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chief_scientist = models.CharField(_("chief scientist / PI"), max_length=100, blank=True)
    start_on = models.DateField(_("start"))
    end_on = models.DateField(_("end"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=wf.P_APPROVED, db_index=True)
    lump_sum = models.BooleanField(_("lump sum (包干制)"), default=False)
    budget_fiscal_wan = wan(_("fiscal funds (10k yuan)"), default=Decimal(0))
    budget_self_wan = wan(_("self-raised (10k yuan)"), default=Decimal(0))
    risk_flagged = models.BooleanField(_("risk-flagged"), default=False)
    risk_note = models.CharField(_("risk note"), max_length=300, blank=True)
    ip_declaration = models.TextField(_("IP declaration"), blank=True)
    ip_declared_on = models.DateField(_("IP declared on"), null=True, blank=True)
    acceptance_method = models.CharField(
        _("acceptance method"), max_length=16, choices=AcceptanceMethod.choices, blank=True
    )
    acceptance_note = models.TextField(_("acceptance findings"), blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    use_statement = models.TextField(_("statement of use (包干制)"), blank=True)
    use_statement_on = models.DateField(_("statement of use filed on"), null=True, blank=True)
    termination_reason = models.CharField(_("reason for termination"), max_length=300, blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["state", "plan"]),
            models.Index(fields=["region", "state"]),
            models.Index(fields=["credit_code"]),
            models.Index(fields=["mode"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def budget_total_wan(self) -> Decimal:
        return self.budget_fiscal_wan + self.budget_self_wan


class TeamMember(models.Model):
    """A member of a 组阁制 team: the chief scientist draws people from several units."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=200)
    unit_credit_code = models.CharField(_("unit's credit code"), max_length=18, blank=True)
    role = models.CharField(_("role in the team"), max_length=100, blank=True)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class Milestone(models.Model):
    """A task-book milestone: due date, indicators, payment share; reviewed passed / conditional / failed."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Pending")
        PASSED = "passed", _("Passed")
        CONDITIONAL = "conditional", _("Passed with conditions")
        FAILED = "failed", _("Not passed")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    seq = models.PositiveSmallIntegerField(_("no."))
    due_on = models.DateField(_("due"))
    indicators = models.TextField(_("indicators"))
    payment_share = models.DecimalField(_("payment share (%)"), max_digits=5, decimal_places=2, validators=PCT)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, default=Result.PENDING)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "seq"]
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="milestone_seq_unique")]
        indexes = [models.Index(fields=["result", "due_on"])]

    def __str__(self) -> str:
        return f"{self.project.code} M{self.seq}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.result == self.Result.PENDING and self.due_on < today


class Check(models.Model):
    """A mid-term check (中期检查). Task 5: at most one unless the project is risk-flagged."""

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        CONDITIONAL = "conditional", _("Passed with conditions")
        FAILED = "failed", _("Not passed")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="checks")
    held_on = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "held_on"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.held_on}"


class ChangeRequest(models.Model):
    class Kind(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        BUDGET = "budget", _("Budget")
        TEAM = "team", _("Team or PI")
        TARGETS = "targets", _("Targets")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", pgettext_lazy("change request", "Approved")
        REFUSED = "refused", pgettext_lazy("change request", "Refused")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"))
    new_end_on = models.DateField(_("new end date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_on = models.DateField(_("requested on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "requested_on", "id"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_kind_display()}"


class Appropriation(models.Model):
    """A tranche of money for a project: source, funding mode, document, date, amount; paid or planned."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="appropriations")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    mode = models.CharField(_("funding mode"), max_length=20, choices=FundingMode.choices)
    document_no = models.CharField(_("document no."), max_length=100)
    tranche = models.PositiveSmallIntegerField(_("tranche"), default=1)
    planned_on = models.DateField(_("planned on"))
    amount_wan = wan(_("amount (10k yuan)"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "tranche", "id"]
        indexes = [models.Index(fields=["mode", "source"]), models.Index(fields=["planned_on"])]

    def __str__(self) -> str:
        return f"{self.project.code} #{self.tranche} {self.amount_wan}"


class PostSubsidyClaim(models.Model):
    """后补助: the unit spends first; the amount is computed from its verified R&D spending (formula stored)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="post_subsidies")
    year = models.PositiveSmallIntegerField(_("spending year"))
    verified_spending_wan = wan(_("verified R&D spending (10k yuan)"))
    verified_by = models.CharField(_("verified by (audit firm or report)"), max_length=200)
    rate = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=2)
    cap_wan = wan(_("cap (10k yuan)"))
    amount_wan = wan(_("post-subsidy (10k yuan)"))
    formula = models.CharField(_("formula"), max_length=300)
    appropriation = models.OneToOneField(
        Appropriation, null=True, blank=True, on_delete=models.PROTECT, related_name="post_subsidy"
    )

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "year"]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="post_subsidy_one_per_year")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year}"


class RiskPool(models.Model):
    """A 风险补偿 pool: public money that covers part of banks' bad-loan principal on S&T loans."""

    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    document_no = models.CharField(_("document no."), max_length=100, blank=True)
    capital_wan = wan(_("capital (10k yuan)"))
    established_on = models.DateField(_("established on"))

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["established_on", "id"]

    def __str__(self) -> str:
        return self.name


class PoolLoan(models.Model):
    """A loan filed against the pool, and what became of it: repaid, or defaulted → claim → compensation."""

    class State(models.TextChoices):
        FILED = "filed", _("Filed")
        REPAID = "repaid", _("Repaid")
        DEFAULTED = "defaulted", _("Defaulted")
        CLAIMED = "claimed", _("Claimed")
        COMPENSATED = "compensated", _("Compensated")

    pool = models.ForeignKey(RiskPool, on_delete=models.PROTECT, related_name="loans")
    bank = models.CharField(_("bank"), max_length=100)
    borrower = models.CharField(_("borrower"), max_length=200)
    credit_code = models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code])
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    amount_wan = wan(_("amount (10k yuan)"))
    filed_on = models.DateField(_("filed on"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.FILED)
    default_principal_wan = wan(_("defaulted principal (10k yuan)"), default=Decimal(0))
    claim_wan = wan(_("claim (10k yuan)"), default=Decimal(0))
    compensation_wan = wan(_("compensation paid (10k yuan)"), default=Decimal(0))
    compensated_on = models.DateField(_("compensated on"), null=True, blank=True)

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_on", "id"]
        indexes = [models.Index(fields=["pool", "state"])]

    def __str__(self) -> str:
        return f"{self.bank} → {self.borrower}"


class CaseDecision(models.Model):
    """一事一议 decisions and equity investments (e.g. city equity in top-talent projects)."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Case-by-case grant")
        EQUITY = "equity", _("Equity investment")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    document_no = models.CharField(_("decision document"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    beneficiary = models.CharField(_("beneficiary"), max_length=200)
    credit_code = models.CharField(_("credit code"), max_length=18, validators=[validate_credit_code])
    region = models.ForeignKey(OrgUnit, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    amount_wan = wan(_("amount (10k yuan)"))
    equity_share = models.DecimalField(
        _("equity share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PCT
    )
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="case_decisions")

    data_scope = DataScope(region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "id"]

    def __str__(self) -> str:
        return self.title


class NegativeListItem(models.Model):
    """An item of the 包干制 negative list: what lump-sum money may not be spent on (keywords match a spending)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    text = models.CharField(_("item"), max_length=200)
    keywords = models.CharField(_("keywords (comma-separated)"), max_length=300)
    source = models.CharField(_("source"), max_length=200, blank=True)

    data_scope = DataScope(public=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    def keyword_list(self) -> list[str]:
        return [w.strip() for w in self.keywords.replace("，", ",").split(",") if w.strip()]


class BudgetLine(models.Model):
    """An itemised budget line; a lump-sum project's lines are hidden (only the total shows)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=100)
    amount_wan = wan(_("amount (10k yuan)"))

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return f"{self.category} {self.amount_wan}"


class Expense(models.Model):
    """A spending of the project's money, checked against the negative list for lump-sum projects."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="expenses")
    spent_on = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=100)
    description = models.CharField(_("description"), max_length=300)
    amount_wan = wan(_("amount (10k yuan)"))

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "spent_on", "id"]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.category}"


class PerformanceGoal(models.Model):
    """A row of the goal table issued with the money (财预〔2021〕101号 structure): 产出 / 效益 / 满意度."""

    class Level(models.TextChoices):
        OUTPUT = "output", _("Output (产出)")
        BENEFIT = "benefit", _("Benefit (效益)")
        SATISFACTION = "satisfaction", _("Satisfaction (满意度)")

    class Direction(models.TextChoices):
        GE = "ge", _("At least")
        LE = "le", _("At most")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="goals")
    level = models.CharField(_("level 1"), max_length=12, choices=Level.choices)
    sublevel = models.CharField(_("level 2"), max_length=40, blank=True)
    indicator = models.CharField(_("indicator"), max_length=200)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20)
    direction = models.CharField(_("direction"), max_length=2, choices=Direction.choices, default=Direction.GE)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, validators=PCT)
    actual = models.DecimalField(_("actual"), max_digits=14, decimal_places=2, null=True, blank=True)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "level", "id"]

    def __str__(self) -> str:
        return self.indicator


class MonitoringReport(models.Model):
    """运行监控: progress against the goals and budget execution, with a deviation warning and the action taken."""

    class Action(models.TextChoices):
        NONE = "none", _("None needed")
        CORRECT = "correct", _("Correction required")
        SUSPEND = "suspend", _("Suspend funding")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="monitoring")
    period = models.CharField(_("period"), max_length=16, help_text=_("e.g. 2026-H1"))
    reported_on = models.DateField(_("reported on"))
    progress = models.TextField(_("progress"))
    budget_execution = models.DecimalField(_("budget execution (%)"), max_digits=5, decimal_places=2, validators=PCT)
    planned_execution = models.DecimalField(_("planned execution (%)"), max_digits=5, decimal_places=2, validators=PCT)
    deviation = models.DecimalField(_("deviation (points)"), max_digits=6, decimal_places=2)
    warning = models.BooleanField(_("warning"), default=False)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, default=Action.NONE)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "reported_on", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "period"], name="monitoring_one_per_period")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.period}"


class Correction(models.Model):
    """整改: the bureau's correction order on a monitoring finding and its follow-up: the due date, the project's
    response, the bureau's verification (close, or reopen with a new due date). Overdue while open past its date."""

    class State(models.TextChoices):
        OPEN = wf.C_OPEN, pgettext_lazy("correction order", "Open")
        RESPONDED = wf.C_RESPONDED, _("Response filed")
        CLOSED = wf.C_CLOSED, _("Closed")

    report = models.OneToOneField(MonitoringReport, on_delete=models.CASCADE, related_name="correction")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="corrections")
    requirement = models.TextField(_("what is to be corrected"))
    ordered_on = models.DateField(_("ordered on"))
    due_on = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=wf.C_OPEN, db_index=True)
    response = models.TextField(_("the project's response"), blank=True)
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    verification_note = models.CharField(pgettext_lazy("correction order", "verification"), max_length=300, blank=True)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("correction order")
        verbose_name_plural = _("correction orders")
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.report.period}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.state == wf.C_OPEN and self.due_on < today

    def mark(self, today: dt.date) -> Correction:
        """Sets `.overdue` (open past its date) and `.late` (answered after its date) for a page; returns self."""
        self.overdue = self.is_overdue(today)
        self.late = self.responded_on is not None and self.responded_on > self.due_on
        return self


class Evaluation(models.Model):
    """A performance evaluation: score, grade by the rule in force (shown), findings and the result's use."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-evaluation")
        BUREAU = "bureau", _("Bureau evaluation")
        THIRD_PARTY = "third_party", _("Third-party evaluation")

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent (优)")
        GOOD = "good", _("Good (良)")
        FAIR = "fair", _("Fair (中)")
        POOR = "poor", _("Poor (差)")

    class Use(models.TextChoices):
        CONTINUE = "continue", _("Continue support")
        REDUCE = "reduce", _("Reduce support")
        STOP = "stop", _("Stop support")
        CLAW_BACK = "claw_back", _("Claw back funds")
        PRIORITY = "priority", _("Priority next round")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    evaluated_on = models.DateField(_("evaluated on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, validators=PCT)
    goal_score = models.DecimalField(_("score from the goal table"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    grade_rule = models.CharField(_("grade rule applied"), max_length=120)
    findings = models.TextField(_("findings"), blank=True)
    result_use = models.CharField(_("use of the result"), max_length=10, choices=Use.choices)

    data_scope = DataScope(region="project__region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "evaluated_on", "id"]
        indexes = [models.Index(fields=["grade"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_grade_display()}"
