from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def measured(criterion: Any) -> str:
    """A criterion's measured value for people: the case in words (never its key), 是/否 for flags, at most
    four decimals for ratios."""
    if getattr(criterion, "value_text", None):
        return criterion.value_text
    value = getattr(criterion, "value", criterion)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
