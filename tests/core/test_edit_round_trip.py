"""Systemic test (issue 10) "Edit round trip": for every edit form, GET it for an existing demo record, submit
what a browser would submit without touching anything, and the record — with its related rows — is unchanged.

Every form class of the product is listed once here: in EDIT_CASES (round-tripped) or in NOT_EDIT_FORMS (with the
reason it edits no stored record). `test_every_form_is_registered` fails for a form that is in neither, so a new
edit form is covered the day it is added.

The browser is imitated where it matters: an <input type="date"> whose value is not an ISO date is submitted
empty (defect 1 lost dates that way), unchecked boxes and disabled fields are not sent, a select without a
selected option sends its first option.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django import forms
from django.db import models
from django.urls import resolve, reverse

from kechuang.core.models import Liaison
from tests.conftest import PERSONAS

# ------------------------------------------------------------------------------------------------ reading a page


@dataclass
class _Control:
    tag: str
    name: str
    type: str
    value: str | None
    checked: bool
    disabled: bool
    options: list[tuple[str, bool, bool]]  # select: (value, selected, disabled)


class _FormParser(HTMLParser):
    """The <form>s of a page with their controls, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: _Control | None = None
        self._option: list[Any] | None = None
        self._textarea: _Control | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "controls": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            self._form["controls"].append(
                _Control(
                    "input",
                    a["name"],
                    a.get("type", "text").lower(),
                    a.get("value"),
                    "checked" in a,
                    "disabled" in a,
                    [],
                )
            )
        elif tag == "select" and a.get("name"):
            self._select = _Control(
                "select",
                a["name"],
                "select-multiple" if "multiple" in a else "select",
                None,
                False,
                "disabled" in a,
                [],
            )
            self._form["controls"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, "disabled" in a]
            self._text = []
        elif tag == "textarea" and a.get("name"):
            self._textarea = _Control("textarea", a["name"], "textarea", "", False, "disabled" in a, [])
            self._form["controls"].append(self._textarea)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._option is not None or self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value = self._option[0] if self._option[0] is not None else "".join(self._text).strip()
            self._select.options.append((value, self._option[1], self._option[2]))
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser drops the newline that follows <textarea>, as browsers do.
            self._textarea.value = "".join(self._text)
            self._textarea = None
        elif tag == "form":
            self._form = None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def _sanitised(control: _Control) -> str:
    """An input's value after the browser's value sanitisation (HTML § 4.10.5.1)."""
    value = control.value or ""
    if control.type == "date":
        return value if _ISO_DATE.match(value) else ""
    if control.type == "datetime-local":
        return value if _ISO_DATETIME.match(value) else ""
    if control.type == "number":
        return value if _NUMBER.match(value) else ""
    if control.type in ("text", "search", "tel", "password", "email", "url"):
        return value.replace("\r", "").replace("\n", "")
    return value


def submission(controls: list[_Control]) -> dict[str, list[str]]:
    """What the browser posts for these controls when the user only presses "save"."""
    data: dict[str, list[str]] = {}
    for c in controls:
        if c.disabled:
            continue
        if c.tag == "input":
            if c.type in ("submit", "button", "reset", "image", "file"):
                continue
            if c.type in ("checkbox", "radio"):
                if c.checked:
                    data.setdefault(c.name, []).append(c.value if c.value is not None else "on")
                continue
            data.setdefault(c.name, []).append(_sanitised(c))
        elif c.tag == "textarea":
            data.setdefault(c.name, []).append(c.value or "")
        elif c.tag == "select":
            chosen = [v for v, selected, off in c.options if selected and not off]
            if not chosen and c.type == "select" and c.options:
                chosen = [next((v for v, _s, off in c.options if not off), c.options[0][0])]
            data.setdefault(c.name, []).extend(chosen if c.type == "select-multiple" else chosen[-1:])
    return data


def edit_form_of(html: str, url: str) -> dict[str, list[str]]:
    """The page's POST form that submits to the page itself (the edit form), as submitted unchanged."""
    parser = _FormParser()
    parser.feed(html)
    path = urlsplit(url).path
    candidates = [
        f
        for f in parser.forms
        if f["method"] == "post" and (f["action"] in ("", ".") or urlsplit(f["action"]).path == path)
    ]
    assert candidates, f"no POST form submitting to {path}"
    return submission(max(candidates, key=lambda f: len(f["controls"]))["controls"])


