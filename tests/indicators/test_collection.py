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

from kechuang.core.models import AuditEntry, Message, OrgUnit
from kechuang.indicators import selectors, services
from kechuang.indicators.demo import load_demo
from kechuang.indicators.models import DataSet, Observation, Submission
from tests.conftest import Client, first, loaded_once

QUARTERLY = "regions-quarterly"

# The indicator demo once for the module (each test runs in its own savepoint inside it).
demo_once = loaded_once(load_demo)


@pytest.fixture
def demo(demo_once, db) -> str:
    return demo_once


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


def _reminders(user, key: str):
    return Message.objects.filter(user=user, key=key)


def test_reminders_through_the_message_centre_once_per_officer_and_period(
    collection, persona, django_capture_on_commit_callbacks
):
    """Missing values → one message per officer and form in the message centre (inbox and e-mail after the commit);
    the daily run again, the same day or the next, sends nothing twice; a complete form gets none."""
    data_set, year, quarter, values = collection
    officer, zhangdian = persona("zhangdian_officer"), _unit("zhangdian")
    officer.email = "zd@example.com"
    officer.save()
    Message.objects.filter(about_type=services.ABOUT_DATA_SET).delete()
    mail.outbox.clear()
    due = selectors.form_deadline(data_set, year, quarter)
    key = services.reminder_key(data_set, zhangdian, year, quarter, "overdue", due)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_collection_reminders", today=(due + dt.timedelta(days=1)).isoformat(), stdout=out)
    message = _reminders(officer, key).get()
    assert message.kind == "overdue" and message.about_id == data_set.pk
    assert f"{data_set.indicators.count()}" in message.subject and f"{year}Q{quarter}" in message.subject
    assert message.url == reverse("indicators:collection_entry", args=[data_set.code, "zhangdian", f"{year}Q{quarter}"])
    assert [m for m in mail.outbox if m.to == ["zd@example.com"] and m.subject == message.subject]
    assert message.emailed_at is not None  # delivered after the commit
    # one per officer and form: no key twice in the officer's inbox
    keys = list(Message.objects.filter(user=officer, about_type=services.ABOUT_DATA_SET).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) and "Collection reminders:" in out.getvalue()
    total, mails = Message.objects.count(), len(mail.outbox)
    for later in (1, 2):  # the daily run again: the same day, the day after
        with django_capture_on_commit_callbacks(execute=True):
            again = services.collection_reminders_send(today=due + dt.timedelta(days=later))
        assert again.messages == 0 and again.sent == []
    assert Message.objects.count() == total and len(mail.outbox) == mails
    # the officer's collection page lists it
    page = _client(persona, "zhangdian_officer").get(reverse("indicators:collection"))
    assert message in list(page.context["reminders"])
    # a complete form gets no reminder
    _save(officer, data_set, zhangdian, year, quarter, values, submit=True)
    Message.objects.filter(about_type=services.ABOUT_DATA_SET).delete()
    services.collection_reminders_send(today=due + dt.timedelta(days=1))
    assert not _reminders(officer, key).exists()


def test_a_monthly_form_is_reminded_for_its_own_month(monthly, persona):
    data_set, year, month, _values = monthly
    officer, zhangdian = persona("zhangdian_officer"), _unit("zhangdian")
    due = selectors.form_deadline(data_set, year, month)
    first_run = services.collection_reminders_send(today=due - dt.timedelta(days=3))
    key = services.reminder_key(data_set, zhangdian, year, month, "deadline", due)
    message = _reminders(officer, key).get()
    assert message.kind == "deadline" and f"{year}-{month:02d}" in message.subject
    assert (MONTHLY, "zhangdian", f"{year}-{month:02d}", "deadline") in first_run.sent
    again = services.collection_reminders_send(today=due - dt.timedelta(days=2))
    assert not [s for s in again.sent if s[0] == MONTHLY and s[2] == f"{year}-{month:02d}"]
    assert _reminders(officer, key).count() == 1
    # once overdue, one more (the other kind), then nothing
    services.collection_reminders_send(today=due + dt.timedelta(days=1))
    services.collection_reminders_send(today=due + dt.timedelta(days=5))
    overdue = services.reminder_key(data_set, zhangdian, year, month, "overdue", due)
    assert _reminders(officer, overdue).count() == 1


