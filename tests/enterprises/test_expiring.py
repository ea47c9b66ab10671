"""Expiring high-tech certificates: the window has both ends, revoked and renewed certificates never show.

Written against mutation probes that survived the earlier suite (an empty window, revoked certificates listed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.enterprises import selectors, services
from kechuang.enterprises.models import Qualification
from kechuang.enterprises.population import credit_code


@pytest.fixture
def firms(persona, unit):
    """Five Zhangdian firms, each with one high-tech certificate placed around today's six-month window."""
    today = timezone.localdate()
    staff = persona("bureau_staff")
    placed = {
        "in_window": today + dt.timedelta(days=90),
        "expires_today": today,
        "already_expired": today - dt.timedelta(days=1),
        "beyond_window": today + dt.timedelta(days=300),
        "revoked": today + dt.timedelta(days=60),
    }
    made = {}
    for i, (label, expiry) in enumerate(placed.items()):
        firm = services.enterprise_create(
            actor=staff, region=unit("zhangdian"), credit_code=credit_code("370302", 990_000 + i), name=f"到期{label}"
        )
        Qualification.objects.create(
            enterprise=firm,
            tier="high_tech",
            certificate_number=f"GR-{label}",
            issue_date=expiry - dt.timedelta(days=3 * 365),
            expiry_date=expiry,
            revoked=label == "revoked",
        )
        made[label] = firm
    return made


def _listed(user) -> set[str]:
    return {q.enterprise.name for q in selectors.expiring(user, months=6)["certificates"]}


def test_expiring_window_lists_certificates_within_it(firms, persona):
    listed = _listed(persona("bureau_staff"))
    assert {"到期in_window", "到期expires_today"} <= listed
    assert "到期already_expired" not in listed and "到期beyond_window" not in listed


def test_revoked_certificate_is_not_listed_as_expiring(firms, persona):
    assert "到期revoked" not in _listed(persona("bureau_staff"))


def test_renewed_certificate_is_not_listed_as_expiring(firms, persona):
    firm = firms["in_window"]
    Qualification.objects.create(
        enterprise=firm,
        tier="high_tech",
        certificate_number="GR-renewed",
        issue_date=timezone.localdate(),
        expiry_date=timezone.localdate() + dt.timedelta(days=3 * 365),
    )
    assert "到期in_window" not in _listed(persona("bureau_staff"))


def test_expiring_page_shows_the_window_in_scope(firms, client_as):
    html = client_as("bureau_staff").get(reverse("enterprises:expiring"), {"months": 6}).content.decode()
    assert "到期in_window" in html and "到期revoked" not in html and "到期beyond_window" not in html
    assert "到期in_window" not in client_as("zichuan_officer").get(reverse("enterprises:expiring")).content.decode()
