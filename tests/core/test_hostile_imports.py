"""A hostile user's workbooks against every kind of import, table-driven over the importers (core/imports.py is the
one pipeline, so a defect of one is a defect of all): a bad row far down, dates and numbers as people type them,
invisible characters in keys, a column headed twice, a file with no rows, another district's rows. Each file must
end in a clear error naming the sheet, row and column, with nothing written, or import in full."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.apps import apps

from kechuang.core.imports import Column, import_now, parse_cell
from kechuang.core.models import ImportJob, OrgUnit
from kechuang.enterprises.population import credit_code
from tests.outreach.test_import import COMMISSIONER_HEAD
from tests.talent import factories as talent_factories

pytestmark = pytest.mark.django_db


def _demand_labels() -> tuple[str, str]:
    from kechuang.techmarket import importer

    columns = {c.key: c for c in importer.SPECS["demand"].columns}
    return importer._zh(columns["field"].choices)[0], importer._zh(columns["cooperation_mode"].choices)[0]


def _activity_labels() -> tuple[str, str]:
    from kechuang.outreach.models import Activity

    return str(Activity.Kind.CARAVAN.label), str(Activity.Audience.FARMERS.label)


def _id_number(n: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n // 500)
    return talent_factories.id_number(n % 500, birth=f"{birth:%Y%m%d}")


@dataclass
class Case:
    """One importer as a user fills its main sheet: the header, row n (distinct keys), and where the columns a
    hostile user plays with sit (`None`: the sheet has no such column)."""

    kind: str
    sheet: str
    header: list[str]
    row: Callable[[int], list[Any]]
    tables: tuple[str, ...]  # what the import writes
    region: int | None = None
    date: tuple[int, str] | None = None  # (index, field)
    number: tuple[int, str, str] | None = None  # (index, field, model field holding it)
    money: tuple[int, str] | None = None
    key: tuple[int, str] | None = None  # a column that must be distinct within the file
    stored_date: Callable[[], Any] | None = None
    stored_number: Callable[[], Any] | None = None


def _cases() -> dict[str, Case]:
    from kechuang.enterprises.models import Enterprise
    from kechuang.outreach.models import Activity, Commissioner
    from kechuang.talent.models import Talent
    from kechuang.techmarket.models import Demand

    field, mode = _demand_labels()
    kind, audience = _activity_labels()
    horticulture = str(Commissioner.Field.HORTICULTURE.label)
    return {
        "enterprises": Case(
            "enterprises",
            "企业",
            ["统一社会信用代码 *", "企业名称 *", "所属区县 *", "成立日期"],
            lambda n: [credit_code("370302", 930_000 + n), f"测试企业{n}", "张店区", "2018-03-01"],
            ("enterprises.Enterprise",),
            region=2,
            date=(3, "registration_date"),
            key=(0, "credit_code"),
            stored_date=lambda: Enterprise.objects.get().registration_date,
        ),
        "outreach_activities": Case(
            "outreach_activities",
            "科普活动",
            ["活动类型", "活动名称", "活动日期", "活动地点", "所属区县", "主办单位", "责任部门", "受众", "参与人数"],
            lambda n: [
                kind,
                f"科普大篷车{n}",
                "2026-05-01",
                "文化广场",
                "张店区",
                "张店区科协",
                "市科协",
                audience,
                300,
            ],
            ("outreach.Activity",),
            region=4,
            date=(2, "date"),
            number=(8, "participants", "participants"),
            stored_date=lambda: Activity.objects.get().date,
            stored_number=lambda: Activity.objects.get().participants,
        ),
        "outreach_commissioners": Case(
            "outreach_commissioners",
            "科技特派员",
            [*COMMISSIONER_HEAD, "选派日期"],
            lambda n: [
                f"特派员{n}",
                horticulture,
                "苹果栽培",
                "市级",
                "高等院校",
                "山东理工大学",
                "",
                "张店区",
                "市科技局",
                "2024-06-01",
            ],
            ("outreach.Commissioner",),
            region=7,
            date=(9, "since"),
            stored_date=lambda: Commissioner.objects.get().since,
        ),
        "techmarket.demand": Case(
            "techmarket.demand",
            "技术需求",
            [
                "企业名称",
                "所在区县",
                "需求名称",
                "需求描述",
                "技术领域",
                "合作方式",
                "联系人",
                "联系电话",
                "预算上限（万元）",
            ],
            lambda n: [
                "华光陶瓷",
                "张店区",
                f"耐高温陶瓷{n}",
                "需要耐高温陶瓷配方",
                field,
                mode,
                "张三",
                "13800000000",
                50,
            ],
            ("techmarket.Demand",),
            region=1,
            money=(8, "budget_max_wan"),
            stored_number=lambda: Demand.objects.get().budget_max_wan,
        ),
        "talent": Case(
            "talent",
            "人才",
            ["姓名", "证件号码", "用人单位统一社会信用代码", "所在区县", "来淄日期"],
            lambda n: [f"人才{n}", _id_number(n), talent_factories.credit_code(1), "张店区", "2024-06-01"],
            ("talent.Talent",),
            region=3,
            date=(4, "arrival_date"),
            key=(1, "id_number"),
            stored_date=lambda: Talent.objects.get().arrival_date,
        ),
    }


CASES = sorted(_cases())


def _xlsx(title: str, rows: list[list[Any]], *, text_cells: bool = False) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if text_cells:  # what a user types stays text (openpyxl would make "=…" a formula)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _state(case: Case) -> dict[str, list]:
    return {name: list(apps.get_model(name).objects.order_by("pk").values_list()) for name in case.tables}


def _import(case: Case, rows: list[list[Any]], who, *, text_cells: bool = False) -> ImportJob:
    data = _xlsx(case.sheet, [case.header, *rows], text_cells=text_cells)
    return import_now(case.kind, actor=who, filename="hostile.xlsx", data=data)


def _with(row: list[Any], index: int, value: Any) -> list[Any]:
    return [*row[:index], value, *row[index + 1 :]]


@pytest.fixture
def cases(db) -> dict[str, Case]:
    return _cases()


@pytest.mark.parametrize("name", CASES)
def test_a_bad_row_far_down_names_sheet_row_and_column_and_nothing_is_written(name, cases, persona):
    case = cases[name]
    before = _state(case)
    # 2,000 rows: far past a screenful, and the market importers save and roll back every row (5,000 took 15 s)
    rows = [case.row(n) for n in range(1_999)]
    bad_at = 1_997  # spreadsheet row 1,999
    index = case.region if case.region is not None else 0
    rows[bad_at] = _with(rows[bad_at], index, "火星区")
    job = _import(case, rows, persona("bureau_staff"))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["sheet"], e["row"], e["column"].rstrip(" *")) for e in job.errors] == [
        (case.sheet, bad_at + 2, case.header[index].rstrip(" *"))
    ], job.errors
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize(
    "text", ["2026/3/1", "2026-3-1", "2026.3.1", "2026年3月1日", "２０２６年３月１日", "2026/03/01"]
)
def test_dates_typed_as_text_the_way_people_type_them(name, text, cases, persona):
    case = cases[name]
    if case.date is None:
        pytest.skip("no date column in this sheet")
    job = _import(case, [_with(case.row(1), case.date[0], text)], persona("bureau_staff"), text_cells=True)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert case.stored_date() == dt.date(2026, 3, 1)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("text", ["2026/13/45", "2026年2月30日", "昨天", "45000"])
def test_impossible_dates_are_named(name, text, cases, persona):
    case = cases[name]
    if case.date is None:
        pytest.skip("no date column in this sheet")
    before = _state(case)
    job = _import(case, [case.row(1), _with(case.row(2), case.date[0], text)], persona("bureau_staff"), text_cells=True)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, case.date[1])], job.errors
    assert "YYYY-MM-DD" in job.errors[0]["reason"]
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("number", [2026, 0, -3])
def test_a_small_number_in_a_date_column_is_no_date(name, number, cases, persona):
    """2026 typed into 成立日期 was taken for Excel's day 2026 and stored as 1905-07-18."""
    case = cases[name]
    if case.date is None:
        pytest.skip("no date column in this sheet")
    before = _state(case)
    job = _import(case, [_with(case.row(1), case.date[0], number)], persona("bureau_staff"))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, case.date[1])], job.errors
    assert "YYYY-MM-DD" in job.errors[0]["reason"]
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
def test_a_date_serial_without_a_date_format_is_read(name, cases, persona):
    case = cases[name]
    if case.date is None:
        pytest.skip("no date column in this sheet")
    job = _import(case, [_with(case.row(1), case.date[0], 45000)], persona("bureau_staff"))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert case.stored_date() == dt.date(2023, 3, 15)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize(
    ("text", "value"), [("1,234", 1234), ("１，２３４", 1234), ("１２３", 123), ("1234\xa0", 1234)]
)
def test_numbers_with_thousands_separators_and_full_width_digits(name, text, value, cases, persona):
    case = cases[name]
    at = case.number or case.money
    if at is None:
        pytest.skip("no number column in this sheet")
    job = _import(case, [_with(case.row(1), at[0], text)], persona("bureau_staff"), text_cells=True)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert case.stored_number() == value


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("text", ["1,5", "12,34", "1,234.5.6"])
def test_a_comma_that_groups_no_thousands_is_refused_not_read_as_a_bigger_number(name, text, cases, persona):
    """1,5 (a decimal comma, or a slip) was read as 15: ten times the figure, without a word."""
    case = cases[name]
    at = case.number or case.money
    if at is None:
        pytest.skip("no number column in this sheet")
    before = _state(case)
    job = _import(case, [_with(case.row(1), at[0], text)], persona("bureau_staff"), text_cells=True)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, at[1])], job.errors
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
def test_zero_width_characters_pasted_into_a_key_are_ignored(name, cases, persona):
    """张店区 copied from a web page or a chat carries a zero-width space: it was an unknown region."""
    case = cases[name]
    row = case.row(1)
    row = _with(row, case.region, f"\u200b{row[case.region]}\ufeff")
    if case.key is not None:
        row = _with(row, case.key[0], f"{row[case.key[0]]}\u200b")
    job = _import(case, [row], persona("bureau_staff"))
    assert job.status == ImportJob.Status.DONE, job.errors


