"""Data collection: the workflow services by role, validation on submit, the data scope of the forms, the lock,
completeness and reminders; and the acceptance path (a district officer enters and submits, the bureau approves,
the period locks, the board moves)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import AuditEntry, OrgUnit
from kechuang.indicators import selectors, services
from kechuang.indicators.models import CollectionReminder, DataSet, Observation, Submission
from tests.conftest import Client, first

QUARTERLY = "regions-quarterly"


@pytest.fixture
def collection(demo, city):
    """The demo's quarterly region data set, today's quarter (open, nothing reported yet) and values for 张店区 that
    pass every rule (5 % over the same quarter last year, where there is one)."""
    data_set = DataSet.objects.get(code=QUARTERLY)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    last = services.last_year_values(data_set, _unit("zhangdian"), today.year, quarter)
    base = {"above_scale_industrial_output": D(800), "high_tech_output": D(380), "tech_contract_turnover_output": D(9)}
    values = {code: (last[code] * D("1.05")).quantize(D("0.01")) if code in last else v for code, v in base.items()}
    return data_set, today.year, quarter, values


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _save(actor, data_set, unit, year, period, values, **kw):
    return services.submission_save(
        actor=actor, data_set=data_set, org_unit=unit, year=year, period=period, values=values, **kw
    )


# Who may take which step on a 张店区 form (state → action → persona → allowed). Refused steps raise and change nothing.
ROLE_TABLE = [
    ("zhangdian_officer", "save", True),
    ("zhangdian_officer", "submit", True),
    ("bureau_staff", "save", True),
    ("bureau_admin", "submit", True),
    ("zichuan_officer", "save", False),
    ("zichuan_officer", "submit", False),
    ("lead_officer", "save", False),
    ("supporting_officer", "submit", False),
    ("leader", "save", False),
]


@pytest.mark.parametrize(("who", "action", "allowed"), ROLE_TABLE)
def test_entry_by_role(collection, persona, who, action, allowed):
    data_set, year, quarter, values = collection
    zhangdian = _unit("zhangdian")
    before = Observation.objects.count()
    if allowed:
        form, _check = _save(persona(who), data_set, zhangdian, year, quarter, values, submit=action == "submit")
        assert form.state == ("submitted" if action == "submit" else "draft")
        assert Observation.objects.filter(submission=form).count() == len(values)
        created = AuditEntry.objects.filter(object_type="indicators.submission", object_id=str(form.pk))
        assert created.filter(action="create").count() == 1  # the form's first save is its audited creation
    else:
        with pytest.raises(PermissionDenied):
            _save(persona(who), data_set, zhangdian, year, quarter, values, submit=action == "submit")
        assert Observation.objects.count() == before
        assert not Submission.objects.filter(data_set=data_set, org_unit=zhangdian, year=year, period=quarter).exists()


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("bureau_staff", "approve", True),
        ("bureau_admin", "return", True),
        ("zhangdian_officer", "approve", False),
        ("zhangdian_officer", "return", False),
        ("zichuan_officer", "approve", False),
        ("lead_officer", "approve", False),
        ("leader", "approve", False),
    ],
)
def test_review_by_role(collection, persona, who, action, allowed):
    data_set, year, quarter, values = collection
    form, _ = _save(persona("zhangdian_officer"), data_set, _unit("zhangdian"), year, quarter, values, submit=True)
    if allowed:
        done = services.submission_step(actor=persona(who), submission=form, action=action, reason="口径不一致")
        assert done.state == {"approve": "approved", "return": "returned"}[action]
    else:
        with pytest.raises(PermissionDenied):
            services.submission_step(actor=persona(who), submission=form, action=action, reason="x")
        form.refresh_from_db()
        assert form.state == "submitted"


def test_refused_steps_by_state(collection, persona):
    """Steps the table does not have for the form's state: approve a draft, unlock an unapproved form, submit twice."""
    data_set, year, quarter, values = collection
    staff, officer, zhangdian = persona("bureau_staff"), persona("zhangdian_officer"), _unit("zhangdian")
    form, _ = _save(officer, data_set, zhangdian, year, quarter, values)
    for action in ("approve", "unlock"):
        with pytest.raises(ValidationError):
            services.submission_step(actor=staff, submission=form, action=action, reason="x")
    _save(officer, data_set, zhangdian, year, quarter, {}, submit=True)
    with pytest.raises(ValidationError):
        _save(officer, data_set, zhangdian, year, quarter, {k: v * 2 for k, v in values.items()})
    with pytest.raises(ValidationError, match=r"reason|原因"):
        services.submission_step(actor=staff, submission=form, action="return", reason=" ")


