"""A reporting period as the UI writes it, the same in every module (the indicators' briefing and returns, the
supervision's quarters): one msgid in the core catalogue, so the wording cannot drift apart."""

from __future__ import annotations

from django.utils.translation import gettext as _


def quarter_label(year: int, quarter: int) -> str:
    """2026年第3季度 / Q3 2026 (a period's code, 2026-Q3, is for forms, links and file names)."""
    return _("Q%(q)s %(year)s") % {"year": year, "q": quarter}
