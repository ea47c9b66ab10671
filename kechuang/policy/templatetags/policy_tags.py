from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: str, query: str) -> SafeString:
    """Escape the text, then wrap each query word in <mark>."""
    # Safe to mark: the text is escaped first and the words matched in their escaped form; only <mark> is added.
    escaped = escape(text)
    words = sorted({escape(w) for w in (query or "").split() if w}, key=len, reverse=True)
    if not words:
        return mark_safe(escaped)  # nosec B308 B703
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # nosec B308 B703