@pytest.mark.parametrize("name", CASES)
def test_a_key_repeated_with_an_invisible_character_is_still_a_duplicate(name, cases, persona):
    case = cases[name]
    if case.key is None:
        pytest.skip("no key column that must be distinct")
    before = _state(case)
    first = case.row(1)
    again = _with(case.row(2), case.key[0], f"{first[case.key[0]]}\u200b")
    job = _import(case, [first, again], persona("bureau_staff"))
    assert job.status == ImportJob.Status.FAILED
    label = case.header[case.key[0]].rstrip(" *")
    assert (3, label) in {(e["row"], e["column"]) for e in job.errors}, job.errors
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
def test_a_column_headed_twice_is_an_error_of_the_header_not_a_silent_choice(name, cases, persona):
    """With 所属区县 twice, only one copy was read and the other dropped without a word."""
    case = cases[name]
    before = _state(case)
    index = case.region
    header = [*case.header, case.header[index]]
    rows = [[*case.row(1), "淄川区"], [*case.row(2), "张店区"]]
    data = _xlsx(case.sheet, [header, *rows])
    job = import_now(case.kind, actor=persona("bureau_staff"), filename="twice.xlsx", data=data)
    assert job.status == ImportJob.Status.FAILED
    [error] = [e for e in job.errors if e["row"] == 1]
    letters = openpyxl.utils.get_column_letter
    assert error["sheet"] == case.sheet and f"{letters(index + 1)}、{letters(len(header))}" in error["reason"]
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
def test_a_file_with_a_header_and_no_rows_says_so(name, cases, persona):
    """The template uploaded unfilled (or the wrong file) was reported as a successful import of nothing."""
    case = cases[name]
    job = _import(case, [[None] * len(case.header), [""] * len(case.header)], persona("bureau_staff"))
    assert job.status == ImportJob.Status.FAILED
    [error] = job.errors
    assert error["row"] == 0 and "没有数据行" in error["reason"], job.errors


