"""Check queries: the saved searches that measure the search's quality (bureau staff)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kechuang.core import exports
from kechuang.core.permissions import bureau_required, get_for_user
from kechuang.techmarket import forms, index, selectors, services
from kechuang.techmarket.filters import MatchCheckFilter
from kechuang.techmarket.models import MatchCheck
from kechuang.techmarket.views._common import list_context, record_form

CHECK_K = 10


@bureau_required
def check_list(request: HttpRequest) -> HttpResponse:
    filterset = MatchCheckFilter(request.GET, selectors.match_checks())
    ctx = list_context(request, filterset, total=MatchCheck.objects.count(), ran=request.GET.get("run") == "1")
    ctx["dense"] = index.dense_status()
    if ctx["ran"]:
        report = services.run_saved_checks(k=CHECK_K)
        results = {
            r["check_id"]: r | {"top3": r["top"][:3], "first_rank": (r["relevant_ranks"] or [None])[0]}
            for r in report["results"]
        }
        ctx["page"].object_list = checks = list(ctx["page"].object_list)
        for check in checks:
            check.result = results.get(check.pk)  # None: inactive, not run
        ctx["summary"] = {
            "k": CHECK_K,
            "checks": report["checks"],
            "scored": report["checks_with_relevant_records"],
            "unscored": report["checks"] - report["checks_with_relevant_records"],
            "passed": report["passed"],
            "hit_rate": report[f"hit_rate@{CHECK_K}"],
            "hit_rate_pct": None if report[f"hit_rate@{CHECK_K}"] is None else report[f"hit_rate@{CHECK_K}"] * 100,
            "mrr": report[f"mrr@{CHECK_K}"],
        }
    return render(request, "techmarket/checks.html", ctx)


@bureau_required
def check_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Query"),
        _("Any of these terms"),
        _("All of these terms"),
        _("Note"),
        pgettext("check query", "Active"),
        _("Updated"),
    ]

    def row(c: MatchCheck):
        return [
            c.query,
            "、".join(c.any_terms),
            "、".join(c.all_terms),
            c.note,
            _("Yes") if c.is_active else _("No"),
            c.updated_at,
        ]

    spec = exports.Export("techmarket.check_queries", _("Check queries"), "check_queries", headers, row)
    return exports.list_export(
        request, MatchCheckFilter(request.GET, selectors.match_checks()), spec, "techmarket:checks"
    )


def _check_form(request: HttpRequest, check: MatchCheck | None) -> HttpResponse:
    form = forms.MatchCheckForm(request.POST or None, instance=check)
    return record_form(
        request,
        form,
        lambda obj: services.match_check_save(actor=request.user, check=obj),
        saved=_("Check query saved."),
        done=lambda obj: redirect("techmarket:checks"),
        title=_("Check query"),
        back="techmarket:checks",
    )


@bureau_required
def check_create(request: HttpRequest) -> HttpResponse:
    return _check_form(request, None)


@bureau_required
def check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _check_form(request, get_for_user(request, MatchCheck, pk))


@bureau_required
def check_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what will be deleted and asks to confirm; only a POST deletes."""
    check = get_for_user(request, MatchCheck, pk)
    if request.method == "POST":
        services.match_check_delete(actor=request.user, check=check)
        messages.success(request, _("Check query deleted."))
        return redirect("techmarket:checks")
    return render(request, "techmarket/check_delete.html", {"check": check})
