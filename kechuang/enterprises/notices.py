"""What the enterprise register tells firms with portal accounts (core.registry `firm_notices`, issue 18 §6): a
qualification expiring within 90 days, and again within 30 days. The key names the certificate, its expiry day and
the stage, so each firm hears of each stage once, and a renewed certificate starts afresh."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.registry import FirmNotice
from kechuang.enterprises.models import Qualification

STAGES = (30, 90)  # days before expiry; a qualification is in the smallest stage it has reached


def firm_notices(today: dt.date, credit_codes: set[str]) -> list[FirmNotice]:
    notices: list[FirmNotice] = []
    codes = sorted(credit_codes)
    horizon = today + dt.timedelta(days=max(STAGES))
    ladder = reverse("portal:ladder")  # the firm's own staircase: each tier's criteria, expiring titles flagged
    for chunk in range(0, len(codes), 5000):  # under SQLite's bound-variable limit
        rows = (
            Qualification.objects.filter(
                enterprise__credit_code__in=codes[chunk : chunk + 5000],
                revoked=False,
                expiry_date__gte=today,
                expiry_date__lte=horizon,
            )
            .select_related("enterprise")
            .order_by("expiry_date", "pk")
        )
        for q in rows:
            left = (q.expiry_date - today).days
            stage = next(s for s in STAGES if left <= s)
            notices.append(
                FirmNotice(
                    credit_code=q.enterprise.credit_code,
                    kind="expiring",
                    subject=_("%(title)s expires on %(day)s")
                    % {"title": q.get_tier_display(), "day": q.expiry_date.isoformat()},
                    body=_(
                        "Certificate %(number)s expires in %(days)s days. Prepare the application for its renewal "
                        "in time; the ladder page shows what the criteria ask."
                    )
                    % {"number": q.certificate_number, "days": left},
                    url=ladder,
                    key=f"enterprises.qualification.{q.pk}.{q.expiry_date.isoformat()}.{stage}",
                )
            )
    return notices
