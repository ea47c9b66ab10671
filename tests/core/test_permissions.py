"""The one permission vocabulary (core.permissions, core.scope) and the form/service pieces of core."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from kechuang.core import audit, services
from kechuang.core.forms import add_service_errors, error_messages, save_or_errors
from kechuang.core.http import current_policy
from kechuang.core.models import AuditEntry, Liaison
from kechuang.core.permissions import bureau_required, get_for_user, is_bureau, require_bureau, require_writer
from kechuang.core.roles import ADMIN_DUTIES, BUREAU, BUSINESS, CITY_WIDE, EXTERNAL, READ_ONLY, WRITERS, Role
from kechuang.core.scope import mark_scoped
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

ZHANGDIAN_RECORD_STATUS = {
    # persona → what get_for_user answers for the Zhangdian liaison: read, then write
    "bureau_admin": (200, 200),
    "bureau_staff": (200, 200),
    "leader": (200, 403),
    "zhangdian_officer": (200, 200),
    "zichuan_officer": (404, 404),
    "lead_officer": (404, 404),
    "supporting_officer": (404, 404),
}


@pytest.fixture
def liaisons(unit, persona):
    admin = persona("bureau_admin")
    make = lambda code, name: services.liaison_create(actor=admin, org_unit=unit(code), name=name)  # noqa: E731
    return {"zhangdian": make("zhangdian", "张店联络员"), "education": make("education", "教育局联络员")}


def _status(call) -> int:
    try:
        call()
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return 200


def test_role_sets_are_defined_once_and_agree():
    assert {Role.BUREAU_ADMIN, Role.BUREAU_STAFF} == BUREAU
    assert BUREAU | {Role.LEADER} == CITY_WIDE
    assert not WRITERS & READ_ONLY and BUSINESS == WRITERS | READ_ONLY
    # every role is a business role, an administrator's duty, an account outside the government or an account
    # awaiting its role, never two of these
    assert not BUSINESS & ADMIN_DUTIES and not (BUSINESS | ADMIN_DUTIES) & EXTERNAL
    assert set(Role) == BUSINESS | ADMIN_DUTIES | EXTERNAL | {Role.PENDING}


@pytest.mark.parametrize("name", sorted(ZHANGDIAN_RECORD_STATUS))
def test_get_for_user_answers_404_out_of_scope_403_read_only_200_otherwise(liaisons, persona, name):
    user, record = persona(name), liaisons["zhangdian"]
    read, write = ZHANGDIAN_RECORD_STATUS[name]
    assert _status(lambda: get_for_user(user, Liaison, record.pk)) == read
    assert _status(lambda: get_for_user(user, Liaison, record.pk, write=True)) == write
    # a queryset with its joins gets the same scope, and a request stands for its user
    request = RequestFactory().get("/")
    request.user = user
    assert _status(lambda: get_for_user(request, Liaison.objects.select_related("org_unit"), record.pk)) == read


def test_get_for_user_finds_by_other_lookups_and_404s_on_a_missing_or_malformed_key(liaisons, persona):
    staff = persona("bureau_staff")
    assert get_for_user(staff, Liaison, name="张店联络员") == liaisons["zhangdian"]
    assert _status(lambda: get_for_user(staff, Liaison, 10**9)) == 404
    assert _status(lambda: get_for_user(staff, Liaison, "not-a-number")) == 404
    assert _status(lambda: get_for_user(AnonymousUser(), Liaison, liaisons["zhangdian"].pk)) == 404


def test_get_for_user_trusts_a_selectors_marked_wider_scope_only_for_that_user(liaisons, persona):
    officer, other = persona("zichuan_officer"), persona("zhangdian_officer")
    record = liaisons["zhangdian"]
    # a selector's own, documented rule: here "every liaison" for the Zichuan officer
    wider = mark_scoped(Liaison.objects.all(), officer)
    assert get_for_user(officer, wider, record.pk) == record
    # the mark is per user: another user gets the data scope applied as usual
    assert _status(lambda: get_for_user(persona("supporting_officer"), wider, record.pk)) == 404
    assert get_for_user(other, wider, record.pk) == record


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_writable_by_is_the_writable_part_of_visible_to(liaisons, persona, name):
    user = persona(name)
    visible = set(Liaison.objects.visible_to(user).values_list("pk", flat=True))
    writable = set(Liaison.objects.writable_by(user).values_list("pk", flat=True))
    assert writable <= visible
    if name == "leader":
        assert visible and not writable  # reads the whole city, changes nothing
    else:
        assert writable == visible


def test_writable_by_refuses_a_public_document_to_confined_roles(persona):
    from kechuang.techmarket.models import VocabularyTerm

    VocabularyTerm.objects.create(industry="新材料", lay="黑金", technical=["石墨烯"])
    officer = persona("zhangdian_officer")
    assert VocabularyTerm.objects.visible_to(officer).exists()
    assert not VocabularyTerm.objects.writable_by(officer).exists()
    assert VocabularyTerm.objects.writable_by(persona("bureau_staff")).exists()
    assert not VocabularyTerm.objects.writable_by(AnonymousUser()).exists()


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_bureau_checks_agree_for_views_and_services(rf, persona, name):
    user = persona(name)
    assert is_bureau(user) == (name in {"bureau_admin", "bureau_staff"})
    assert _status(lambda: require_bureau(user)) == (200 if is_bureau(user) else 403)
    assert _status(lambda: require_writer(user)) == (403 if name == "leader" else 200)
    request = rf.get("/")
    request.user = user
    view = bureau_required(lambda request: "page")
    assert _status(lambda: view(request)) == (200 if is_bureau(user) else 403)


def test_bureau_required_sends_anonymous_users_to_log_in(rf):
    request = rf.get("/some/page/")
    request.user = AnonymousUser()
    response = bureau_required(lambda request: "page")(request)
    assert response.status_code == 302 and "login" in response.url


def test_require_bureau_explains_or_keeps_the_callers_message(persona):
    officer = persona("lead_officer")
    with pytest.raises(PermissionDenied) as standard:
        require_bureau(officer)
    assert str(standard.value)
    with pytest.raises(PermissionDenied) as own:
        require_bureau(officer, "set by the caller")
    assert str(own.value) == "set by the caller"
    inactive = persona("bureau_staff")
    inactive.is_active = False
    assert not is_bureau(inactive)


def test_current_policy_is_the_default_one_and_404_for_an_unknown_code(persona):
    from kechuang.policy.selectors import default_policy

    staff = persona("bureau_staff")
    assert current_policy(staff) == default_policy() and current_policy(staff, "") == default_policy()
    with pytest.raises(Http404):
        current_policy(staff, "no-such-policy")


# ---------------------------------------------------------------- the form adapter
class _Form(forms.Form):
    name = forms.CharField()
    phone = forms.CharField(required=False)


def _valid_form() -> _Form:
    form = _Form({"name": "张三"})
    assert form.is_valid()
    return form


def test_service_errors_land_on_the_named_fields_and_the_rest_above_the_form():
    form = _valid_form()
    add_service_errors(form, ValidationError({"name": "taken", "archived_reason": "give a reason"}))
    assert form.errors["name"] == ["taken"]
    assert form.non_field_errors() == ["give a reason"]  # a field the form does not show


def test_a_plain_service_error_goes_above_the_form():
    form = _valid_form()
    add_service_errors(form, ValidationError(["first", "second"]))
    assert form.non_field_errors() == ["first", "second"] and "name" not in form.errors


def test_save_or_errors_returns_the_result_or_none_with_the_errors_on_the_form():
    form = _valid_form()
    assert save_or_errors(form, lambda: "saved") == "saved" and not form.errors

    def refuse():
        raise ValidationError({"phone": "not a mobile number"})

    assert save_or_errors(form, refuse) is None
    assert form.errors["phone"] == ["not a mobile number"]


def test_error_messages_flatten_dict_and_list_errors_with_field_names_on_request():
    assert error_messages(ValidationError("one")) == ["one"]
    assert sorted(error_messages(ValidationError({"name": ["a", "b"], "phone": "c"}))) == ["a", "b", "c"]
    labelled = error_messages(ValidationError({"name": "empty", "__all__": "whole"}), Liaison)
    assert labelled == [f"{Liaison._meta.get_field('name').verbose_name}: empty", "whole"]


# ---------------------------------------------------------------- update services: the allow-list and the history
def test_update_refuses_a_field_outside_the_allow_list_and_changes_nothing(liaisons, persona):
    record = liaisons["education"]
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        audit.update(record, {"name": "新名", "is_active": False}, allowed=("name",), actor=persona("bureau_staff"))
    assert set(refused.value.message_dict) == {"is_active"}
    record.refresh_from_db()
    assert record.name == "教育局联络员" and record.is_active
    assert AuditEntry.objects.count() == before


def test_update_applies_allowed_fields_and_records_one_diff(liaisons, persona):
    record = liaisons["education"]
    before = AuditEntry.objects.count()
    changes = audit.update(record, {"position": "科长"}, allowed=("position", "note"), actor=persona("bureau_staff"))
    assert changes["position"] == ["", "科长"] and set(changes) <= {"position", "updated_at"}
    assert AuditEntry.objects.count() == before + 1
    assert audit.update(record, {"position": "科长"}, allowed=("position",), actor=persona("bureau_staff")) == {}
    assert AuditEntry.objects.count() == before + 1  # nothing changed: nothing logged


def test_liaison_update_service_refuses_the_archive_fields(liaisons, persona):
    with pytest.raises(ValidationError):
        services.liaison_update(actor=persona("bureau_staff"), liaison=liaisons["education"], archived_reason="x")


def test_history_for_lists_the_records_entries_newest_first_with_a_limit(liaisons, persona):
    record = liaisons["education"]
    for position in ("科员", "科长", "处长"):
        services.liaison_update(actor=persona("bureau_staff"), liaison=record, position=position)
    entries = audit.history_for(record)
    assert [e.changes["position"][1] for e in entries[:3]] == ["处长", "科长", "科员"]
    assert all(e.object_id == str(record.pk) and e.object_type == "core.liaison" for e in entries)
    assert len(audit.history_for(record, limit=2)) == 2
