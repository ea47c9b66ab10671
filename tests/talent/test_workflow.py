"""The §1.6 workflow through its services: every step audited, forbidden steps refused, 公示 window, reviewers'
conflicts, tranches, claw-back, tier and quota counts following approvals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEntry
from kechuang.talent import feed, services
from kechuang.talent.engines import workflow as wf
from kechuang.talent.models import Membership, Tranche
from tests.talent import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def app(persona, unit):
    staff = persona("bureau_staff")
    talent = f.talent(staff, unit("zhangdian"), n=1)
    prog = f.programme(objection_days=5, max_wan=100, clawback="pro_rata")
    return services.application_create(
        actor=persona("zhangdian_officer"), round=f.round_of(prog), talent=talent, requested_wan=80
    )


def step(actor, app, action, **kw):
    return services.application_step(actor=actor, application=app, action=action, **kw)


def through_review(persona, app):
    district, dept, staff = persona("zhangdian_officer"), persona("lead_officer"), persona("bureau_staff")
    step(district, app, wf.SUBMIT)
    step(district, app, wf.RECOMMEND)
    step(dept, app, wf.ACCEPT_FOR_CHECK)
    step(dept, app, wf.PASS_CHECK)
    services.review_submit(actor=staff, application=app, score=88)
    step(dept, app, wf.PUBLISH, on=TODAY)
    return dept


def test_whole_path_with_audit_tier_quota_and_clawback(persona, app):
    dept = through_review(persona, app)
    app.refresh_from_db()
    assert app.state == wf.PUBLICITY and app.publicity_end == TODAY + dt.timedelta(days=4)
    # not before the objection window closes
    with pytest.raises(ValidationError):
        step(dept, app, wf.APPROVE, on=TODAY + dt.timedelta(days=4))
    step(dept, app, wf.APPROVE, on=TODAY + dt.timedelta(days=5), approved_wan=Decimal("80"))
    app.refresh_from_db()
    talent = app.talent
    talent.refresh_from_db()
    assert app.state == wf.APPROVED and talent.tier.code == "C"
    assert feed.quota_counts("provincial_plus", {app.round.year}) == {("zhangdian", app.round.year): 1}
    step(dept, app, wf.SIGN)
    with pytest.raises(ValidationError):
        step(dept, app, wf.DISBURSE, amount_wan=Decimal("81"))  # more than approved
    step(dept, app, wf.DISBURSE, amount_wan=Decimal("32"))
    step(dept, app, wf.CHECK)
    step(dept, app, wf.DISBURSE, amount_wan=Decimal("24"))
    app.refresh_from_db()
    assert app.paid_wan == Decimal("56") and app.state == wf.ANNUAL_CHECK
    # left the city: withdrawn, clawed back pro rata, membership no longer counts, tier gone
    with pytest.raises(ValidationError):
        step(dept, app, wf.LEAVE)  # a reason is required
    left = app.term_start + (app.term_end - app.term_start) / 2
    step(dept, app, wf.LEAVE, note="调离淄博", on=left)
    app.refresh_from_db()
    talent.refresh_from_db()
    assert app.state == wf.WITHDRAWN and Decimal("27") < app.clawback_wan < Decimal("29")
    assert Tranche.objects.filter(application=app, amount_wan__lt=0).count() == 1
    assert Membership.objects.get(pk=app.membership_id).status == Membership.Status.WITHDRAWN
    assert talent.tier is None
    assert feed.quota_counts("provincial_plus", {app.round.year}) == {}
    transitions = AuditEntry.objects.filter(object_type="talent.application", detail__has_key="transition")
    assert transitions.count() == 11  # one per step taken


def test_forbidden_steps_change_nothing(persona, app):
    dept = persona("lead_officer")
    for action in (wf.APPROVE, wf.PUBLISH, wf.DISBURSE, wf.SIGN):
        with pytest.raises(ValidationError):
            step(dept, app, action)
    app.refresh_from_db()
    assert app.state == wf.DRAFT


def test_wrong_actor_is_refused(persona, app):
    step(persona("zhangdian_officer"), app, wf.SUBMIT)
    with pytest.raises(PermissionDenied):
        step(persona("zichuan_officer"), app, wf.RECOMMEND)  # another district
    with pytest.raises(PermissionDenied):
        step(persona("supporting_officer"), app, wf.RECOMMEND)  # a department, not the district
    with pytest.raises(PermissionDenied):
        step(persona("leader"), app, wf.RECOMMEND)


def test_publicity_needs_a_reviewer_without_conflict(persona, app):
    district, dept, staff = persona("zhangdian_officer"), persona("lead_officer"), persona("bureau_admin")
    step(district, app, wf.SUBMIT)
    step(district, app, wf.RECOMMEND)
    step(dept, app, wf.ACCEPT_FOR_CHECK)
    step(dept, app, wf.PASS_CHECK)
    with pytest.raises(ValidationError):
        services.review_submit(actor=staff, application=app, conflict=True)  # a conflict needs its description
    services.review_submit(actor=staff, application=app, conflict=True, conflict_note="曾为其导师")
    with pytest.raises(ValidationError):
        step(dept, app, wf.PUBLISH)


def test_reviewer_never_sees_own_organisation(persona, app):
    district, dept, staff = persona("zhangdian_officer"), persona("lead_officer"), persona("bureau_staff")
    for actor, action in (
        (district, wf.SUBMIT),
        (district, wf.RECOMMEND),
        (dept, wf.ACCEPT_FOR_CHECK),
        (dept, wf.PASS_CHECK),
    ):
        step(actor, app, action)
    staff.credit_code = app.employer_credit_code  # an account acting for the applicant's employer
    assert app not in services.reviewable_by(staff)
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=staff, application=app, score=90)


def test_rejection_needs_a_reason_and_pages(persona, app, client_as):
    step(persona("zhangdian_officer"), app, wf.SUBMIT)
    client = client_as("zhangdian_officer")
    url = reverse("talent:application_step", args=[app.pk, wf.REJECT])
    client.post(url, {"note": ""})
    app.refresh_from_db()
    assert app.state == wf.SUBMITTED
    client.post(url, {"note": "不符合申报条件"})
    app.refresh_from_db()
    assert app.state == wf.NOT_APPROVED
    page = client.get(reverse("talent:programme", args=[app.round.programme.code])).content.decode()
    assert 'data-testid="funnel"' in page
    # out of scope: another district's officer gets 404
    assert client_as("zichuan_officer").get(reverse("talent:application", args=[app.pk])).status_code == 404


def test_board_and_indicator_feed_count_the_same(persona, app):
    """The board's quota figure and the value fed to the indicator module for the city are one count."""
    from kechuang.core import registry
    from kechuang.talent import selectors

    dept = through_review(persona, app)
    step(dept, app, wf.APPROVE, on=TODAY + dt.timedelta(days=5))
    year = app.round.year
    board = next(q for q in selectors.quota_progress(persona("bureau_staff"), year) if q["key"] == "provincial_plus")
    fed = next(f for f in registry.indicator_feeds() if f.code == "talents_provincial_plus_new")
    city = {r[0]: r[2] for r in fed.rows({year})}
    assert board["value"] == city["zibo"] == 1 and board["target"] == 30


