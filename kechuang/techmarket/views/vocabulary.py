"""The domain vocabulary the search expands queries with (bureau staff)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kechuang.core.http import paginate, query_without
from kechuang.core.permissions import bureau_required, get_for_user
from kechuang.techmarket import forms, selectors, services
from kechuang.techmarket.filters import VocabularyFilter
from kechuang.techmarket.models import VocabularyTerm
from kechuang.techmarket.views._common import record_form


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
    return record_form(
        request,
        form,
        lambda obj: services.vocabulary_save(actor=request.user, term=obj),
        saved=_("Vocabulary saved: new searches use it."),
        done=lambda obj: redirect("techmarket:vocabulary"),
        title=_("Vocabulary term"),
        back="techmarket:vocabulary",
    )


@bureau_required
def vocabulary_create(request: HttpRequest) -> HttpResponse:
    return _vocabulary_form(request, None)


@bureau_required
def vocabulary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _vocabulary_form(request, get_for_user(request, VocabularyTerm, pk))
