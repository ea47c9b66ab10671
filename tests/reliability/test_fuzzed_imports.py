"""Fuzzed imports (issue 12, reliability): hypothesis-generated workbooks through every importer of the pipeline.

Wrong types, missing and duplicated columns, duplicate keys, huge values, formulas, empty sheets, unicode. Each
workbook goes through the real pipeline (`core.imports.import_now`: store, read, check, one transaction, error
workbook), then its job page and error workbook are fetched. Never an exception (a 500), never a partial write: a
rejected file leaves every table of its module (and the audit log) exactly as it was; an accepted one is recorded
whole, its rows counted as the job says. `FUZZ_COUNTS` holds the examples per importer (printed with -s)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kechuang.core.imports import Column, choice_labels, import_now, importer_for, parse_cell
from kechuang.core.models import AuditEntry, ImportJob
from kechuang.enterprises.importer import SHEETS as ENTERPRISE_SHEETS
from kechuang.enterprises.population import credit_code
from kechuang.indicators.imports import COLUMNS as OBSERVATION_COLUMNS
from kechuang.indicators.imports import REQUIRED as OBSERVATION_REQUIRED
from kechuang.indicators.imports import SHEET_TITLE as OBSERVATION_SHEET
from kechuang.techmarket.importer import SPECS, _zh
from tests.conftest import Client as SignedInClient

pytestmark = pytest.mark.django_db

EXAMPLES = 20  # per importer; the whole file stays under a minute on the 2-core machine
FUZZ_COUNTS: Counter = Counter()

CODES = [credit_code("370302", 940_000 + i) for i in range(3)]  # few, so that keys repeat across rows
REGIONS = ["张店区", "淄川区", "zhangdian", "火星区", ""]
FORMULAS = ["=1+1", "=SUM(A1:A3)", '=HYPERLINK("http://evil.example","点我")', "=cmd|'/c calc'!A1", "@SUM(1)"]
WEIRD_TEXT = st.sampled_from(
    [
        "x" * 5000,
        "名" * 400,
        "😀🚀" * 20,
        "\u202eRTL\u200b零宽",
        "  空格  ",
        "<script>alert(1)</script>",
        "a\nb\tc",
        "NaN",
        "inf",
        "1e400",
        "-0",
        "１２３",
        "是否",
    ]
)
CHAOS = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(FORMULAS),
    WEIRD_TEXT,
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
)


def valid_value(key: str, kind: str, choices: Any, strict: bool = False) -> st.SearchStrategy:
    """A value a user would type in that column; `strict`: one the module accepts on its own (the pipeline may still
    refuse it across rows), otherwise sometimes a near miss (a short phone, 2024-02-30, 也许)."""

    def pick(good: list, near: list) -> st.SearchStrategy:
        return st.sampled_from(good if strict else good + near)

    if "phone" in key:
        return pick(["13800000000", "0533-1234567"], ["12345", ""])
    if "email" in key:
        return pick(["zhang@example.com", ""], ["不是邮箱"])
    if key == "trl":
        return st.integers(1, 9)
    if key == "year":
        return st.integers(2018, 2025)
    if kind == "code":
        return st.sampled_from(CODES)
    if kind in ("region", "city_region"):
        return pick(REGIONS[:3], REGIONS[3:])
    if kind == "date":
        dates = st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31))
        return dates if strict else st.one_of(dates, st.just("2024-02-30"))
    if kind == "int":
        return st.integers(0, 5000)
    if kind in ("money", "float"):
        return st.decimals(0, 10**6, places=2, allow_nan=False).map(float)
    if kind == "bool":
        return pick(["是", "否"], ["也许"])
    if kind in ("choice", "label", "labels") and choices:
        labels = choice_labels(choices) if kind == "choice" else _zh(choices)
        one = st.sampled_from(labels)
        return st.lists(one, min_size=1, max_size=3).map("、".join) if kind == "labels" else one
    return st.text(alphabet="测试需求材料陶瓷智能制造研发平台abc123", min_size=1, max_size=40)


def cell(key: str, kind: str, choices: Any = None) -> st.SearchStrategy:
    return st.one_of(valid_value(key, kind, choices), valid_value(key, kind, choices), CHAOS)


@st.composite
def sheet_rows(draw, columns: list[tuple[str, str, str, bool, Any]]) -> list[list[Any]]:
    """A header (some columns left out, shuffled, a stray or repeated one, " *" marks) and 0–6 rows under it; one
    sheet in four is a careful user's (every column, values the module accepts), so that files also get through."""
    if draw(st.integers(0, 3)) == 0:
        header = [c[1] for c in columns]
        rows = []
        for n in range(draw(st.integers(1, 3))):
            rows.append(
                [
                    CODES[n]  # distinct keys: repeated ones are the other sheets' business
                    if c[2] == "code" and c[3]
                    else draw(valid_value(c[0], c[2], c[4], strict=True))
                    if c[3]
                    else ""  # optional columns left empty: their formats (patent numbers…) are the module's
                    for c in columns
                ]
            )
        return [header, *rows]
    keep = [c for c in columns if (c[3] and draw(st.integers(0, 9)) > 0) or (not c[3] and draw(st.booleans()))]
    keep = draw(st.permutations(keep)) if keep else []
    header: list[Any] = [f"{c[1]} *" if c[3] and draw(st.booleans()) else c[1] for c in keep]
    extra = draw(st.sampled_from([None, "备注", "=1+1", None, None]))
    if extra:
        header.append(extra)
    if keep and draw(st.integers(0, 5)) == 0:
        header.append(header[0])  # the same column twice
        keep = [*keep, keep[0]]
    rows = [header]
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(cell(c[0], c[2], c[4])) for c in keep]
        if extra:
            row.append(draw(CHAOS))
        rows.append(row)
    if draw(st.integers(0, 6)) == 0:
        rows.append([None] * len(header))  # a blank row
    return rows


