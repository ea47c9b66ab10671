"""Password rules beyond Django's built-ins (security-baseline.md §2, 身份鉴别 a)."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """At least three of: upper case, lower case, digit, symbol."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("The password must mix at least three of: upper case, lower case, digits, symbols."),
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("Mix at least three of: upper case, lower case, digits, symbols.")
