"""What the projects module tells firms with portal accounts (core.registry `firm_notices`, issue 18 §6): a call
opened in the last 30 days that the firm may apply to (no region, or the firm's region) and has not, its application
deadline a week ahead, and an application returned at the formal check. Each key names the call or the application
and the event, so the daily `send_firm_notices` sends each once."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.registry import FirmNotice, registered_firms
from kechuang.projects.engine import workflow as wf
from kechuang.projects.models import Application, Call

NEW_DAYS = 30  # a call opened within this many days is news
DEADLINE_DAYS = 7  # the reminder of an application deadline comes this many days before it


def firm_notices(today: dt.date, credit_codes: set[str]) -> list[FirmNotice]:
    codes = sorted(credit_codes)
    url = reverse("projects:portal")
    notices: list[FirmNotice] = []
    recent = today - dt.timedelta(days=NEW_DAYS)
    calls = list(
        Call.objects.filter(state=wf.OPEN)
        .filter(Q(application_deadline__isnull=True) | Q(application_deadline__gte=today))
        .order_by("pk")
    )
    if calls:
        # the firms' register regions: the one lookup every module uses
        regions = {code: firm.region.pk for code, firm in registered_firms(codes).items()}
        applied = set(
            Application.objects.filter(call__in=calls, credit_code__in=codes).values_list("call_id", "credit_code")
        )
        for call in calls:
            new = (call.published_on or call.created_at.date()) >= recent
            closing = call.application_deadline is not None and call.application_deadline <= today + dt.timedelta(
                days=DEADLINE_DAYS
            )
            if not (new or closing):
                continue
            for code in codes:
                if (call.pk, code) in applied or (call.region_id and regions.get(code) != call.region_id):
                    continue
                if new:
                    notices.append(
                        FirmNotice(
                            code,
                            "opportunity",
                            _("New call open to your enterprise: %(title)s") % {"title": call.title},
                            _("Applications until %(day)s.")
                            % {"day": call.application_deadline.isoformat() if call.application_deadline else "—"},
                            url,
                            f"projects.call.{call.pk}.open",
                        )
                    )
                if closing:
                    notices.append(
                        FirmNotice(
                            code,
                            "deadline",
                            _("Applications to %(title)s close on %(day)s")
                            % {"title": call.title, "day": call.application_deadline.isoformat()},
                            _("Your enterprise has not applied yet."),
                            url,
                            f"projects.call.{call.pk}.deadline",
                        )
                    )
    for chunk in range(0, len(codes), 5000):
        for app in Application.objects.filter(
            credit_code__in=codes[chunk : chunk + 5000], state=wf.FORMAL_FAILED
        ).select_related("call"):
            notices.append(
                FirmNotice(
                    app.credit_code,
                    "returned",
                    _("Application returned: %(title)s") % {"title": app.project_title},
                    app.formal_note or _("The application did not pass the formal check."),
                    url,
                    f"projects.application.{app.pk}.formal_failed",
                )
            )
    return notices