def test_a_reminder_stops_needing_action_once_its_values_are_in_though_never_opened(collection, persona):
    """The reason for a reminder is the form's missing values: once they are entered (a complete draft) or the form
    is submitted, the message centre shows it handled, though the officer never opened it; the same officer's
    reminder of another period, and another region's of the same period, still need action."""
    data_set, year, quarter, values = collection
    zhangdian, zichuan = _unit("zhangdian"), _unit("zichuan")
    due = selectors.form_deadline(data_set, year, quarter)
    Message.objects.filter(about_type=services.ABOUT_DATA_SET).delete()
    services.collection_reminders_send(today=due + dt.timedelta(days=1))
    officer = _client(persona, "zhangdian_officer")
    key = services.reminder_key(data_set, zhangdian, year, quarter, "overdue", due)
    message = _reminders(persona("zhangdian_officer"), key).get()
    # another of the officer's reminders: the same data set and quarter a year later (a form with nothing in it)
    from kechuang.core.messages import notify

    later_key = services.reminder_key(data_set, zhangdian, year + 1, quarter, "deadline", due)
    (later,) = notify([persona("zhangdian_officer")], kind="deadline", subject="s", key=later_key, about=data_set)
    other = _reminders(
        persona("zichuan_officer"), services.reminder_key(data_set, zichuan, year, quarter, "overdue", due)
    )

    def flagged(show: str) -> set[int]:
        page = officer.get(reverse("message_list") + f"?show={show}")
        assert page.status_code == 200
        return {m.pk for m in page.context["page"].object_list}

    assert message.pk in flagged("action")
    url = reverse("indicators:collection_entry", args=[data_set.code, "zhangdian", f"{year}Q{quarter}"])
    payload = {f"v_{k}": str(v) for k, v in values.items()}
    one_left = dict(list(payload.items())[:-1])
    assert officer.post(url, one_left | {"action": "save"}).status_code == 302
    assert message.pk in flagged("action")  # a value still missing: the reason is still there
    assert officer.post(url, payload | {"action": "submit"}).status_code == 302
    assert message.pk not in flagged("action") and message.pk in flagged("stale")
    page = officer.get(reverse("message_list") + "?show=stale")
    assert 'data-testid="handled"' in page.content.decode()
    message.refresh_from_db()
    assert message.read_at is None  # never opened: handled by the values, not by reading
    # the officer's collection page shows it handled too
    listed = {r.pk: r.needs_action for r in officer.get(reverse("indicators:collection")).context["reminders"]}
    assert listed[message.pk] is False
    assert later in flagged("action")
    other_client = _client(persona, "zichuan_officer")
    assert other.get().pk in {
        m.pk for m in other_client.get(reverse("message_list") + "?show=action").context["page"].object_list
    }


def test_a_complete_draft_resolves_its_reminder_too(monthly, persona):
    data_set, year, month, values = monthly
    officer, zhangdian = persona("zhangdian_officer"), _unit("zhangdian")
    due = selectors.form_deadline(data_set, year, month)
    services.collection_reminders_send(today=due - dt.timedelta(days=3))
    key = services.reminder_key(data_set, zhangdian, year, month, "deadline", due)
    from kechuang.core.messages import inbox, with_needs_action

    def needs_action() -> bool:
        return with_needs_action(inbox(officer).filter(key=key)).get().needs_action

    assert needs_action()
    _save(officer, data_set, zhangdian, year, month, values)  # every value in, not submitted yet
    assert not needs_action()


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


# ---------------------------------------------------------------------------------------------------------------------
# Monthly periods: the demo's monthly contract registration return (region × month, cumulative, due 10 days after
# the month), the same workflow as the quarterly forms; its values stored by month, never read as a year's.

MONTHLY = "regions-monthly-contracts"


@pytest.fixture
def monthly(demo):
    """The demo's monthly data set, today's month (open, nothing reported yet) and values for 张店区 that pass its
    rules (5 % over the same month last year, where there is one)."""
    data_set = DataSet.objects.get(code=MONTHLY)
    today = timezone.localdate()
    last = services.last_year_values(data_set, _unit("zhangdian"), today.year, today.month)
    base = {"tech_contract_turnover_output": D("3.2"), "tech_contract_turnover_absorbed": D("2.7")}
    values = {code: (last[code] * D("1.05")).quantize(D("0.01")) if code in last else v for code, v in base.items()}
    return data_set, today.year, today.month, values


