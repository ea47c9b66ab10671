"""Systemic test: no export of the platform hands a spreadsheet a live formula (CSV/Excel injection).

Every URL of the URLconf that answers a workbook or a CSV (its name says export, xlsx or csv; the audit log's
`?format=xlsx`) is requested on the demo data after formula-looking text has been planted in every free-text column
of every table: `=HYPERLINK(…)`, `+1+1`, `-2+3`, `@SUM(A1)`, a leading tab, a leading carriage return. No cell of
any sheet may be a formula or start with one of those characters (core.exports.neutralise prefixes an apostrophe);
a CSV cell may start with "-" or "+" only as a number. Every export that shows free text must carry a planted value
(neutralised), so the test cannot pass by exporting nothing; those that show only figures and code lists are named.
A new export URL is requested the day it is added (its name must say what it is, as every export's does).
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.db import models

from kechuang.core.encrypted import BlindIndexField, EncryptedCharField
from kechuang.core.exports import FORMULA_STARTS
from tests.conftest import ALL_PERSONAS
from tests.core.test_walk import RULES, URLS, demo, targets_for, url_of  # noqa: F401  (demo: the walk's fixture)

PAYLOADS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")
SHORT = ("+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")
# Columns that are identifiers, codes or secrets rather than free text: a planted value there would only break the
# demo data the exports read (lookups by code, credit codes in URLs), not test anything more.
NOT_FREE_TEXT = re.compile(
    r"(^|_)(code|codes|credit_code|username|password|id_number|email|phone|key|token|hash|mac|index|slug|number|"
    r"prefix|label|period_label|url|path|file|filename|content_type|session_key|action|object_type|object_id|"
    r"kind|status|state|stage|role|unit|field|fields|level|language|scope|source_file|version|cadence)$"
)
EXPORT_NAME = re.compile(r"(export|_xlsx|_csv)$")
# Exports of figures, code lists and the platform's own words, with no free text a user types.
FIGURES_ONLY = {
    "indicators:collection_board_xlsx",  # organisation × data set × period: states and counts
    "indicators:briefing_xlsx",  # indicator names are the catalogue's
    "outreach:stats_export",
    "outreach:popsci_stats_export",
    "finance:score_export",
    "indicators:what_if_export",
}
# The audit log refuses any change of a written entry: its export gets a new entry naming a planted record instead.
APPEND_ONLY = {"core.AuditEntry", "core.AuditAnchor"}
# Who requests each export: the first of these the URL's rule lets read it.
REQUESTERS = ("bureau_staff", "auditor", "sysadmin")


def export_keys() -> list[str]:
    return [*sorted(k for k in URLS if EXPORT_NAME.search(k.split(":")[-1])), "core:audit_log"]


def _unique_together(model: type[models.Model]) -> set[str]:
    names = {n for group in model._meta.unique_together for n in group}
    for constraint in model._meta.constraints:
        names |= set(getattr(constraint, "fields", ()) or ())
    return names


def _free_text_fields(model: type[models.Model]) -> list[models.Field]:
    keys = _unique_together(model)
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, EncryptedCharField | BlindIndexField)
        and not f.choices
        and not f.unique
        and f.name not in keys
        and not f.primary_key
        and not NOT_FREE_TEXT.search(f.name)
        and (not isinstance(f, models.CharField) or (f.max_length or 0) >= 5)
    ]


def plant_formulas() -> int:
    """Formula-looking text in every free-text column of every table of the platform; how many columns."""
    planted = 0
    for model in apps.get_models():
        if not model.__module__.startswith("kechuang.") or model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.label in APPEND_ONLY:
            continue
        values = {}
        for i, f in enumerate(_free_text_fields(model)):
            choices = PAYLOADS if isinstance(f, models.TextField) or f.max_length >= len(PAYLOADS[0]) else SHORT
            values[f.name] = choices[(planted + i) % len(choices)]
        if values:
            model._default_manager.all().update(**values)
            planted += len(values)
    from kechuang.core import audit

    audit.record(actor=None, action=audit.Action.UPDATE, object_type="core.liaison", object_label=PAYLOADS[0])
    return planted


def _cells(response) -> list[tuple[str, object, str]]:
    """(where, value, data type) of every cell below the header row of every sheet (CSV: type "s" or "n")."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
        return [(f"row {r + 2} col {c + 1}", v, "s") for r, row in enumerate(rows) for c, v in enumerate(row)]
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [
        (f"{ws.title}!{cell.coordinate}", cell.value, cell.data_type)
        for ws in book.worksheets
        for row in ws.iter_rows(min_row=2)
        for cell in row
        if cell.value is not None
    ]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_every_export_is_requested():
    """The export URLs the test requests: a renamed export, or one that stops answering a file, shows up here."""
    keys = export_keys()
    assert len(keys) >= 30, keys
    assert set(FIGURES_ONLY) <= set(keys), sorted(set(FIGURES_ONLY) - set(keys))


@pytest.mark.timeout(900)
def test_no_export_holds_a_live_formula(demo, client, django_user_model, db):  # noqa: F811
    assert plant_formulas() > 50
    problems, carried = [], set()
    for key in export_keys():
        rule, url = RULES[key], URLS[key]
        persona = next(p for p in REQUESTERS if rule.readers is None or p in rule.readers)
        client.force_login(django_user_model.objects.get(username=ALL_PERSONAS[persona][0]))
        target = next(iter(targets_for(rule, persona, demo)), None)
        path = url_of(url, rule, target)
        try:
            response = client.get(path, {"format": "xlsx"} if key == "core:audit_log" else {})
        except Exception as error:  # a column the test took for free text is parsed by the export: name it
            problems.append(f"{key} {path}: {type(error).__name__}: {error}")
            continue
        if response.status_code == 302 and rule.get == "redirect":
            continue  # no projection past the policy's deadline (the clock leg): no file
        if response.status_code != 200 or not response["Content-Type"].startswith(("text/csv", "application/vnd")):
            problems.append(f"{key} {path}: {response.status_code} {response['Content-Type']}")
            continue
        for where, value, kind in _cells(response):
            if kind == "f":
                problems.append(f"{key} {where}: a formula {value!r}")
            elif isinstance(value, str) and value[:1] in FORMULA_STARTS and not _is_number(value):
                problems.append(f"{key} {where}: {value!r} starts like a formula")
            elif isinstance(value, str) and any(("'" + p) in value for p in PAYLOADS):
                carried.add(key)
    by_sheet: dict[str, list[str]] = {}
    for p in problems:
        by_sheet.setdefault(p.split("!")[0], []).append(p)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(f"{len(v)} × {v[0]}" for v in by_sheet.values())
    silent = set(export_keys()) - carried - FIGURES_ONLY
    assert not silent, f"exports that carried none of the planted text (plant it, or name them): {sorted(silent)}"
