"""The policy as data: the document, its goals, sections, tasks with their departments, and targets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kechuang.core.models import OrgUnit
from kechuang.core.scope import DataScope, ScopedQuerySet
from kechuang.indicators.models import Indicator

# The policy is a public government document: every signed-in user may read all of it.
PUBLIC = DataScope(public=True)


class Policy(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    document_number = models.CharField(_("document number"), max_length=100)
    title = models.CharField(_("title"), max_length=300)
    city = models.ForeignKey(OrgUnit, verbose_name=_("city"), on_delete=models.PROTECT, related_name="policies")
    issue_date = models.DateField(_("issued on"))
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"))
    preamble = models.TextField(_("preamble"), blank=True)
    closing = models.TextField(_("closing"), blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    issuers = models.ManyToManyField(OrgUnit, through="PolicyIssuer", related_name="issued_policies")

    data_scope = PUBLIC
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.document_number


class PolicyIssuer(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="issuer_links")
    department = models.ForeignKey(OrgUnit, on_delete=models.PROTECT)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["policy", "department"], name="policy_issuer_unique")]

    def __str__(self) -> str:
        return f"{self.policy} · {self.department}"


class Goal(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="goals")
    code = models.SlugField(_("code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    order = models.PositiveIntegerField(default=0)

    data_scope = PUBLIC
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["policy", "code"], name="goal_code_unique")]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)

    data_scope = PUBLIC
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="section_number_unique")]

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    class Responsibility(models.TextChoices):
        LEAD = "lead", _("Led by the lead departments")
        SHARED = "shared", _("Each responsible for its own part")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="tasks")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    responsibility = models.CharField(
        _("responsibility"), max_length=8, choices=Responsibility.choices, default=Responsibility.LEAD
    )
    departments = models.ManyToManyField(OrgUnit, through="TaskDepartment", related_name="tasks")

    # Readable by all; a department officer's *reports* on tasks are scoped by department (later modules).
    data_scope = DataScope(public=True, department="task_departments__department")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="task_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def leads(self) -> list[OrgUnit]:
        return [link.department for link in self.task_departments.all() if link.role == TaskDepartment.Role.LEAD]

    def supporters(self) -> list[OrgUnit]:
        return [link.department for link in self.task_departments.all() if link.role == TaskDepartment.Role.SUPPORT]


class TaskDepartment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead department")
        SUPPORT = "support", _("Supporting department")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_departments")
    department = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="task_links")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["role", "order"]
        constraints = [models.UniqueConstraint(fields=["task", "department"], name="task_department_unique")]

    def __str__(self) -> str:
        return f"{self.task} · {self.department} ({self.get_role_display()})"


class Target(models.Model):
    """A measurable promise: a numeric target (by a deadline or every cadence) or a named milestone."""

    class Comparator(models.TextChoices):
        GE = "ge", "≥"
        GT = "gt", ">"
        LE = "le", "≤"
        LT = "lt", "<"
        EQ = "eq", "="
        APPROX = "approx", "≈"
        ACHIEVED = "achieved", _("achieved")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="targets")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="targets")
    code = models.SlugField(_("code"), max_length=64)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    comparator = models.CharField(_("comparator"), max_length=8, choices=Comparator.choices)
    value = models.DecimalField(
        pgettext_lazy("target", "value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    cadence = models.CharField(_("cadence"), max_length=8, blank=True, help_text="ISO 8601 period, e.g. P1Y")
    region = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owners = models.ManyToManyField(OrgUnit, related_name="owned_targets", blank=True)
    description = models.CharField(_("description"), max_length=300)
    clause = models.TextField(_("clause"))
    order = models.PositiveIntegerField(default=0)

    data_scope = PUBLIC
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="target_code_unique"),
            models.CheckConstraint(
                condition=~models.Q(goal__isnull=False, task__isnull=False), name="target_goal_or_task"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_milestone(self) -> bool:
        return self.comparator == self.Comparator.ACHIEVED

    @property
    def cadence_years(self) -> int | None:
        return int(self.cadence[1:-1]) if self.cadence else None

    @property
    def cadence_label(self) -> str:
        """P1Y → 每年, P2Y → 每 2 年: the stored ISO 8601 period is never shown."""
        years = self.cadence_years
        if years is None:
            return ""
        return gettext("every year") if years == 1 else gettext("every %(n)s years") % {"n": years}

    @property
    def value_display(self) -> str:
        if self.value is None:
            return ""
        text = f"{self.value.normalize():f}"
        return f"{self.get_comparator_display()} {text} {self.unit}".strip()