def test_the_demo_months_are_mostly_on_time_a_few_late_a_few_missing_and_the_same_every_run(monthly, persona, city):
    """The demo's monthly return, as the bureau's completeness board shows it: of the forms past their deadline,
    most were submitted on time and a few late (never a third); of the latest month that has ended, most are in
    and a few not started; the board's lateness is the demo's own rule, and a rebuild gives the same forms."""
    from kechuang.indicators import collection_demo

    data_set = monthly[0]
    today = timezone.localdate()
    staff = persona("bureau_staff")
    cells = [
        c
        for year in (today.year - 1, today.year)
        for c in selectors.completeness_board(staff, year=year, today=today, data_set_code=MONTHLY)
    ]
    due = [c for c in cells if today > c.deadline]
    late = [c for c in due if c.on_time is False]
    assert due and 0 < len(late) <= 0.15 * len(due), (len(late), len(due))
    totals = selectors.board_totals(cells)
    assert totals["due"] == len(due) and totals["on_time"] == len(due) - len(late)
    assert 0.85 <= totals["timeliness"] < 1
    # the board's lateness of a submitted form is the demo's rule (months whose late submissions are all past)
    regions = list(data_set.org_units.order_by("sort_order"))
    for cell in due:
        if cell.state in ("submitted", "approved") and cell.deadline + dt.timedelta(days=7) < today:
            late_by_rule = collection_demo.is_late(regions.index(cell.org_unit), cell.year, cell.period)
            assert cell.on_time is not late_by_rule, cell
    # the latest month that has ended: most forms in, a few not started (the ones to chase), a few drafts
    (year, month) = collection_demo._ended_months(today, 1)[0]
    latest = [c for c in cells if (c.year, c.period) == (year, month)]
    states = [c.state for c in latest]
    assert 1 <= states.count("missing") <= 3 and states.count("submitted") > len(latest) / 2
    assert 1 <= states.count("draft") <= 3

    def snapshot() -> list[tuple]:
        return list(
            Submission.objects.filter(data_set__code=MONTHLY)
            .order_by("org_unit__code", "year", "period")
            .values_list("org_unit__code", "year", "period", "state", "submitted_at", "approved_at")
        )

    before = snapshot()
    Observation.objects.filter(submission__data_set__code=MONTHLY).delete()
    Submission.objects.filter(data_set__code=MONTHLY).delete()
    DataSet.objects.filter(code=MONTHLY).delete()
    collection_demo.load_collection_demo(city)
    assert snapshot() == before


def test_a_monthly_data_set_has_twelve_periods_each_with_its_own_deadline(monthly):
    data_set, year, _month, _values = monthly
    assert data_set.period_type == "monthly" and selectors.periods_of(data_set, year) == list(range(1, 13))
    # each month ends on its own last day (February's moves with the leap year); due `deadline_days` (10) after it
    assert selectors.period_end(data_set, 2024, 2) == dt.date(2024, 2, 29)
    assert selectors.period_end(data_set, 2025, 2) == dt.date(2025, 2, 28)
    assert selectors.form_deadline(data_set, 2025, 4) == dt.date(2025, 5, 10)
    assert selectors.form_deadline(data_set, 2025, 12) == dt.date(2026, 1, 10)
    assert selectors.period_start(data_set, 2025, 7) == dt.date(2025, 7, 1)
    with pytest.raises(ValidationError):
        services._check_period(data_set, 2025, 13)
    with pytest.raises(ValidationError):
        services._check_period(data_set, 2025, 0)


def test_the_board_shows_a_monthly_data_set_month_by_month(monthly, persona):
    data_set, year, month, _values = monthly
    today = timezone.localdate()
    cells = selectors.completeness_board(persona("bureau_staff"), year=year, today=today, period_type="monthly")
    assert cells and {c.data_set.code for c in cells} == {MONTHLY}
    # one column per month begun (no month of the future), labelled YYYY-MM, each cell due on its own day
    assert {c.period for c in cells} == set(range(1, month + 1))
    columns, _rows = selectors.board_rows(cells)
    assert [label for _key, label in columns] == [f"{year}-{m:02d}" for m in range(1, month + 1)]
    for cell in cells:
        assert cell.deadline == selectors.period_end(data_set, year, cell.period) + dt.timedelta(days=10)
    assert {c.deadline for c in cells if c.org_unit.code == "zhangdian"} == {
        selectors.form_deadline(data_set, year, m) for m in range(1, month + 1)
    }