def test_submit_runs_the_rules_and_names_the_field(collection, persona):
    data_set, year, quarter, values = collection
    officer, zhangdian = persona("zhangdian_officer"), _unit("zhangdian")
    bad = values | {"high_tech_output": D(900)}  # more than the whole industrial output: ratio > 1
    form, check = _save(officer, data_set, zhangdian, year, quarter, bad)  # a draft saves with its findings
    assert form.state == "draft" and not check.ok
    with pytest.raises(services.CollectionInvalid) as refused:
        _save(officer, data_set, zhangdian, year, quarter, bad, submit=True)
    assert set(refused.value.message_dict) == {"v_high_tech_output"}
    form.refresh_from_db()
    assert form.state == "draft"
    assert "v_high_tech_output" in refused.value.message_dict
    with pytest.raises(ValidationError) as cleared:  # an entered value is corrected, never blanked
        _save(officer, data_set, zhangdian, year, quarter, {"high_tech_output": None})
    assert set(cleared.value.message_dict) == {"v_high_tech_output"}
    # a form submitted with a value missing: refused, naming it
    partial = {k: v for k, v in values.items() if k != "high_tech_output"}
    with pytest.raises(services.CollectionInvalid) as missing:
        _save(persona("zichuan_officer"), data_set, _unit("zichuan"), year, quarter, partial, submit=True)
    missing_finding = [f for f in missing.value.check.blocking if f.field == "high_tech_output"]
    assert [f.kind for f in missing_finding] == ["missing"]


def test_a_jump_warning_needs_a_comment(collection, persona):
    data_set, year, quarter, values = collection
    officer, zhangdian = persona("zhangdian_officer"), _unit("zhangdian")
    last = services.last_year_values(data_set, zhangdian, year, quarter)
    values = {code: last.get(code, v) for code, v in values.items()}
    values["tech_contract_turnover_output"] = (last.get("tech_contract_turnover_output") or D(9)) * 2
    if "tech_contract_turnover_output" not in last:
        Observation.objects.create(
            indicator=data_set.indicators.get(code="tech_contract_turnover_output"),
            region=zhangdian,
            year=year - 1,
            quarter=quarter,
            value=D(9),
            source="test",
        )
        values["tech_contract_turnover_output"] = D(18)
    with pytest.raises(services.CollectionInvalid) as refused:
        _save(officer, data_set, zhangdian, year, quarter, values, submit=True)
    assert list(refused.value.message_dict) == ["v_tech_contract_turnover_output"]
    form, _ = _save(
        officer,
        data_set,
        zhangdian,
        year,
        quarter,
        values,
        submit=True,
        comments={"tech_contract_turnover_output": "两项大额技术转让合同集中登记"},
    )
    assert form.state == "submitted" and form.comments


def test_the_lock_holds_everywhere_and_unlocking_is_audited(collection, persona):
    data_set, year, quarter, values = collection
    staff, officer, zhangdian = persona("bureau_staff"), persona("zhangdian_officer"), _unit("zhangdian")
    form, _ = _save(officer, data_set, zhangdian, year, quarter, values, submit=True)
    services.submission_step(actor=staff, submission=form, action="approve")
    obs = first(Observation.objects.filter(submission=form, indicator__code="above_scale_industrial_output"))
    # the form, the single-value entry and the bureau itself: nothing changes a locked value
    for actor in (officer, staff):
        with pytest.raises(ValidationError):
            _save(actor, data_set, zhangdian, year, quarter, {k: v * 2 for k, v in values.items()})
        with pytest.raises(ValidationError):
            services.observation_save(
                actor=actor,
                indicator=obs.indicator,
                region=zhangdian,
                year=year,
                quarter=quarter,
                value=D(1),
                source="x",
                reason="y",
            )
    obs.refresh_from_db()
    assert obs.value == values["above_scale_industrial_output"]
    with pytest.raises(ValidationError):
        services.submission_step(actor=staff, submission=form, action="unlock", reason="")
    entries = AuditEntry.objects.filter(object_type="indicators.submission", object_id=str(form.pk)).count()
    services.submission_step(actor=staff, submission=form, action="unlock", reason="统计局更正了一季度数据")
    form.refresh_from_db()
    assert form.state == "returned" and form.reason == "统计局更正了一季度数据"
    entry = AuditEntry.objects.filter(object_type="indicators.submission", object_id=str(form.pk)).latest("id")
    assert AuditEntry.objects.filter(object_type="indicators.submission", object_id=str(form.pk)).count() == entries + 1
    assert entry.changes["state"] == ["approved", "returned"] and entry.changes["reason"][1] == form.reason
    _save(officer, data_set, zhangdian, year, quarter, {k: v * 2 for k, v in values.items()})  # open again
    obs.refresh_from_db()
    assert obs.value == values["above_scale_industrial_output"] * 2 and obs.revisions.exists()