def workbook(sheets: dict[str, list[list[Any]]], *, empty_first: bool = False) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    if empty_first:
        book.create_sheet("空表")
    for title, rows in sheets.items():
        ws = book.create_sheet(title[:31])
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def columns_of(spec_columns) -> list[tuple[str, str, str, bool, Any]]:
    return [(c.key, c.label, c.kind, c.required, c.choices) for c in spec_columns]


@st.composite
def enterprise_file(draw) -> bytes:
    sheets = {}
    for key, spec in ENTERPRISE_SHEETS.items():
        if key == "enterprises" or draw(st.booleans()):
            title = spec["title"] if draw(st.integers(0, 7)) else draw(st.sampled_from(["Sheet1", spec["title"] + " "]))
            sheets[title] = draw(sheet_rows(columns_of(spec["columns"])))
    return workbook(sheets, empty_first=draw(st.integers(0, 5)) == 0)


@st.composite
def observation_file(draw, indicator_codes: list[str]) -> bytes:
    kinds = {"year": "int", "quarter": "int", "value": "float"}
    columns = []
    for key, label in OBSERVATION_COLUMNS:
        kind = kinds.get(key, "text")
        columns.append((key, label, kind, key in OBSERVATION_REQUIRED, None))
    rows = draw(sheet_rows(columns))
    pools = {
        "indicator_code": st.sampled_from([*indicator_codes, "no_such_indicator"]),
        "region_code": st.sampled_from(["zibo", "zhangdian", "淄川区", "火星"]),
        "quarter": st.sampled_from(["", 1, 4, 5]),
        "status": st.sampled_from(["", "初步", "最终", "final", "草稿"]),
        "source": st.sampled_from(["统计局", "", "年鉴 2025"]),
    }
    header_keys = {label: key for key, label in OBSERVATION_COLUMNS}
    keys = [header_keys.get(str(h).removesuffix(" *")) for h in rows[0]]
    for row in rows[1:]:
        for i, key in enumerate(keys):
            if key in pools and i < len(row) and draw(st.integers(0, 3)):
                row[i] = draw(pools[key])
    title = OBSERVATION_SHEET if draw(st.integers(0, 5)) else "Sheet1"
    return workbook({title: rows}, empty_first=draw(st.integers(0, 7)) == 0)


@st.composite
def market_file(draw, key: str) -> bytes:
    spec = SPECS[key]
    title = spec.title if draw(st.integers(0, 5)) else "Sheet1"
    return workbook({title: draw(sheet_rows(columns_of(spec.columns)))}, empty_first=draw(st.integers(0, 7)) == 0)


# ------------------------------------------------------------------------------------------------------------------

