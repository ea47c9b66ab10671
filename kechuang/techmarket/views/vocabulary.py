"""The domain vocabulary the search expands queries with (bureau staff)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kechuang.core.forms import save_or_errors
from kechuang.core.http import paginate, query_without
from kechuang.core.permissions import bureau_required, get_for_user
from kechuang.techmarket import forms, selectors, services
from kechuang.techmarket.filters import VocabularyFilter
from kechuang.techmarket.models import VocabularyTerm


@bureau_required
def vocabulary(request: HttpRequest) -> HttpResponse:
    filterset = VocabularyFilter(request.GET, selectors.vocabulary())
    industries = VocabularyTerm.objects.order_by("industry").values_list("industry", flat=True).distinct()
    return render(
        request,
        "techmarket/vocabulary.html",
        {
            "page": paginate(request, filterset.qs, 50),
            "filters": filterset.values(),
            "industries": industries,
            "query": query_without(request, "page"),
        },
    )


def _vocabulary_form(request: HttpRequest, term: VocabularyTerm | None) -> HttpResponse:
    form = forms.VocabularyForm(request.POST or None, instance=term)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: services.vocabulary_save(actor=request.user, term=obj)) is not None:
            messages.success(request, _("Vocabulary saved: new searches use it."))
            return redirect("techmarket:vocabulary")
    return render(
        request, "techmarket/form.html", {"form": form, "title": _("Vocabulary term"), "back": "techmarket:vocabulary"}
    )


@bureau_required
def vocabulary_create(request: HttpRequest) -> HttpResponse:
    return _vocabulary_form(request, None)


@bureau_required
def vocabulary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _vocabulary_form(request, get_for_user(request, VocabularyTerm, pk))