def test_monthly_acceptance_submit_approve_lock_board_moves(monthly, persona):
    data_set, year, month, values = monthly
    period = f"{year}-{month:02d}"
    url = reverse("indicators:collection_entry", args=[data_set.code, "zhangdian", period])
    board_url = reverse("indicators:collection_board") + f"?year={year}&period_type=monthly"
    staff, officer = _client(persona, "bureau_staff"), _client(persona, "zhangdian_officer")

    def approved_on_board() -> int:
        return staff.get(board_url).context["totals"]["counts"]["approved"]

    before = approved_on_board()
    payload = {f"v_{k}": str(v) for k, v in values.items()}
    assert officer.get(url).status_code == 200
    assert officer.post(url, payload | {"action": "submit"}).status_code == 302
    form = Submission.objects.get(data_set=data_set, org_unit__code="zhangdian", year=year, period=month)
    assert form.state == "submitted" and form.period_label == period
    # the values are the month's (cumulative), never a quarter's or the year's
    stored = Observation.objects.filter(submission=form)
    assert stored.count() == len(values) and set(stored.values_list("quarter", "month")) == {(0, month)}
    assert not Observation.objects.annual().filter(submission=form).exists()
    step = reverse("indicators:collection_step", args=[data_set.code, "zhangdian", period, "approve"])
    assert staff.post(step).status_code == 302
    form.refresh_from_db()
    assert form.state == "approved"
    assert approved_on_board() == before + 1
    cell = next(
        c
        for c in staff.get(board_url).context["page"].object_list
        if c.org_unit.code == "zhangdian" and c.data_set.code == MONTHLY
    ).cells[(2, month)]
    assert cell.state == "approved" and cell.entered == cell.expected == len(values)
    # locked: neither the form nor the single-value entry changes the month's value
    assert officer.post(url, {k: "1" for k in payload} | {"action": "save"}).status_code == 302
    assert set(stored.values_list("value", flat=True)) == set(values.values())
    obs = first(stored.filter(indicator__code="tech_contract_turnover_output"))
    with pytest.raises(ValidationError):
        services.observation_save(
            actor=persona("bureau_staff"),
            indicator=obs.indicator,
            region=_unit("zhangdian"),
            year=year,
            month=month,
            value=D(1),
            source="x",
            reason="y",
        )
    # the same number as a quarter (the quarterly data set holds this indicator too) is another period: not locked
    assert services.locked_form(obs.indicator, _unit("zhangdian"), year, (month - 1) // 3 + 1) != form


def test_monthly_unlock_needs_a_reason_and_is_audited(monthly, persona):
    data_set, year, month, values = monthly
    staff, officer, zhangdian = persona("bureau_staff"), persona("zhangdian_officer"), _unit("zhangdian")
    form, _ = _save(officer, data_set, zhangdian, year, month, values, submit=True)
    services.submission_step(actor=staff, submission=form, action="approve")
    with pytest.raises(ValidationError):
        services.submission_step(actor=staff, submission=form, action="unlock", reason=" ")
    with pytest.raises(PermissionDenied):
        services.submission_step(actor=officer, submission=form, action="unlock", reason="改数")
    services.submission_step(actor=staff, submission=form, action="unlock", reason="登记机构补登两份合同")
    entry = AuditEntry.objects.filter(object_type="indicators.submission", object_id=str(form.pk)).latest("id")
    assert entry.changes["state"] == ["approved", "returned"] and entry.changes["reason"][1] == "登记机构补登两份合同"
    corrected = {k: v + 1 for k, v in values.items()}
    _save(officer, data_set, zhangdian, year, month, corrected, submit=True)
    obs = first(Observation.objects.filter(submission=form, indicator__code="tech_contract_turnover_output"))
    assert obs.value == corrected["tech_contract_turnover_output"] and obs.revisions.exists()


def test_a_monthly_form_url_takes_a_month_only(monthly, client_as):
    data_set, year, month, _values = monthly
    client = client_as("bureau_staff")

    def status(period: str) -> int:
        return client.get(reverse("indicators:collection_entry", args=[data_set.code, "zhangdian", period])).status_code

    assert status(f"{year}-{month:02d}") == 200
    assert status(f"{year}Q1") == 404  # a quarter of a monthly data set
    assert status(f"{year}") == 404
    assert status(f"{year}-13") == 404
    quarterly = reverse("indicators:collection_entry", args=[QUARTERLY, "zhangdian", f"{year}-{month:02d}"])
    assert client.get(quarterly).status_code == 404  # a month of a quarterly data set


def test_monthly_values_stay_out_of_the_yearly_readings(monthly, persona, city):
    """An approved month is not the year's value: the dashboards' resolver reads whole years only."""
    data_set, year, month, values = monthly
    staff = persona("bureau_staff")
    before = selectors.context_for(staff, city).resolver.get("tech_contract_turnover_output", "zhangdian", year)
    form, _ = _save(persona("zhangdian_officer"), data_set, _unit("zhangdian"), year, month, values, submit=True)
    services.submission_step(actor=staff, submission=form, action="approve")
    after = selectors.context_for(staff, city).resolver.get("tech_contract_turnover_output", "zhangdian", year)
    assert (after and after.value) == (before and before.value)


def test_the_demo_never_dates_a_submission_or_an_approval_after_now(demo, city):
    """Loaded early on a morning inside a reporting window, the demo's forms of that window are submitted "today":
    at 10:00 they would be in the future, and their approval at 14:00 too (the demo's submitted_at and approved_at are
    clamped to the moment it is loaded)."""
    import time_machine
    from django.db.models import Q

    from kechuang.indicators import collection_demo

    morning = timezone.make_aware(dt.datetime(2026, 12, 3, 8, 0))
    with time_machine.travel(morning, tick=False):
        Observation.objects.filter(submission__data_set__code=MONTHLY).delete()
        Submission.objects.filter(data_set__code=MONTHLY).delete()
        DataSet.objects.filter(code=MONTHLY).delete()
        collection_demo.load_collection_demo(city)
        forms = Submission.objects.filter(data_set__code=MONTHLY)
        assert forms.filter(submitted_at__date=morning.date()).exists()  # the case: forms of this very morning
        assert not forms.filter(Q(submitted_at__gt=morning) | Q(approved_at__gt=morning)).exists()


def test_the_reminders_job_and_the_message_centre_read_one_completeness_rule(collection, persona):
    """A form's completeness is one rule (selectors.FORM_HANDLED): the daily reminders job reminds exactly the forms
    whose reminder the message centre flags as needing action, and those are the forms `incomplete_forms` lists —
    for a form not started, partly filled, with every value in a draft, submitted, returned with its values, and
    approved."""
    from kechuang.core.messages import inbox, notify, with_needs_action

    data_set, year, quarter, values = collection
    officer, staff, zhangdian = persona("zhangdian_officer"), persona("bureau_staff"), _unit("zhangdian")
    due = selectors.form_deadline(data_set, year, quarter)
    key = services.reminder_key(data_set, zhangdian, year, quarter, "overdue", due)
    sent = (data_set.code, "zhangdian", f"{year}Q{quarter}", "overdue")

    def readings() -> tuple[bool, bool, bool]:
        Message.objects.filter(about_type=services.ABOUT_DATA_SET).delete()
        reminded = sent in services.collection_reminders_send(today=due + dt.timedelta(days=1)).sent
        if not reminded:  # the message centre's flag of such a reminder, had one been sent before the values came
            notify([officer], kind="overdue", subject="s", key=key, about=data_set)
        flagged = with_needs_action(inbox(officer).filter(key=key)).get().needs_action
        forms = Submission.objects.filter(data_set=data_set, org_unit=zhangdian, year=year, period=quarter)
        listed = not forms.exists() or selectors.incomplete_forms(forms).exists()
        return reminded, flagged, listed

    assert readings() == (True, True, True)  # not started
    first = next(iter(values))
    _save(officer, data_set, zhangdian, year, quarter, {k: v for k, v in values.items() if k != first})
    assert readings() == (True, True, True)  # partly filled: a value missing
    _save(officer, data_set, zhangdian, year, quarter, values)
    form = Submission.objects.get(data_set=data_set, org_unit=zhangdian, year=year, period=quarter)
    assert form.state == "draft"
    assert readings() == (False, False, False)  # every value in, as a draft
    _save(officer, data_set, zhangdian, year, quarter, values, submit=True)
    assert readings() == (False, False, False)  # submitted
    form = services.submission_step(actor=staff, submission=form, action="return", reason="核对口径")
    assert form.state == "returned"
    assert readings() == (False, False, False)  # returned with its values in
    _save(officer, data_set, zhangdian, year, quarter, values, submit=True)
    form.refresh_from_db()
    services.submission_step(actor=staff, submission=form, action="approve")
    assert readings() == (False, False, False)  # approved
