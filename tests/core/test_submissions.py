"""core.submissions: the same rendered form sent twice (a double click, a retry after a slow answer, the back
button) runs its view once and lands where the first sending did; a changed form, or the page opened again, is a new
submission; a form answered with its errors is checked again; a repeat arriving while the first runs waits for it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db


def _browser(persona_name, persona):
    """A browser session: CSRF enforced, so each rendered form carries its own token as a browser's does."""
    from tests.conftest import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(persona(persona_name))
    return browser


def _rendered_form(browser, url, **values):
    """What the browser posts from the page at `url` (its own form, token included), with `values` typed in."""
    from tests.core.test_edit_round_trip import edit_form_of

    page = browser.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return {**edit_form_of(page.content.decode(), url), **{k: [v] for k, v in values.items()}}


def _liaison_form(browser, unit, name="双击联络员"):
    from django.urls import reverse

    url = reverse("core:liaison_create")
    return url, _rendered_form(browser, url, name=name, position="科员", org_unit=str(unit("boshan").pk))


def test_a_form_sent_twice_creates_one_record(persona, unit):
    from django.contrib.messages import get_messages

    from kechuang.core.models import Liaison

    browser = _browser("bureau_staff", persona)
    url, data = _liaison_form(browser, unit)
    first = browser.post(url, data)
    second = browser.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]  # the second click lands where the first did
    assert Liaison.objects.filter(name="双击联络员").count() == 1
    assert any("此前已提交" in str(m) for m in get_messages(second.wsgi_request))  # the page says why


def test_the_same_form_filled_differently_or_rendered_again_is_a_new_submission(persona, unit):
    from kechuang.core.models import Liaison

    browser = _browser("bureau_staff", persona)
    url, data = _liaison_form(browser, unit)
    assert browser.post(url, data).status_code == 302
    assert browser.post(url, {**data, "name": ["另一位联络员"]}).status_code == 302  # a changed value: sent anew
    url, again = _liaison_form(browser, unit)  # the page opened again: a new rendering, a new submission
    assert browser.post(url, again).status_code == 302
    assert Liaison.objects.filter(name="双击联络员").count() == 2
    assert Liaison.objects.filter(name="另一位联络员").count() == 1


def test_a_refused_form_sent_again_is_checked_again(persona, unit):
    from kechuang.core.models import Liaison, SubmissionReceipt

    browser = _browser("bureau_staff", persona)
    url, data = _liaison_form(browser, unit, name="")
    assert browser.post(url, data).status_code == 200  # the form with its error
    assert browser.post(url, data).status_code == 200  # shown again with the error, not a stale redirect
    assert not Liaison.objects.filter(name="").exists()
    assert not SubmissionReceipt.objects.exists()


def test_a_form_sent_while_its_first_sending_runs_waits_for_it(persona, unit, monkeypatch):
    """The second of two simultaneous submissions finds the first still running: it waits for its answer (here no
    time at all), and is not run itself."""
    from kechuang.core import submissions
    from kechuang.core.models import Liaison, SubmissionReceipt

    browser = _browser("bureau_staff", persona)
    url, data = _liaison_form(browser, unit)
    request = browser.post(url, data).wsgi_request  # the key the form's submission has
    Liaison.objects.filter(name="双击联络员").delete()
    SubmissionReceipt.objects.update(location="")  # as if that first submission were still running
    monkeypatch.setattr(submissions, "WAIT_SECONDS", 0)
    assert browser.post(url, data).status_code == 409
    assert not Liaison.objects.filter(name="双击联络员").exists()
    assert request.user.is_authenticated


def test_a_submission_left_running_by_a_dead_process_is_taken_over(persona, unit, monkeypatch):
    """A first sending whose process was killed never settles: past STALE its repeat runs, instead of being
    refused with a 409 for the rest of the day."""
    from django.utils import timezone

    from kechuang.core import submissions
    from kechuang.core.models import Liaison, SubmissionReceipt

    browser = _browser("bureau_staff", persona)
    url, data = _liaison_form(browser, unit)
    browser.post(url, data)
    Liaison.objects.filter(name="双击联络员").delete()
    stale = timezone.now() - submissions.STALE - dt.timedelta(seconds=1)
    SubmissionReceipt.objects.update(location="", created_at=stale)
    monkeypatch.setattr(submissions, "WAIT_SECONDS", 0)
    assert browser.post(url, data).status_code == 302
    assert Liaison.objects.filter(name="双击联络员").count() == 1


def test_a_match_step_clicked_twice_is_taken_once(persona):
    from django.urls import reverse

    from kechuang.techmarket.models import MatchCase, MatchEvent

    on = dt.date(2025, 1, 1)
    case = MatchCase.objects.create(
        demand=f.demand(), achievement=f.achievement(), recommended_on=on, contacted_on=on, stage="contacted"
    )
    browser = _browser("bureau_staff", persona)
    page = browser.get(reverse("techmarket:match", args=[case.pk]))
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    url = reverse("techmarket:match_step", args=[case.pk, "negotiate"])
    data = {"csrfmiddlewaretoken": token, "on": "2025-01-02", "note": ""}
    first, second = browser.post(url, data), browser.post(url, data)
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"]
    assert MatchEvent.objects.filter(match=case, to_stage="negotiating").count() == 1