@pytest.mark.parametrize("name", CASES)
def test_empty_rows_in_the_middle_are_skipped_and_rows_keep_their_numbers(name, cases, persona):
    case = cases[name]
    before = _state(case)
    blank = [None] * len(case.header)
    bad = _with(case.row(3), case.region, "火星区")
    job = _import(case, [case.row(1), blank, ["", " ", "\xa0"], case.row(2), blank, bad], persona("bureau_staff"))
    assert [(e["row"], e["sheet"]) for e in job.errors] == [(7, case.sheet)], job.errors
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
def test_a_district_officer_may_not_import_another_districts_rows(name, cases, persona):
    case = cases[name]
    before = _state(case)
    theirs = [_with(case.row(n), case.region, "淄川区") for n in (2, 3)]
    job = _import(case, [case.row(1), *theirs], persona("zhangdian_officer"))
    assert job.status == ImportJob.Status.FAILED
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "region"), (4, "region")}, job.errors
    assert _state(case) == before


@pytest.mark.parametrize("name", CASES)
def test_formulas_are_never_evaluated_and_text_that_looks_like_one_is_kept_as_text(name, cases, persona):
    """A formula cell arrives as what Excel last computed (openpyxl stores none: an empty cell); text that starts
    with = is text, exported later with a leading apostrophe (core/exports.py)."""
    case = cases[name]
    before = _state(case)
    formula = _with(case.row(1), case.region, '=HYPERLINK("http://evil.example","张店区")')
    job = _import(case, [formula], persona("bureau_staff"))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "region")], job.errors
    assert _state(case) == before


