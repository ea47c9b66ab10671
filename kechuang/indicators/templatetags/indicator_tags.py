from __future__ import annotations

from django import template

from kechuang.indicators.charts import fmt

register = template.Library()


@register.filter
def num(value, digits=None):
    """1520.0 → "1,520"; 2.713 → "2.71"; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        return fmt(float(value), None if digits is None else int(digits))
    except (TypeError, ValueError):
        return value


@register.filter
def percent(value, digits=1):
    """0.0523 → "5.2%"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
