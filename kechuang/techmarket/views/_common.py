"""What several page modules share: the list context, the declared export and the record form page (the list
export is core.exports.list_export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kechuang.core import exports
from kechuang.core.codes import TechField
from kechuang.core.entity_fields import EntityFields
from kechuang.core.filters import ListFilterSet
from kechuang.core.forms import save_or_errors
from kechuang.core.http import paginate, query_without
from kechuang.techmarket import selectors
from kechuang.techmarket.models import Achievement, Expert


def list_context(request: HttpRequest, filterset: ListFilterSet, **extra: Any) -> dict[str, Any]:
    return {
        "page": paginate(request, filterset.qs),
        "filters": filterset.values(),
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "export_query": query_without(request, "page", "size"),
        "fields": TechField.choices,
        **extra,
    }


def declared_export(
    declaration: EntityFields, purpose: str | None, object_type: str, label: str, filename: str
) -> exports.Export:
    """A list export of the entity's declared export fields; the contact masked unless the reader gave a `purpose`
    for unmasking (core.unmask.export_purpose)."""

    def row(obj: Any) -> list[Any]:
        contact = selectors.contact_of(obj, unmasked=bool(purpose))
        return declaration.export_row(
            obj, {"contact_name": lambda _obj: contact["name"], "contact_phone": lambda _obj: contact["phone"]}
        )

    return exports.Export(object_type, label, filename, declaration.export_headers(), row)


def recent_matches(obj: Achievement | Expert, user: Any) -> Any:
    """The record's latest matches the user may see (a match belongs to its demand's district)."""
    return obj.matches.visible_to(user).select_related("demand").order_by("-updated_at")[:20]


def record_form(
    request: HttpRequest,
    form: ModelForm,
    save: Callable[[Any], Any],
    *,
    saved: str,
    done: Callable[[Any], HttpResponse],
    title: str,
    back: str,
) -> HttpResponse:
    """A record's create or edit page: a valid form goes through its service (`save`), whose errors land on the
    form; on success the message `saved` and the page `done(record)`."""
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if save_or_errors(form, lambda: save(obj)) is not None:
            messages.success(request, saved)
            return done(obj)
    return render(request, "techmarket/form.html", {"form": form, "title": title, "back": back})
