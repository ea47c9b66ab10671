"""Systemic test "Hostile files" (issue #10, defect 6): every generated bomb and polyglot, posted to every upload
point, is refused with a clear message naming the file field, at a bounded cost, with nothing written.

UPLOAD_POINTS is the one registry of upload points. `test_every_upload_point_is_registered` fails when a view
reads request.FILES, a form declares a FileField, an API operation takes an UploadedFile, or the admin edits a
model with a FileField, and that point is not listed here: a new upload point is covered the day it is added."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests import hostile_files

pytestmark = pytest.mark.django_db

# Refusing a file may decompress at most this much (most are refused from the archive directory alone).
MAX_INFLATED = 1 << 20
MAX_CPU_SECONDS = 1.0


def _open_report(persona) -> dict:
    """A supervision report the supporting officer may edit (task 3, 市教育局)."""
    from kechuang.policy.selectors import default_policy
    from kechuang.supervision import services
    from kechuang.supervision.models import ProgressReport

    today = timezone.localdate()
    period = services.period_open(
        actor=persona("bureau_staff"),
        policy=default_policy(),
        year=2026,
        quarter=3,
        due_date=today + dt.timedelta(days=10),
        supporters_due_date=today + dt.timedelta(days=5),
    )
    report = ProgressReport.objects.get(period=period, task__number=3, department__code="education")
    return {"pk": report.pk}


@dataclass(frozen=True)
class UploadPoint:
    url_name: str
    persona: str
    field: str = "file"
    data: dict = dataclasses.field(default_factory=dict)
    url_kwargs: Callable | None = None  # persona → kwargs, for points that need a record
    forms: tuple[str, ...] = ()  # dotted paths of the forms with a FileField this point serves


UPLOAD_POINTS = [
    UploadPoint("enterprises:import", "bureau_staff"),
    UploadPoint("platforms:import", "bureau_staff"),
    UploadPoint("finance:loan_import", "bureau_staff"),
    UploadPoint("projects:import", "bureau_staff"),
    UploadPoint("talent:import", "bureau_staff"),
    UploadPoint("talent:foreign_import", "bureau_staff"),
    UploadPoint("indicators:import", "bureau_staff", forms=("kechuang.indicators.forms.ImportForm",)),
    *[UploadPoint("techmarket:import", "bureau_staff", data={"kind": k}) for k in ("demand", "contract")],
    *[
        UploadPoint("outreach:import", "bureau_staff", data={"kind": k})
        for k in ("outreach_commissioners", "outreach_logs", "outreach_activities")
    ],
    UploadPoint(
        "supervision:attachment_upload",
        "supporting_officer",
        url_kwargs=_open_report,
        forms=("kechuang.supervision.forms.AttachmentForm",),
    ),
]


def _row_counts() -> dict[str, int]:
    skip = {"sessions.session"}
    return {
        m._meta.label_lower: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label_lower not in skip and not m._meta.proxy
    }


def _stored_files() -> set[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize("point", UPLOAD_POINTS, ids=lambda p: f"{p.url_name}{p.data.get('kind', '')}")
def test_hostile_files_are_refused_at_every_upload_point(point, client_as, persona):
    client = client_as(point.persona)
    url = reverse(point.url_name, kwargs=point.url_kwargs(persona) if point.url_kwargs else None)
    for generate in hostile_files.ALL:
        name, content = generate()
        counts, files = _row_counts(), _stored_files()
        started = time.process_time()
        response = client.post(url, {**point.data, point.field: SimpleUploadedFile(name, content)})
        cpu = time.process_time() - started
        body = response.content.decode()
        assert response.status_code == 400, (name, response.status_code)
        assert name in body and "被拒绝" in body and f"（{point.field}）" in body, (name, body[:2000])
        inspections = response.wsgi_request.upload_inspections
        assert sum(i.inflated for i in inspections) <= MAX_INFLATED, (name, inspections)
        assert cpu < MAX_CPU_SECONDS, (name, cpu)
        assert _row_counts() == counts, name
        assert _stored_files() == files, name


def test_hostile_upload_to_the_api_is_refused_as_json(client_as):
    name, content = hostile_files.far_cell()
    response = client_as("bureau_staff").post("/api/techmarket/demands", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert response.json()["field"] == "file" and name in response.json()["detail"]


def test_an_ordinary_workbook_passes_the_checks(client_as):
    """The checks refuse hostile files only: the downloadable templates pass."""
    import io

    from kechuang.core.uploads import inspect_upload

    client = client_as("bureau_staff")
    for url in (
        reverse("enterprises:import_template"),
        reverse("indicators:import_template"),
        reverse("techmarket:import_template", kwargs={"kind": "contract"}),
        reverse("projects:import_template"),
    ):
        data = client.get(url).content
        report = inspect_upload(io.BytesIO(data), field="file", filename="template.xlsx")
        assert report.members > 3 and report.inflated > 0


def test_a_body_over_the_limit_is_refused_with_413(client, settings):
    settings.KECHUANG_MAX_REQUEST_BYTES = 1000
    response = client.post(
        reverse("login"), data=b"x" * 2000, content_type="application/octet-stream", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 413
    assert "最多" in response.content.decode()
    api = client.post("/api/techmarket/demands", data=b"{}" + b" " * 2000, content_type="application/json")
    assert api.status_code == 413 and "MB" in api.json()["detail"]


# ------------------------------------------------------------------------------------------- the registry itself
def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from _patterns(entry, prefix + namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry.callback


def _kechuang_forms() -> list[type[forms.BaseForm]]:
    import importlib
    import pkgutil

    import kechuang

    for info in pkgutil.walk_packages(kechuang.__path__, "kechuang."):
        if info.name.rsplit(".", 1)[-1] == "forms":
            importlib.import_module(info.name)
    found, todo = [], [forms.Form, forms.ModelForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("kechuang."):
            found.append(cls)
    return found


def test_every_upload_point_is_registered():
    from ninja.files import UploadedFile

    from kechuang.api import api

    registered = {p.url_name for p in UPLOAD_POINTS}
    reads_files = set()
    for name, callback in _patterns(get_resolver()):
        view = inspect.unwrap(callback)
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        if getattr(view, "__module__", "").startswith("kechuang.") and "request.FILES" in source:
            reads_files.add(name)
    assert reads_files - registered == set(), "views reading request.FILES with no entry in UPLOAD_POINTS"

    registered_forms = {f for p in UPLOAD_POINTS for f in p.forms}
    with_files = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _kechuang_forms()
        if any(isinstance(f, forms.FileField) for f in cls.base_fields.values())
    }
    assert with_files - registered_forms == set(), "forms with a FileField with no entry in UPLOAD_POINTS"

    api_uploads = [
        f"{method} {path}"
        for router_prefix, router in api._routers
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
        if any(
            p.annotation is UploadedFile or "UploadedFile" in str(p.annotation)
            for p in inspect.signature(operation.view_func).parameters.values()
        )
    ]
    assert api_uploads == [], "API operations taking files need an entry in UPLOAD_POINTS"

    admin_files = []
    # Django's admin site is not installed (README, "No Django admin"); were it back, its file fields would count.
    if apps.is_installed("django.contrib.admin"):
        from django.contrib import admin

        admin_files = [
            model._meta.label
            for model in admin.site._registry
            if any(isinstance(f, models.FileField) for f in model._meta.get_fields())
        ]
    assert admin_files == [], "admin pages editing a FileField need an entry in UPLOAD_POINTS"


@pytest.mark.parametrize("generate", [hostile_files.far_cell, hostile_files.high_ratio, hostile_files.forged_sizes])
def test_the_parsers_refuse_bombs_that_reach_them_another_way(generate, tmp_path, persona):
    """Imports started outside a request (a stored file, a command) are bounded too: the parsers check first."""
    from kechuang.core.imports import ImportRejected, importers

    name, content = generate()
    path = tmp_path / name
    path.write_bytes(content)
    found = importers()
    assert {"enterprises", "indicators", "techmarket.demand"} <= set(found)
    for kind, importer in found.items():  # every module's reader, each checked on its own
        with pytest.raises(ImportRejected, match="被拒绝"):
            importer.read(path, name)
        assert kind