def test_dashboards_use_approved_values_only(collection, persona, city):
    _data_set, year, _quarter, _values = collection
    annual = DataSet.objects.get(code="regions-annual")
    officer, staff = persona("zichuan_officer"), persona("bureau_staff")
    zichuan = _unit("zichuan")
    gdp = annual.indicators.get(code="gdp")
    stored = Observation.objects.filter(indicator=gdp, region=zichuan, year=year).first()
    assert stored is None  # this year's annual figure is not in the demo
    last = services.last_year_values(annual, zichuan, year, 0)
    values = {i.code: (last[i.code] * D("1.05")).quantize(D("0.01")) for i in annual.indicators.all()}
    form, _ = _save(officer, annual, zichuan, year, 0, values, submit=True)

    def seen() -> float | None:
        ctx = selectors.context_for(staff, city)
        found = ctx.resolver.get("gdp", "zichuan", year)
        return None if found is None else found.value

    assert seen() is None  # submitted, not approved: not on the dashboards
    assert selectors.approved_observations().filter(submission=form).count() == 0
    services.submission_step(actor=staff, submission=form, action="approve")
    assert seen() == float(values["gdp"])
    # values entered outside the collection (the demo series, the single-value form) count as they always did
    assert selectors.approved_observations().filter(submission__isnull=True).count() > 0


def test_another_district_can_never_be_written_through_a_click(collection, client_as, persona):
    """The 淄川区 form's URL, posted by the 张店区 officer: 404 (as a record out of scope), nothing written; the
    service refuses the same write when called directly."""
    data_set, year, quarter, values = collection
    client = client_as("zhangdian_officer")
    url = reverse("indicators:collection_entry", args=[data_set.code, "zichuan", f"{year}Q{quarter}"])
    before = (Observation.objects.count(), Submission.objects.count())
    payload = {"action": "submit"} | {f"v_{k}": str(v) for k, v in values.items()}
    assert client.post(url, payload).status_code == 404
    assert client.get(url).status_code == 404
    step = reverse("indicators:collection_step", args=[data_set.code, "zichuan", f"{year}Q{quarter}", "approve"])
    assert client.post(step).status_code == 404
    assert (Observation.objects.count(), Submission.objects.count()) == before
    with pytest.raises(PermissionDenied):
        _save(persona("zhangdian_officer"), data_set, _unit("zichuan"), year, quarter, values)
    # the department officer sees no region's form at all; the leader reads it but cannot write
    assert client_as("lead_officer").get(url).status_code == 404
    leader = client_as("leader")
    assert leader.get(url).status_code == 200
    assert leader.post(url, payload).status_code == 403
    assert (Observation.objects.count(), Submission.objects.count()) == before


def _client(persona, name: str) -> Client:
    client = Client()
    client.force_login(persona(name))
    return client


def test_acceptance_officer_submits_bureau_approves_period_locks_board_moves(collection, persona):
    data_set, year, quarter, values = collection
    period = f"{year}Q{quarter}"
    url = reverse("indicators:collection_entry", args=[data_set.code, "zhangdian", period])
    board_url = reverse("indicators:collection_board") + f"?year={year}&data_set={data_set.code}"
    staff = _client(persona, "bureau_staff")

    def approved_on_board() -> int:
        return staff.get(board_url).context["totals"]["counts"]["approved"]

    before = approved_on_board()
    officer = _client(persona, "zhangdian_officer")
    payload = {f"v_{k}": str(v) for k, v in values.items()}
    assert officer.post(url, payload | {"action": "save"}).status_code == 302
    assert (
        Submission.objects.get(data_set=data_set, org_unit__code="zhangdian", year=year, period=quarter).state
        == "draft"
    )
    assert officer.post(url, payload | {"action": "submit"}).status_code == 302
    form = Submission.objects.get(data_set=data_set, org_unit__code="zhangdian", year=year, period=quarter)
    assert form.state == "submitted" and form.submitted_at is not None
    assert form in staff.get(reverse("indicators:collection")).context["awaiting"]
    step = reverse("indicators:collection_step", args=[data_set.code, "zhangdian", period, "approve"])
    assert staff.post(step).status_code == 302
    form.refresh_from_db()
    assert form.state == "approved"
    assert approved_on_board() == before + 1
    # locked: the officer's next save changes nothing and says why
    response = officer.post(url, {k: "1" for k in payload} | {"action": "save"}, follow=True)
    assert response.status_code == 200
    assert set(Observation.objects.filter(submission=form).values_list("value", flat=True)) == set(values.values())
    page = officer.get(url)
    assert page.context["cell"].state == "approved" and not page.context["editable"]