@pytest.mark.parametrize(
    ("label", "text", "value"),
    [
        ("营业收入（万元）", "1,234 万元", Decimal("1234")),
        ("营业收入（万元）", "1234万元", Decimal("1234")),
        ("拨付比例（%）", "12.5%", Decimal("12.5")),
        ("拨付比例（%）", "１２．５％", Decimal("12.5")),
        ("场地面积（㎡）", "500㎡", Decimal("500")),
    ],
)
def test_a_number_followed_by_its_columns_own_unit_is_read(label, text, value):
    assert parse_cell(Column("x", label, "money"), text, {}) == value


@pytest.mark.parametrize(
    ("label", "text"),
    [("营业收入（万元）", "1234元"), ("营业收入（万元）", "12%"), ("场地面积（㎡）", "12亩"), ("职工总数", "120人")],
)
def test_another_unit_is_refused_naming_the_columns_unit(label, text):
    kind = "int" if "总数" in label else "money"
    with pytest.raises(ValueError) as refused:
        parse_cell(Column("x", label, kind), text, {})
    unit = label[label.find("（") + 1 : -1] if "（" in label else None
    assert unit is None or unit in str(refused.value)


def test_the_observation_csv_refuses_a_decimal_comma_and_ignores_invisible_characters(persona):
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.indicators.models import Indicator, Observation

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    name = Indicator.objects.get(code="high_tech_enterprises").name
    head = "指标,区域,年份,季度,数值,状态,数据来源\n"
    before = set(Observation.objects.values_list("pk", flat=True))
    job = import_now(
        "indicators",
        actor=persona("bureau_staff"),
        filename="o.csv",
        data=(head + f'{name},张店区,2024,,"1,5",最终,区科技局\n').encode("gbk"),
    )
    assert job.status == ImportJob.Status.FAILED and [e["field"] for e in job.errors] == ["value"], job.errors
    assert set(Observation.objects.values_list("pk", flat=True)) == before
    job = import_now(
        "indicators",
        actor=persona("bureau_staff"),
        filename="o.csv",
        data=("\ufeff" + head + f'{name},张店区\u200b,2024,,"1,234",最终,区科技局\n').encode("utf-8"),
    )
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Observation.objects.exclude(pk__in=before).get().value == 1234


