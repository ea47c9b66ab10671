"""Checklist item 1: weak passwords are refused — length, character classes, common, like the user, last-5 reuse."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core.models import PasswordHistory
from tests.conftest import PASSWORD
from tests.security.accounts_helpers import log_in

pytestmark = pytest.mark.django_db


def _codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


def test_item_01_short_password_rejected():
    assert "password_too_short" in _codes("Ab1!xyz")
    assert _codes("Ab1!xyzw") == set()  # 8 characters, four classes


@pytest.mark.parametrize("password", ["alllowercaseletters", "ALLUPPER12345", "lower12345678", "!!!!----1234"])
def test_item_01_fewer_than_three_character_classes_rejected(password):
    assert "password_classes" in _codes(password)


@pytest.mark.parametrize("password", ["Xq7-mmtq", "xq7-mmtqa", "XQ7MMTQA-", "Xqmmtqa-b"])
def test_item_01_three_classes_accepted(password):
    assert _codes(password) == set()


def test_item_01_common_password_rejected():
    assert "password_too_common" in _codes("Password1")


def test_item_01_password_like_the_user_name_rejected(persona):
    assert "password_too_similar" in _codes("P_leader_1", persona("leader"))


def _change(client, old: str, new: str):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def test_item_01_reuse_of_last_five_rejected(client, persona):
    """Five changes through the user's own change page: each of the last five is refused, the sixth-last is
    accepted again (the history keeps five hashes)."""
    assert log_in(client, "p_leader").status_code == 302
    passwords = [PASSWORD] + [f"Neu-Kennwort-{n}A" for n in range(1, 6)]
    for old, new in pairwise(passwords):
        assert _change(client, old, new).status_code == 302
    current = passwords[-1]
    user = persona("leader")
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for reused in passwords[1:]:  # the current one and the four before it
        response = _change(client, current, reused)
        assert response.status_code == 200, reused
        assert "password_reused" in {e.code for e in response.context["form"].errors.as_data()["new_password2"]}
    # The sixth-last (the persona's first) has left the history.
    assert _change(client, current, PASSWORD).status_code == 302


def test_item_01_history_validator_counts_the_current_password(persona):
    """A password set before the history existed is still one of the last five."""
    user = persona("leader")
    PasswordHistory.objects.filter(user=user).delete()
    assert "password_reused" in _codes(PASSWORD, user)


def test_item_01_history_length_is_a_setting(persona):
    from kechuang.core.passwords import PasswordHistoryValidator

    validator = PasswordHistoryValidator(count=2)
    user = persona("leader")
    for new in ("First-Passw0rd", "Second-Passw0rd", "Third-Passw0rd"):
        user.set_password(new)
        user.save()
    validator.validate("First-Passw0rd", user)  # three changes ago: outside a history of two
    with pytest.raises(ValidationError):
        validator.validate("Second-Passw0rd", user)
