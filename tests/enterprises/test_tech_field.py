"""The high-tech field is one code list shared with the technology market (kechuang.core.codes.TechField): the
register stores codes, the import reads a label, a code or the catalogue's heading, and the migration that turned
the old free text into codes keeps what it could not read."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from kechuang.core.codes import TechField
from kechuang.core.imports import parse_cell
from kechuang.enterprises import importer, services
from kechuang.enterprises.models import Enterprise
from kechuang.enterprises.population import TECH_FIELDS, credit_code
from kechuang.techmarket.models import Achievement, Demand, Expert

MIGRATION = importlib.import_module("kechuang.enterprises.migrations.0004_tech_field_codes")


def test_both_apps_use_the_one_code_list():
    for model, name in ((Enterprise, "tech_field"), (Achievement, "field"), (Demand, "field"), (Expert, "field")):
        assert model._meta.get_field(name).choices == TechField.choices, model
    assert {code for code, _weight in TECH_FIELDS} == set(TechField.values)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("new_materials", "new_materials"),
        ("新材料", "new_materials"),
        ("Aerospace", "aerospace"),
        ("四、新材料（陶瓷）", "new_materials"),
        ("八、先进制造与自动化 / （五）新型机械", "advanced_manufacturing"),
        ("生物与新医药技术", "biomedicine"),
        ("应用软件开发", "electronic_info"),
        ("新能源汽车材料", ""),  # two fields named: not guessed
        ("其他", ""),
        ("", ""),
    ],
)
def test_migration_reads_a_code_from_free_text(text, code):
    assert MIGRATION.read_code(text) == code


@pytest.mark.django_db
def test_migration_keeps_the_text_it_cannot_read_or_that_says_more(persona, unit):
    texts = {"plain": "新材料", "detail": "八、先进制造与自动化 / （五）新型机械", "unknown": "其他"}
    ids = {}
    for i, (key, text) in enumerate(texts.items()):
        firm = services.enterprise_create(
            actor=persona("bureau_staff"),
            region=unit("zhangdian"),
            credit_code=credit_code("370302", 990 + i),
            name=key,
        )
        Enterprise.objects.filter(pk=firm.pk).update(tech_field=text)  # as stored before the code list
        ids[key] = firm.pk
    MIGRATION.to_codes(apps, None)
    got = {key: Enterprise.objects.values_list("tech_field", "tech_field_note").get(pk=pk) for key, pk in ids.items()}
    assert got == {
        "plain": ("new_materials", ""),
        "detail": ("advanced_manufacturing", "八、先进制造与自动化 / （五）新型机械"),
        "unknown": ("", "其他"),
    }
    MIGRATION.to_text(apps, None)
    back = dict(Enterprise.objects.filter(pk__in=ids.values()).values_list("name", "tech_field"))
    assert back == {"plain": "新材料", "detail": "八、先进制造与自动化 / （五）新型机械", "unknown": "其他"}


@pytest.mark.parametrize("cell", ["新材料", "New materials", "new_materials", "四、新材料"])
def test_import_column_takes_the_label_the_code_or_the_heading(cell):
    column = next(c for c in importer.SHEETS["enterprises"]["columns"] if c.key == "tech_field")
    assert parse_cell(column, cell, {}) == TechField.NEW_MATERIALS


def test_import_column_refuses_an_unknown_field():
    column = next(c for c in importer.SHEETS["enterprises"]["columns"] if c.key == "tech_field")
    with pytest.raises(ValueError, match="新材料"):
        parse_cell(column, "陶瓷", {})


@pytest.mark.django_db
def test_list_filters_and_shows_the_field_by_its_code(persona, unit, client_as):
    staff = persona("bureau_staff")
    for i, field in enumerate((TechField.NEW_MATERIALS, TechField.AEROSPACE)):
        services.enterprise_create(
            actor=staff, region=unit("zhangdian"), credit_code=credit_code("370302", 980 + i), name=f"领域{i}",
            tech_field=field,
        )  # fmt: skip
    response = client_as("bureau_staff").get(reverse("enterprises:list"), {"field": "aerospace"})
    assert [e.name for e in response.context["page"].object_list] == ["领域1"]
    assert "航空航天" in response.content.decode()
    api = client_as("bureau_staff").get("/api/enterprises", {"field": "aerospace"}).json()
    items = api["items"] if isinstance(api, dict) else api
    assert [(e["tech_field"], e["tech_field_label"]) for e in items] == [("aerospace", "航空航天")]
