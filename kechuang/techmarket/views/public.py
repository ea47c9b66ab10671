"""The public demand form: no login, rate-limited per network."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import consent
from kechuang.core.forms import save_or_errors
from kechuang.core.middleware import client_ip
from kechuang.core.selectors import bureau_of
from kechuang.techmarket import forms, selectors, services


def public_demand(request: HttpRequest) -> HttpResponse:
    regions = selectors.city_regions()
    form = forms.PublicDemandForm(request.POST or None, regions=regions)
    notice = consent.current_notice(services.PUBLIC_DEMAND_PURPOSE)
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
            saved = save_or_errors(
                form,
                lambda: services.demand_submit_public(
                    data=form.demand_data(), ip=ip, consent_given=form.cleaned_data["consent"], notice=notice
                ),
            )
            if saved is not None:
                return redirect(f"{reverse('techmarket:public_thanks')}?ref={saved[1].reference}")
        else:
            services.public_attempt(ip=ip, accepted=False, reason=form.spam_reason or "invalid")
    first = regions.first()
    bureau = bureau_of(first.city if first else None)
    response = render(
        request,
        "techmarket/public_demand.html",
        {"form": form, "limited": limited, "bureau": bureau.name if bureau else "", "notice": notice},
    )
    if limited:
        response.status_code = 429
    return response


def public_thanks(request: HttpRequest) -> HttpResponse:
    reference = request.GET.get("ref", "")[:16]
    return render(request, "techmarket/public_thanks.html", {"reference": reference})


def public_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw the consent given with a public demand (PIPL art. 15): by the reference and the contact phone."""
    form = forms.ConsentWithdrawForm(request.POST or None)
    done = False
    if request.method == "POST":
        ip = client_ip(request)
        if services.public_rate_limited(ip):
            form.add_error(None, _("Too many submissions from your network in the last hour: try again later."))
        elif form.is_valid():
            done = save_or_errors(form, lambda: consent.withdraw(**form.cleaned_data)) is not None
            if not done:
                services.public_attempt(ip=ip, accepted=False, reason="withdraw")
    return render(request, "techmarket/public_withdraw.html", {"form": form, "done": done})
