"""The market dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kechuang.techmarket import selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.market_dashboard(request.user)
    chart = {
        "months": data["months"],
        "series": data["series"],
        "labels": {
            "achievements": _("Achievements posted"),
            "demands": _("Demands posted"),
            "matches": _("Matches recommended"),
            "contracts": _("Contracts signed"),
            "turnover_wan": _("Turnover registered (10k yuan)"),
        },
    }
    return render(request, "techmarket/dashboard.html", {"kpis": data["kpis"], "chart": chart})
