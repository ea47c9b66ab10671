"""Template access to core.history: `{{ entry|change_rows }}`, `{{ entry.object_type|model_label }}`."""

from __future__ import annotations

from typing import Any

from django import template

from kechuang.core import history

register = template.Library()


@register.filter
def change_rows(entry: Any) -> list[history.ChangeRow]:
    return history.change_rows(entry)


@register.filter
def model_label(object_type: str) -> str:
    return history.model_label(object_type)


@register.filter
def role_label(code: str) -> str:
    return history.role_label(code)
