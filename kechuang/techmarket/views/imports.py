"""Excel import of the technology market: upload page and templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kechuang.core import imports
from kechuang.core.permissions import require_writer
from kechuang.techmarket import importer


def _import_kinds(user) -> dict:
    return {i.key: i.label for i in importer.importers() if i.may_import(user)}


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_writer(request.user)
    kinds = _import_kinds(request.user)
    ctx: dict[str, Any] = {"kinds": kinds, "kind": request.POST.get("kind") or request.GET.get("kind") or "demand"}
    if request.method == "POST":
        kind = ctx["kind"]
        upload = request.FILES.get("file")
        if kind not in kinds:
            raise PermissionDenied
        if upload is None:
            messages.error(request, _("Choose an Excel file."))
        else:
            try:
                job = imports.start(f"techmarket.{kind}", actor=request.user, upload=upload)
            except imports.ImportRejected as exc:
                messages.error(request, str(exc))
            else:
                return redirect("core:import_job", pk=job.pk)
    ctx["jobs"] = imports.jobs_of(request.user, [f"techmarket.{k}" for k in importer.SPECS])
    return render(request, "techmarket/import.html", ctx)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    require_writer(request.user)
    if kind not in _import_kinds(request.user):
        raise Http404
    return importer.template_response(kind, request.user)
