"""Defect 14: the indicator import template asked for codes (`high_tech_enterprises`, `zhangdian`); its drop-downs
offer the indicators' and regions' names, and a file with names (or, as before, codes) imports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from kechuang.core.imports import import_now
from kechuang.indicators.imports import template_xlsx
from kechuang.indicators.models import Observation
from tests.visible_text import text_problems

pytestmark = pytest.mark.django_db


def test_template_dropdowns_offer_names_not_codes(catalogue, unit):
    indicators = [catalogue["high_tech_enterprises"], catalogue["tech_smes"]]
    book = load_workbook(io.BytesIO(template_xlsx(indicators, [unit("zhangdian"), unit("zichuan")])))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert not text_problems("\n".join(str(h) for h in header if h)), header
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        sheet_name, _, cells = (validation.formula1 or "").lstrip("=").partition("!")
        if cells:
            first, last = cells.replace("$", "").split(":")
            values = [c.value for row in book[sheet_name.strip("'")][f"{first}:{last}"] for c in row]
        else:
            values = validation.formula1.strip('"').split(",")
        lists[str(validation.sqref).split(":")[0][:1]] = values
    assert lists["A"] == [i.name for i in indicators]
    assert lists["B"] == ["张店区", "淄川区"]
    assert set(lists["F"]) == {"初步", "最终"}
    assert all(c.value is None for c in sheet[2]), "the data sheet holds no example (it was imported as data)"
    notes = [row for row in book["填写说明"].iter_rows(values_only=True) if row and row[0]]
    example = notes[notes.index(next(r for r in notes if r[0] == "指标")) + 1]
    assert example[0] == indicators[0].name and example[1] == "张店区"


def test_names_and_codes_both_import(catalogue, persona):
    name = catalogue["high_tech_enterprises"].name
    data = (f"指标,区域,年份,季度,数值,状态,数据来源\n{name},张店区,2023,,401,最终,区科技局\n").encode()
    legacy = "指标代码,区域代码,年份,数值,数据来源\nhigh_tech_enterprises,zhangdian,2022,380,区科技局\n".encode()
    for filename, raw in (("names.csv", data), ("codes.csv", legacy)):
        job = import_now("indicators", actor=persona("bureau_staff"), filename=filename, data=raw)
        assert not job.errors, job.errors
    years = set(
        Observation.objects.filter(indicator__code="high_tech_enterprises", region__code="zhangdian").values_list(
            "year", flat=True
        )
    )
    assert {2022, 2023} <= years