def test_board_counts_and_timeliness(collection, persona):
    today = timezone.localdate()
    cells = selectors.completeness_board(persona("bureau_staff"), year=today.year - 1, today=today)
    totals = selectors.board_totals(cells)
    assert totals["forms"] == len(cells) > 0
    assert totals["entered"] == sum(
        Observation.objects.filter(submission=c.submission).count() for c in cells if c.submission
    )
    assert {c.state for c in cells} >= {"approved", "missing"}
    late = [c for c in cells if c.on_time is False]
    assert late and all(c.overdue or c.submitted_on > c.deadline for c in late)
    # an officer's board holds their own organisation only
    own = selectors.completeness_board(persona("zhangdian_officer"), year=today.year - 1, today=today)
    assert own and {c.org_unit.code for c in own} == {"zhangdian"}
    assert (
        selectors.completeness_board(persona("lead_officer"), year=today.year - 1, today=today, data_set_code=QUARTERLY)
        == []
    )


def test_board_export(collection, client_as):
    from openpyxl import load_workbook

    # the year of the demo's latest approved forms (early in a year, those are last year's)
    year = Submission.objects.filter(state=Submission.State.APPROVED).order_by("-year").values_list("year", flat=True)
    assert year, "the demo holds approved forms"
    url = reverse("indicators:collection_board_xlsx") + f"?state=approved&year={year[0]}"
    response = client_as("bureau_staff").get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 1 and rows[0][0]
    assert AuditEntry.objects.filter(action="export", object_type="indicators.submission").exists()


def test_reminders_once_per_form_and_officer(collection, persona):
    data_set, year, quarter, values = collection
    officer = persona("zhangdian_officer")
    officer.email = "zd@example.com"
    officer.save()
    CollectionReminder.objects.all().delete()
    due = selectors.form_deadline(data_set, year, quarter)
    call_command("send_collection_reminders", today=(due + dt.timedelta(days=1)).isoformat(), stdout=io.StringIO())
    mine = CollectionReminder.objects.filter(user=officer, data_set=data_set, year=year, period=quarter)
    assert mine.count() == 1 and mine.get().kind == "overdue" and mine.get().missing == data_set.indicators.count()
    assert any("zd@example.com" in m.to for m in mail.outbox)
    sent = CollectionReminder.objects.count()
    services.collection_reminders_send(today=due + dt.timedelta(days=2))
    assert CollectionReminder.objects.count() == sent  # nothing twice
    # a complete form gets no reminder
    _save(officer, data_set, _unit("zhangdian"), year, quarter, values, submit=True)
    CollectionReminder.objects.all().delete()
    services.collection_reminders_send(today=due + dt.timedelta(days=1))
    assert not CollectionReminder.objects.filter(user=officer, data_set=data_set, year=year, period=quarter).exists()


def test_data_sets_are_managed_by_the_bureau(demo, persona):
    data_set = DataSet.objects.get(code=QUARTERLY)
    with pytest.raises(PermissionDenied):
        services.data_set_save(
            actor=persona("zhangdian_officer"),
            data_set=data_set,
            indicators=data_set.indicators.all(),
            org_units=data_set.org_units.all(),
        )
    with pytest.raises(ValidationError) as wrong:
        services.data_set_save(
            actor=persona("bureau_staff"),
            data_set=data_set,
            indicators=data_set.indicators.all(),
            org_units=OrgUnit.objects.filter(kind="department")[:1],
        )
    assert "org_units" in wrong.value.message_dict


@pytest.mark.parametrize("who", ["bureau_staff", "zhangdian_officer"])
def test_board_and_entry_pages_have_bounded_queries(collection, persona, who, django_assert_max_num_queries):
    """The board reads every form of the year in a few queries, whatever the number of organisations and periods;
    the entry form likewise for its indicators."""
    data_set, year, quarter, _values = collection
    client = _client(persona, who)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("indicators:collection_board") + f"?year={year - 1}").status_code == 200
    url = reverse("indicators:collection_entry", args=[data_set.code, "zhangdian", f"{year - 1}Q{quarter}"])
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200