# ------------------------------------------------------------------------------------------------ records compared

_IGNORED = {"updated_at"}


def snapshot(obj: models.Model, *, related: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored field of the record (not its last-change time), its many-to-many links, and the rows of the
    named reverse relations compared by content (their ids may change when a service rewrites them)."""
    obj = type(obj)._default_manager.get(pk=obj.pk)
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in _IGNORED or getattr(f, "auto_now", False):
            continue
        out[f.attname] = getattr(obj, f.attname)
    for f in obj._meta.many_to_many:
        out[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
    for name in related:
        manager = getattr(obj, name)
        rows = []
        for row in manager.all():
            rows.append(
                {
                    f.attname: getattr(row, f.attname)
                    for f in row._meta.concrete_fields
                    if not f.primary_key
                    and f.attname != manager.field.attname
                    and not getattr(f, "auto_now", False)
                    and not getattr(f, "auto_now_add", False)
                }
            )
        out[name] = sorted(rows, key=repr)
    return out


# ------------------------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class EditCase:
    """One edit page: `record()` picks an existing demo record, `page` with `args(record)` is its edit page,
    `state(record)` what must not change."""

    forms: tuple[str, ...]  # dotted names of the form classes the page submits
    persona: str
    record: Callable[[], Any]
    page: str  # URL name
    args: Callable[[Any], list[Any]]
    state: Callable[[Any], Any]

    def url(self, record: Any) -> str:
        return reverse(self.page, args=self.args(record))


def _first(qs):
    found = qs.first()
    assert found is not None, f"the demo data has no {qs.model.__name__} for this case"
    return found


def _talent():
    from kechuang.talent import models as talent_models

    return talent_models


def _techmarket():
    from kechuang.techmarket import models as tm

    return tm


def _contract_with_costs():
    """An editable demo contract with a cost row (the demo's costed contracts are registered: one is added)."""
    tm = _techmarket()
    from kechuang.techmarket import workflow

    contract = _first(
        tm.Contract.objects.filter(status__in=workflow.CONTRACT_EDITABLE).exclude(signed_on=None).order_by("pk")
    )
    if not contract.non_technical_items.exists():
        tm.NonTechnicalItem.objects.create(
            contract=contract, kind="equipment", description="配套设备", quantity=1, amount_wan=1
        )
    return contract


def _demand_with_deadline():
    return _first(_techmarket().Demand.objects.exclude(deadline=None).order_by("pk"))


def _firm_demand():
    """A published demand of the enterprise personas' firm (the portal's "my market" edits it)."""
    from kechuang.core.models import User

    code = User.objects.get(username="p_enterprise_admin").credit_code
    demand = _demand_with_deadline()
    demand.pk, demand.credit_code, demand.status = None, code, "published"
    demand.save()
    return demand


def _expert_with_other_fields():
    """A demo expert with "other fields" set (the demo's experts have one field each), so the list round-trips."""
    expert = _first(_techmarket().Expert.objects.order_by("pk"))
    others = [code for code in ("new_materials", "new_energy") if code != expert.field]
    type(expert).objects.filter(pk=expert.pk).update(fields=others[:1])
    expert.refresh_from_db()
    return expert


def _allocation_target():
    from kechuang.policy.models import Target

    return _first(Target.objects.filter(allocations__isnull=False).distinct().order_by("pk"))


def _allocations(target) -> dict[str, Any]:
    return {"allocations": sorted(target.allocations.values_list("region_id", "value"))}


def _editable_report():
    from kechuang.core.models import User
    from kechuang.supervision import services, workflow
    from kechuang.supervision.models import ProgressReport

    officer = User.objects.get(username=PERSONAS["lead_officer"][0])
    for report in ProgressReport.objects.filter(department=officer.org_unit).order_by("pk"):
        if workflow.can_edit(report.state, services.relation_of(officer, report)) and report.figures.exists():
            return report
    for report in ProgressReport.objects.filter(department=officer.org_unit).order_by("pk"):
        if workflow.can_edit(report.state, services.relation_of(officer, report)):
            return report
    raise AssertionError("the demo data has no report the lead officer may edit")


def _report_state(report) -> dict[str, Any]:
    state = snapshot(report)
    state["figures"] = sorted(report.figures.values_list("target_id", "value"))
    return state


def _indicators():
    from kechuang.indicators import models as ind

    return ind


def _draft_form():
    return _first(
        _indicators().Submission.objects.filter(state__in=("draft", "returned")).select_related("data_set", "org_unit")
    )


def _form_state(form) -> dict[str, Any]:
    state = snapshot(form)
    state["values"] = sorted(form.observations.values_list("indicator_id", "value", "source"))
    return state


EDIT_CASES: dict[str, EditCase] = {
    "talent": EditCase(
        ("kechuang.talent.forms.TalentForm",),
        "bureau_staff",
        lambda: _first(_talent().Talent.objects.filter(is_active=True, id_type="resident").order_by("pk")),
        "talent:edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "talent_team": EditCase(
        ("kechuang.talent.forms.TeamForm",),
        "bureau_staff",
        lambda: _first(_talent().Team.objects.filter(is_active=True, members__isnull=False).order_by("pk")),
        "talent:team_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "talent_team_district": EditCase(
        ("kechuang.talent.forms.TeamForm",),
        "zhangdian_officer",
        lambda: _first(_talent().Team.objects.filter(is_active=True, leader__region__code="zhangdian").order_by("pk")),
        "talent:team_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "talent_foreign_expert": EditCase(
        ("kechuang.talent.forms.ForeignExpertForm",),
        "bureau_staff",
        lambda: _first(_talent().ForeignExpert.objects.filter(programme__isnull=False).order_by("pk")),
        "talent:foreign_expert_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "talent_visit": EditCase(
        ("kechuang.talent.forms.VisitForm",),
        "bureau_staff",
        lambda: _first(_talent().Visit.objects.filter(left_on__isnull=False).order_by("pk")),
        "talent:visit_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "talent_project": EditCase(
        ("kechuang.talent.forms.ForeignProjectForm",),
        "bureau_staff",
        lambda: _first(_talent().ForeignProject.objects.filter(in_library=True).exclude(outcomes="").order_by("pk")),
        "talent:project_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "liaison": EditCase(
        ("kechuang.core.forms.LiaisonForm",),
        "bureau_staff",
        lambda: _first(Liaison.objects.filter(is_active=True).exclude(email="").order_by("pk")),
        "core:liaison_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "enterprise": EditCase(
        ("kechuang.enterprises.forms.EnterpriseForm",),
        "bureau_staff",
        lambda: _first(_enterprises().Enterprise.objects.exclude(registration_date=None).order_by("pk")),
        "enterprises:edit",
        lambda r: [r.credit_code],
        snapshot,
    ),
    "enterprise_year": EditCase(
        ("kechuang.enterprises.forms.YearForm",),
        "bureau_staff",
        lambda: _first(
            _enterprises().EnterpriseYear.objects.filter(year__lte=dt.date.today().year).order_by("-year", "pk")
        ),
        "enterprises:year_edit",
        lambda r: [r.enterprise.credit_code, r.year],
        snapshot,
    ),
    "allocations": EditCase(
        ("kechuang.indicators.forms.AllocationForm",),
        "bureau_staff",
        _allocation_target,
        "indicators:allocations",
        lambda r: [r.pk],
        _allocations,
    ),
    "data_set": EditCase(
        ("kechuang.indicators.forms.DataSetForm",),
        "bureau_staff",
        lambda: _first(_indicators().DataSet.objects.order_by("pk")),
        "indicators:data_set_edit",
        lambda r: [r.code],
        snapshot,
    ),
    "collection_form": EditCase(
        ("kechuang.indicators.forms.EntryForm",),
        "bureau_staff",
        _draft_form,
        "indicators:collection_entry",
        lambda r: [r.data_set.code, r.org_unit.code, r.period_label],
        _form_state,
    ),
    "milestone": EditCase(
        ("kechuang.supervision.forms.MilestoneForm",),
        "bureau_staff",
        lambda: _first(_supervision().Milestone.objects.order_by("pk")),
        "supervision:milestone_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "report": EditCase(
        ("kechuang.supervision.forms.ReportForm",),
        "lead_officer",
        _editable_report,
        "supervision:report",
        lambda r: [r.pk],
        _report_state,
    ),
    "achievement": EditCase(
        ("kechuang.techmarket.forms.AchievementForm",),
        "bureau_staff",
        lambda: _first(_techmarket().Achievement.objects.exclude(patent_numbers=[]).order_by("pk")),
        "techmarket:achievement_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "demand": EditCase(
        ("kechuang.techmarket.forms.DemandForm",),
        "bureau_staff",
        _demand_with_deadline,
        "techmarket:demand_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "firm_demand": EditCase(
        ("kechuang.techmarket.forms.FirmDemandForm",),
        "enterprise_admin",
        _firm_demand,
        "portal:demand_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "expert": EditCase(
        ("kechuang.techmarket.forms.ExpertForm",),
        "bureau_staff",
        _expert_with_other_fields,
        "techmarket:expert_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "contract": EditCase(
        (
            "kechuang.techmarket.forms.ContractForm",
            "kechuang.techmarket.forms.PartyForm",
            "kechuang.techmarket.forms.ItemForm",
        ),
        "bureau_staff",
        _contract_with_costs,
        "techmarket:contract_edit",
        lambda r: [r.pk],
        lambda r: snapshot(r, related=("parties", "non_technical_items")),
    ),
    "vocabulary": EditCase(
        ("kechuang.techmarket.forms.VocabularyForm",),
        "bureau_staff",
        lambda: _first(_techmarket().VocabularyTerm.objects.order_by("pk")),
        "techmarket:vocabulary_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "check": EditCase(
        ("kechuang.techmarket.forms.MatchCheckForm",),
        "bureau_staff",
        lambda: (
            _first(_techmarket().MatchCheck.objects.exclude(all_terms=[]).order_by("pk"))
            if _techmarket().MatchCheck.objects.exclude(all_terms=[]).exists()
            else _first(_techmarket().MatchCheck.objects.order_by("pk"))
        ),
        "techmarket:check_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "platform": EditCase(
        ("kechuang.platforms.forms.PlatformForm",),
        "bureau_staff",
        lambda: _first(_platforms().Platform.objects.exclude(co_builders="").order_by("pk")),
        "platforms:edit",
        lambda r: [r.pk],
        lambda r: snapshot(r, related=("events",)),
    ),
    "platform_year": EditCase(
        ("kechuang.platforms.forms.PlatformYearForm",),
        "zhangdian_officer",
        lambda: _first(_platforms().PlatformYear.objects.filter(platform__region__code="zhangdian").order_by("pk")),
        "platforms:year_edit",
        lambda r: [r.platform_id, r.year],
        snapshot,
    ),
    "platform_rule": EditCase(
        ("kechuang.platforms.forms.SettingsForm",),
        "bureau_admin",
        lambda: _platforms().PlatformSettings.current(),
        "platforms:rule",
        lambda r: [],
        lambda r: (
            snapshot(r)
            | {"counted_types": sorted(_platforms().PlatformType.objects.values_list("code", "counts_for_task2"))}
        ),
    ),
    "carrier": EditCase(
        ("kechuang.platforms.forms.CarrierForm",),
        "zhangdian_officer",
        lambda: _first(_platforms().Carrier.objects.filter(region__code="zhangdian").order_by("pk")),
        "platforms:carrier_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "carrier_year": EditCase(
        ("kechuang.platforms.forms.CarrierYearForm",),
        "bureau_staff",
        lambda: _first(_platforms().CarrierYear.objects.order_by("pk")),
        "platforms:carrier_year_edit",
        lambda r: [r.carrier_id, r.year],
        snapshot,
    ),
    "finance_loan": EditCase(
        ("kechuang.finance.forms.LoanForm",),
        "bureau_staff",
        lambda: (
            _first(_finance().Loan.objects.exclude(note="").order_by("pk"))
            if _finance().Loan.objects.exclude(note="").exists()
            else _first(_finance().Loan.objects.order_by("pk"))
        ),
        "finance:loan_edit",
        lambda r: [r.pk],
        snapshot,
    ),
    "finance_listing": EditCase(
        ("kechuang.finance.forms.ListingStageForm",),
        "bureau_staff",
        lambda: _first(_finance().ListingFirm.objects.order_by("pk")),
        "finance:listing_edit",
        lambda r: [r.pk],
        snapshot,
    ),
}

# Forms that edit no stored record in place (so there is nothing to round-trip), with the reason.
NOT_EDIT_FORMS: dict[str, str] = {
    "kechuang.core.firm_account_forms.RegistrationForm": "a public request for an account",
    "kechuang.core.firm_account_forms.DecisionForm": "an action: the district decides a request",
    "kechuang.core.firm_account_forms.FirmUserForm": "creates an account of the firm (its administrator's page)",
    "kechuang.core.firm_account_forms.InvitationForm": "issues a one-time invitation code",
    "kechuang.core.firm_account_forms.FirmTokenForm": "issues an API token of the firm (shown once; nothing to edit)",
    "kechuang.enterprises.forms.CorrectionDecisionForm": "an action: the district decides a figure",
    "kechuang.portal.ladder_views.CorrectionForm": "proposes a figure (a new proposal; the register is not edited)",
    "kechuang.platforms.forms.CreateForm": "creates a platform (tests/platforms/test_pages.py)",
    "kechuang.platforms.forms.TransitionForm": "an action (a step of the platform's life, with its document)",
    "kechuang.platforms.forms.EvaluationForm": "an action (records an evaluation)",
    "kechuang.platforms.forms.IncubateeForm": "an action (an enterprise enters a carrier)",
    "kechuang.platforms.forms.IncubateeMoveForm": "an action (an incubatee's step)",
    "kechuang.talent.forms.ApplicationForm": "creates an application (tests/talent/test_workflow.py)",
    "kechuang.talent.forms.StepForm": "an action (a workflow step with its note)",
    "kechuang.talent.forms.CardApplyForm": "creates a card application (tests/talent/test_cards_services.py)",
    "kechuang.talent.forms.RequestForm": "creates a service request (tests/talent/test_portal.py)",
    "kechuang.talent.forms.ReviewForm": "an action (an expert's score or declared conflict)",
    "kechuang.talent.forms.RegistrationForm": "a public account request (tests/talent/test_registration.py)",
    "kechuang.core.account_forms.AccountForm": "creates an account (tests/core/test_user_admin.py)",
    "kechuang.core.account_forms.GrantForm": "an action (grant a role, with a confirmation)",
    "kechuang.core.account_forms.ProfileForm": "an account's profile (tests/core/test_user_admin.py round-trips it)",
    "kechuang.core.account_forms.TokenForm": "an action (verify a second-factor code)",
    "kechuang.core.forms.ArchiveForm": "an action (archive with a reason)",
    "kechuang.indicators.forms.WhatIfForm": "the what-if's programme, read from the query string: it stores nothing",
    "kechuang.core.unmask.ReasonForm": "an action (show personal details in full, with a reason)",
    "kechuang.techmarket.forms.ConsentWithdrawForm": "an action (withdraw a public form's consent)",
    "kechuang.enterprises.forms.StatusForm": "an action (status change with a reason)",
    "kechuang.enterprises.forms.IntellectualPropertyForm": "adds a record (record_add); no edit page",
    "kechuang.enterprises.forms.QualificationForm": "adds a record (record_add); no edit page",
    "kechuang.enterprises.forms.AwardForm": "adds a record (record_add); no edit page",
    "kechuang.enterprises.forms.StandardForm": "adds a record (record_add); no edit page",
    "kechuang.enterprises.forms.RdInstitutionForm": "adds a record (record_add); no edit page",
    "kechuang.enterprises.forms.ComplianceEventForm": "adds a record (record_add); no edit page",
    "kechuang.indicators.forms.ObservationForm": "enters a value; a revision needs a new value and a typed reason",
    "kechuang.indicators.forms.ImportForm": "a file upload",
    "kechuang.indicators.forms.ValidationRuleForm": "adds a rule to a data set; no edit page",
    "kechuang.indicators.forms.StepForm": "a workflow step (approve, return, unlock with a reason)",
    "kechuang.supervision.forms.PeriodForm": "opens a new period",
    "kechuang.supervision.forms.AttachmentForm": "a file upload",
    "kechuang.techmarket.forms.PublicDemandForm": "the public creates a demand; no edit page",
    "kechuang.techmarket.forms.StepForm": "a workflow step",
    "kechuang.techmarket.forms.RegisterForm": "a workflow step (registration)",
    "kechuang.outreach.forms.DispatchForm": "adds a dispatch to a commissioner; no edit page",
    "kechuang.outreach.forms.ServiceLogForm": "logs a visit under a dispatch; no edit page",
    "kechuang.outreach.forms.AssessmentForm": "an action (the year's assessment, recorded again to correct it)",
    "kechuang.outreach.forms.EvaluationForm": "an action (a base's yearly evaluation, recorded again to correct it)",
    "kechuang.outreach.forms.RecogniseForm": "an action (a base wins a higher title)",
    "kechuang.finance.forms.PolicyForm": "creates an insurance policy; no edit page",
    "kechuang.finance.forms.ClaimForm": "files a claim; no edit page",
    "kechuang.finance.forms.ClaimDecisionForm": "a workflow step (settle a claim: paid or rejected)",
    "kechuang.finance.forms.InstitutionForm": "creates a VC institution; no edit page",
    "kechuang.finance.forms.FundForm": "creates a VC fund; no edit page",
    "kechuang.finance.forms.InvestmentForm": "records an investment; no edit page",
    "kechuang.finance.forms.ListingFirmForm": "adds a firm to the listing reserve (its stage: ListingStageForm)",
    "kechuang.finance.forms.ListingServiceForm": "records training or a service; no edit page",
    "kechuang.finance.forms.SchemeForm": "saves a new version of the scoring scheme; versions are never edited",
}


def _finance():
    from kechuang.finance import models as fin

    return fin


def _enterprises():
    from kechuang.enterprises import models as ent

    return ent


def _platforms():
    from kechuang.platforms import models as pf

    return pf


def _supervision():
    from kechuang.supervision import models as sup

    return sup


def product_forms() -> set[str]:
    """Every form class defined in the product's modules (kechuang.*)."""
    import importlib
    import pkgutil

    import kechuang

    for info in pkgutil.walk_packages(kechuang.__path__, "kechuang."):
        if info.name.rsplit(".", 1)[-1].endswith(("forms", "views")):  # forms, views, firm_account_forms …
            importlib.import_module(info.name)
    found: set[str] = set()
    stack = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("kechuang.") and not cls.__name__.startswith("_"):
            found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


# ------------------------------------------------------------------------------------------------ the tests


def test_every_form_is_registered():
    registered = {name for case in EDIT_CASES.values() for name in case.forms}
    missing = product_forms() - registered - set(NOT_EDIT_FORMS)
    assert not missing, f"forms with no round-trip case and no reason in NOT_EDIT_FORMS: {sorted(missing)}"
    stale = (registered | set(NOT_EDIT_FORMS)) - product_forms()
    assert not stale, f"registered forms that no longer exist: {sorted(stale)}"


def test_every_edit_page_is_registered():
    """Every URL whose name ends in _edit (or edit) has a case, so an edit page cannot be forgotten."""
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for p in resolver.url_patterns:
            if hasattr(p, "url_patterns"):
                yield from names(p, prefix + (p.namespace + ":" if p.namespace else ""))
            elif p.name:
                yield prefix + p.name

    edit_pages = {n for n in names(get_resolver()) if n.endswith("edit") and not n.startswith("admin:")}
    # The account profile page is round-tripped by tests/core/test_user_admin.py (the system administrator's).
    covered = {case.page for case in EDIT_CASES.values()} | {"core:user_edit"}
    assert edit_pages <= covered, f"edit pages without a round-trip case: {sorted(edit_pages - covered)}"


@pytest.mark.parametrize("name", sorted(EDIT_CASES))
def test_edit_round_trip(name, demo_site, client, persona):
    case = EDIT_CASES[name]
    record = case.record()
    before = case.state(record)
    client.force_login(persona(case.persona))
    url = case.url(record)
    page = client.get(url)
    assert page.status_code == 200, (name, url, page.status_code)
    data = edit_form_of(page.content.decode(), url)
    response = client.post(url, data)
    errors: dict[str, Any] = {}
    if response.status_code == 200 and response.context:
        for key in ("form", "parties", "items"):
            value = response.context.get(key)
            if isinstance(value, forms.BaseForm):
                errors[key] = value.errors
            elif isinstance(value, forms.BaseFormSet):
                errors[key] = [value.non_form_errors(), *(f.errors for f in value.forms)]
    assert response.status_code == 302, (name, "the unchanged form was refused", errors)
    assert resolve(urlsplit(response["Location"]).path)
    after = case.state(record)
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    assert not changed, (name, "changed by an unchanged save", changed)


def test_edit_form_keeps_date_fields(demo_site, client, persona):
    """Defect 1: the demand deadline and the contract signing date render as ISO dates, so a date input shows
    them and an unrelated change keeps them."""
    client.force_login(persona("bureau_staff"))
    for record, url, field in (
        (_demand_with_deadline(), "techmarket:demand_edit", "deadline"),
        (_contract_with_costs(), "techmarket:contract_edit", "signed_on"),
    ):
        page = client.get(reverse(url, args=[record.pk])).content.decode()
        stored = getattr(record, field)
        assert f'name="{field}" value="{stored:%Y-%m-%d}"' in page, (url, field)