APPS = {"enterprises": "enterprises", "indicators": "indicators"} | {f"techmarket.{k}": "techmarket" for k in SPECS}
# What an accepted file's counts say it wrote, per model: (model label, count keys whose sum the table grew by).
GROWTH = {
    "enterprises": ("enterprises.Enterprise", ("enterprises_created",)),
    "indicators": ("indicators.Observation", ("created",)),
    "techmarket.achievement": ("techmarket.Achievement", ("created",)),
    "techmarket.demand": ("techmarket.Demand", ("created",)),
    "techmarket.expert": ("techmarket.Expert", ("created",)),
    "techmarket.contract": ("techmarket.Contract", ("created",)),
}


def table_counts(app_label: str) -> dict[str, int]:
    counts = {m._meta.label: m._base_manager.count() for m in apps.get_app_config(app_label).get_models()}
    counts["core.AuditEntry"] = AuditEntry.objects.count()
    return counts


def check_import(kind: str, data: bytes, actor, client: Client) -> None:
    """One file through the pipeline and its pages, with the all-or-nothing invariants."""
    before = table_counts(APPS[kind])
    job = import_now(kind, actor=actor, filename="fuzz.xlsx", data=data)  # an exception here is the 500
    after = table_counts(APPS[kind])
    assert job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    FUZZ_COUNTS[(kind, job.status)] += 1
    page = client.get(reverse("core:import_job", args=[job.pk]))
    assert page.status_code == 200
    if job.status == ImportJob.Status.FAILED:
        assert job.errors and all(e["reason"] for e in job.errors)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"a rejected file wrote {changed}: {job.errors[:3]}"
        if job.error_workbook:
            download = client.get(reverse("core:import_job_errors", args=[job.pk]))
            assert download.status_code == 200
            openpyxl.load_workbook(
                io.BytesIO(b"".join(download.streaming_content) if download.streaming else download.content)
            )
        return
    assert not job.errors
    assert after["core.AuditEntry"] > before["core.AuditEntry"]  # the import's own entry at least
    model, keys = GROWTH[kind]
    assert after[model] - before[model] == sum(job.counts.get(k, 0) for k in keys), (job.counts, model)


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    """Prints the examples per importer and outcome at the end of the file (seen with -s)."""
    yield
    print("\nfuzz counts:", {f"{kind} {status}": n for (kind, status), n in sorted(FUZZ_COUNTS.items())})


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # No shrinking: on this machine it can take minutes per failure; the failing workbook is printed as it is.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def importing(persona, client):
    """(actor, signed-in client) per persona name."""

    def get(name: str):
        user = persona(name)
        c = SignedInClient()  # passes the second factor on sign-in, as the suite's `client` does
        c.force_login(user)
        return user, c

    return get


@pytest.fixture
def indicator_codes(db) -> list[str]:
    from kechuang.core.models import OrgUnit
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.indicators.models import Indicator

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    return sorted(Indicator.objects.filter(formula="").values_list("code", flat=True))[:6]


@HYPOTHESIS
@given(data=enterprise_file(), who=st.sampled_from(["bureau_staff", "zhangdian_officer"]))
def test_fuzzed_enterprise_workbooks_never_fail_or_half_write(importing, data, who):
    check_import("enterprises", data, *importing(who))


@HYPOTHESIS
@given(data=st.data(), who=st.sampled_from(["bureau_staff", "lead_officer"]))
def test_fuzzed_observation_workbooks_never_fail_or_half_write(importing, indicator_codes, data, who):
    check_import("indicators", data.draw(observation_file(indicator_codes)), *importing(who))


@pytest.mark.parametrize("key", sorted(SPECS))
@HYPOTHESIS
@given(data=st.data(), who=st.sampled_from(["bureau_staff", "zhangdian_officer"]))
def test_fuzzed_market_workbooks_never_fail_or_half_write(importing, key, data, who):
    actor, client = importing(who)
    if not importer_for(f"techmarket.{key}").may_import(actor):
        actor, client = importing("bureau_staff")
    check_import(f"techmarket.{key}", data.draw(market_file(key)), actor, client)


@pytest.mark.parametrize(
    ("kind", "text"),
    [("money", "1e30"), ("money", "12345678901234567890"), ("float", "1e400"), ("int", "1e999999"), ("int", "sNaN")],
)
def test_huge_or_odd_numbers_are_a_cell_error_not_an_internal_error(kind, text):
    """Found by the fuzzer: 1e30 in a money column overflowed the quantize, an internal error instead of a reason."""
    with pytest.raises(ValueError, match=r"."):
        parse_cell(Column("x", "X", kind), text, {})
