"""Password rules beyond Django's built-ins (security-baseline.md §2, 身份鉴别 a), and the one password generator."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterClassValidator:
    """At least `min_classes` (default 3, KECHUANG_PASSWORD_MIN_CLASSES) of: upper case, lower case, digit, symbol."""

    def __init__(self, min_classes: int | None = None):
        self.min_classes = min_classes if min_classes is not None else settings.KECHUANG_PASSWORD_MIN_CLASSES

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("The password must mix at least %(n)s of: upper case, lower case, digits, symbols.")
                % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("Mix at least %(n)s of: upper case, lower case, digits, symbols.") % {"n": self.min_classes}


class PasswordHistoryValidator:
    """None of the user's last `count` passwords (KECHUANG_PASSWORD_HISTORY, default 5) again.

    The hashes are kept in core.PasswordHistory by `password_changed`, which Django calls when a user with a new
    password is saved; the current password counts as one of them even when it predates the history."""

    def __init__(self, count: int | None = None):
        self.count = count if count is not None else settings.KECHUANG_PASSWORD_HISTORY

    def _recent_hashes(self, user: Any) -> list[str]:
        from kechuang.core.models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count])
        if user.password and user.password not in hashes:
            hashes = [user.password, *hashes][: self.count]
        return hashes

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None or self.count < 1:
            return
        # hashers.check_password, not user.check_password: that one would re-hash and save an outdated hash.
        if any(check_password(password, encoded) for encoded in self._recent_hashes(user)):
            raise ValidationError(
                ngettext(
                    "This was your last password; choose a new one.",
                    "This is one of your last %(n)s passwords; choose a new one.",
                    self.count,
                )
                % {"n": self.count},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        from kechuang.core.models import PasswordHistory

        if user is None or user.pk is None or not user.has_usable_password() or self.count < 1:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: self.count]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return ngettext(
            "It cannot be your last password.",
            "It cannot be one of your last %(n)s passwords.",
            self.count,
        ) % {"n": self.count}


def generate_password(length: int = 14) -> str:
    """A random password that satisfies the platform's validators (all four classes): for demo accounts and
    administrators' resets, shown once."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body):
            return body + secrets.choice("-_.!")