def test_an_expert_reviews_only_what_is_assigned_and_a_declared_conflict_stands(persona, app):
    district, dept, staff = persona("zhangdian_officer"), persona("lead_officer"), persona("bureau_staff")
    for actor, action in (
        (district, wf.SUBMIT),
        (district, wf.RECOMMEND),
        (dept, wf.ACCEPT_FOR_CHECK),
        (dept, wf.PASS_CHECK),
    ):
        step(actor, app, action)
    expert = persona("expert")
    assert app not in services.reviewable_by(expert)  # not assigned: not even listed
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=expert, application=app, score=99)
    with pytest.raises(PermissionDenied):
        services.review_assign(actor=district, application=app, reviewer=expert)  # a district does not assign
    with pytest.raises(ValidationError) as refused:
        services.review_assign(actor=staff, application=app, reviewer=persona("talent"))
    assert "reviewer" in refused.value.message_dict  # only expert accounts review
    own = persona("expert")
    own.credit_code = app.employer_credit_code
    with pytest.raises(ValidationError):
        services.review_assign(actor=staff, application=app, reviewer=own)  # the applicant's own organisation
    own.credit_code = ""
    services.review_assign(actor=staff, application=app, reviewer=expert)
    assert app in services.reviewable_by(expert)
    services.review_submit(actor=expert, application=app, conflict=True, conflict_note="曾为其导师")
    with pytest.raises(ValidationError):
        services.review_submit(actor=expert, application=app, score=99)  # the declared conflict stands
    assert app.reviews.get(reviewer=expert).score is None


def test_the_bureau_assigns_an_expert_on_the_application_page(persona, app, client_as):
    district, dept = persona("zhangdian_officer"), persona("lead_officer")
    for actor, action in ((district, wf.SUBMIT), (district, wf.RECOMMEND), (dept, wf.ACCEPT_FOR_CHECK)):
        step(actor, app, action)
    step(dept, app, wf.PASS_CHECK)
    client = client_as("bureau_staff")
    page = client.get(reverse("talent:application", args=[app.pk])).content.decode()
    assert 'data-testid="assign-expert"' in page
    url = reverse("talent:application_assign", args=[app.pk])
    assert client.post(url, {"reviewer": "abc"}).status_code == 302  # not an id: refused with a message, no 500
    assert not app.reviews.exists()
    client.post(url, {"reviewer": persona("expert").pk})
    assert app.reviews.get().reviewer == persona("expert")
    assert AuditEntry.objects.filter(object_type="talent.review").exists()


def test_a_negative_amount_is_refused_through_the_api_as_on_the_form(persona, app, client):
    """The page's form refuses a negative amount (min_value=0); the API took the same service without that check, so
    an application asked for −80 万元 and an approval granted −5 万元 (a membership worth less than nothing)."""
    officer = persona("zhangdian_officer")
    client.force_login(officer)
    other = f.talent(persona("bureau_staff"), app.region, n=2, employer=1)
    body = {"round_id": app.round_id, "talent_id": other.pk, "requested_wan": "-80"}
    response = client.post("/api/talent-applications", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert "requested_wan" in response.content.decode()
    assert not app.round.applications.filter(talent=other).exists()

    dept = through_review(persona, app)
    with pytest.raises(ValidationError) as refused:
        step(dept, app, wf.APPROVE, on=TODAY + dt.timedelta(days=5), approved_wan=Decimal("-5"))
    assert "approved_wan" in refused.value.message_dict
    app.refresh_from_db()
    assert app.state == wf.PUBLICITY and app.membership_id is None
