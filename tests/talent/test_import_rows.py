"""The row checks both talent imports share (talent.importer.missing_columns and parsed_rows): the talent register
import and the foreign-experts import read their sheets through the same two functions."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from kechuang.core.imports import Column, RowError, Sheet
from kechuang.talent import foreign_import, importer

COLUMNS = [
    Column("name", "姓名", "text", required=True),
    Column("arrived_on", "来访日期", "date"),
    Column("note", "备注", "text"),
]


def _sheet(rows: list[list]) -> Sheet:
    return Sheet("x", "来访", [(n, cells) for n, cells in enumerate(rows, start=1)])


def test_rows_are_parsed_blank_rows_skipped_and_bad_cells_named_by_sheet_row_and_column():
    sheet = _sheet([["姓名 *", "来访日期"], ["甲", "2025-03-01"], ["", None], ["", "昨天"], ["丙", ""]])
    errors: list[RowError] = []
    progress: list[int] = []
    with translation.override("en"):
        importer.missing_columns(sheet, COLUMNS, "来访", errors)
        rows = list(importer.parsed_rows(sheet, COLUMNS, "来访", {}, errors, progress.append))
    assert errors == [
        RowError("来访", 4, "姓名", "", "required", "name"),
        RowError("来访", 4, "来访日期", "昨天", "not a date (YYYY-MM-DD)", "arrived_on"),
    ]
    assert rows == [
        (2, {"name": "甲", "arrived_on": dt.date(2025, 3, 1)}),
        (4, {}),
        (5, {"name": "丙", "arrived_on": None}),
    ]
    assert progress == []  # reported every 500 rows


def test_a_missing_required_column_is_an_error_of_row_one():
    sheet = _sheet([["来访日期", "备注"], ["2025-03-01", "x"]])
    errors: list[RowError] = []
    with translation.override("en"):
        importer.missing_columns(sheet, COLUMNS, "外国专家", errors)
    assert errors == [RowError("外国专家", 1, "姓名", "", "column missing", "name")]
    assert sheet.positions == {"arrived_on": 0, "note": 1}


def test_both_imports_use_the_shared_checks():
    assert foreign_import.parsed_rows is importer.parsed_rows
    assert foreign_import.missing_columns is importer.missing_columns
