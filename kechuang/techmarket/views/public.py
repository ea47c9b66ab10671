"""The public demand form: no login, rate-limited per network."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.middleware import client_ip
from kechuang.core.selectors import bureau_of
from kechuang.techmarket import forms, selectors, services


def public_demand(request: HttpRequest) -> HttpResponse:
    regions = selectors.city_regions()
    form = forms.PublicDemandForm(request.POST or None, regions=regions)
    limited = False
    if request.method == "POST":
        ip = client_ip(request)
        if services.public_rate_limited(ip):
            limited = True
            form.add_error(None, _("Too many submissions from your network in the last hour: try again later."))
        elif form.is_valid() and (earlier := services.public_duplicate(form.demand_data())) is not None:
            form.add_error(
                None,
                _("This demand was already submitted on %(date)s and is under review; no need to send it again.")
                % {"date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d")},
            )
            services.public_attempt(ip=ip, accepted=False, reason="duplicate")
        elif form.is_valid():
            services.demand_submit_public(data=form.demand_data(), ip=ip)
            return redirect("techmarket:public_thanks")
        else:
            services.public_attempt(ip=ip, accepted=False, reason=form.spam_reason or "invalid")
    first = regions.first()
    bureau = bureau_of(first.city if first else None)
    response = render(
        request,
        "techmarket/public_demand.html",
        {"form": form, "limited": limited, "bureau": bureau.name if bureau else ""},
    )
    if limited:
        response.status_code = 429
    return response


def public_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "techmarket/public_thanks.html")
