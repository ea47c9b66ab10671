"""Defect 14: no import template offers English codes in its drop-downs (技术市场: achievements, demands, experts,
contracts); the same check as the enterprise and indicator templates."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.techmarket.importer import SPECS
from tests.visible_text import text_problems

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", list(SPECS))
def test_template_dropdowns_offer_chinese_labels(client_as, kind):
    response = client_as("bureau_staff").get(reverse("techmarket:import_template", args=[kind]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    choices = [
        value
        for validation in sheet.data_validations.dataValidation
        if validation.type == "list"
        for value in (validation.formula1 or "").strip('"').split(",")
    ]
    assert choices
    assert not text_problems("\n".join(choices)), choices
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in value) for value in choices), choices