def test_a_range_in_the_label_is_no_unit():
    with pytest.raises(ValueError) as refused:
        parse_cell(Column("x", "专家评分：技术先进程度（0–8）", "int"), "5分", {})
    assert "0–8" not in str(refused.value)


def test_a_credit_code_typed_in_full_width_characters_is_read(persona):
    from kechuang.enterprises.models import Enterprise

    code = credit_code("370302", 940_001)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # ９１３７… as a Chinese IME in full-width mode types
    data = _xlsx("企业", [["统一社会信用代码", "企业名称", "所属区县"], [wide, "全角企业", "张店区"]])
    job = import_now("enterprises", actor=persona("bureau_staff"), filename="wide.xlsx", data=data)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Enterprise.objects.get(name="全角企业").credit_code == code


def _book(sheets: list[tuple[str, list[list[Any]], str]]) -> bytes:
    """(title, rows, state) per sheet, in order; state is visible or hidden."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        ws = book.create_sheet(title)
        ws.sheet_state = state
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", CASES)
def test_a_hidden_sheet_with_rows_is_never_imported_unseen(name, cases, persona):
    """The template's sheet hidden, with last year's rows, and the user's rows on a visible copy: the hidden rows
    were imported and the visible ones ignored, without a word."""
    case = cases[name]
    before = _state(case)
    data = _book(
        [
            (case.sheet, [case.header, case.row(2)], "hidden"),
            ("我的数据", [case.header, case.row(1)], "visible"),
        ]
    )
    job = import_now(case.kind, actor=persona("bureau_staff"), filename="hidden.xlsx", data=data)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], case.sheet in e["reason"]) for e in job.errors] == [(0, True)], job.errors
    assert _state(case) == before


@pytest.mark.parametrize("name", [n for n in CASES if n != "enterprises"])  # enterprises names its sheets
def test_the_sheet_taken_when_none_is_named_is_the_first_visible_one(name, cases, persona):
    """A hidden first sheet of drop-down lists, the data on a renamed visible sheet: the lists were read as rows."""
    case = cases[name]
    data = _book(
        [
            ("下拉选项", [["张店区", "淄川区"], ["是", "否"]], "hidden"),
            ("2026年3月", [case.header, case.row(1)], "visible"),
        ]
    )
    job = import_now(case.kind, actor=persona("bureau_staff"), filename="renamed.xlsx", data=data)
    assert job.status == ImportJob.Status.DONE, job.errors


def test_the_observation_workbook_skips_a_hidden_first_sheet(persona):
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.indicators.models import Indicator, Observation

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    name = Indicator.objects.get(code="high_tech_enterprises").name
    head = ["指标", "区域", "年份", "季度", "数值", "状态", "数据来源"]
    data = _book(
        [
            ("下拉选项", [["张店区"], ["淄川区"]], "hidden"),
            ("2024年", [head, [name, "张店区", 2024, None, 402, "最终", "区科技局"]], "visible"),
        ]
    )
    before = set(Observation.objects.values_list("pk", flat=True))
    job = import_now("indicators", actor=persona("bureau_staff"), filename="o.xlsx", data=data)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Observation.objects.exclude(pk__in=before).get().value == 402


def _retyped(label: str) -> str:
    """A header as a user retypes it: ASCII parentheses, a full-width star, wrapped onto two lines with Alt+Enter."""
    label = label.rstrip(" *").replace("（", "(").replace("）", ")")
    middle = len(label) // 2
    return f"{label[:middle]}\n{label[middle:]}\xa0＊"


@pytest.mark.parametrize("name", CASES)
def test_headers_retyped_with_other_brackets_stars_and_line_breaks_are_found(name, cases, persona):
    """营业收入(万元) is the template's 营业收入（万元）: it was "required column missing" (or, optional, ignored)."""
    case = cases[name]
    data = _xlsx(case.sheet, [[_retyped(h) for h in case.header], case.row(1)])
    job = import_now(case.kind, actor=persona("bureau_staff"), filename="retyped.xlsx", data=data)
    assert job.status == ImportJob.Status.DONE, job.errors
    if case.stored_number is not None:
        assert case.stored_number() == case.row(1)[(case.number or case.money)[0]]
