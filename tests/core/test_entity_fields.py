"""Issue 11: one field declaration per entity (core/entity_fields.py). Every use of an entity — its form, import
template, list export, API schemas and detail page — shows exactly the fields its declaration lists, so a field added
to the model and to the declaration shows everywhere without editing any of them.

A module that declares an entity's fields adds a line to `CASES` (a declaration without one fails)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation

from kechuang.api import api
from kechuang.core.entity_fields import (
    API_IN,
    API_OUT,
    DETAIL,
    EXPORT,
    FORM,
    IMPORT,
    EntityField,
    EntityFields,
)
from kechuang.techmarket.forms import ACHIEVEMENT_TEXT_INPUTS, AchievementForm, DemandForm
from kechuang.techmarket.importer import SPECS
from kechuang.techmarket.models import ACHIEVEMENT_FIELDS, DEMAND_FIELDS, Demand
from tests.techmarket import factories as f


@dataclass(frozen=True)
class Case:
    declaration: EntityFields
    form: type
    form_inputs: dict[str, str]  # model field → the form input that holds it, where they differ
    import_kind: str
    export: str  # URL name
    schemas: dict[str, str]  # schema name → use (API_IN or API_OUT)
    detail: str  # URL name
    make: Callable[[], Any]
    # A module with its own importer gives its column keys; the export's first cell; columns the export adds after the
    # declared ones (the loan list's "tech-SME number lost").
    import_keys: Callable[[], list[str]] | None = None
    first_cell: Callable[[Any], Any] = lambda obj: obj.title
    extra_export_columns: int = 0


CASES = [
    Case(
        DEMAND_FIELDS,
        DemandForm,
        {},
        "demand",
        "techmarket:demand_export",
        {"DemandIn": API_IN, "DemandOut": API_OUT},
        "techmarket:demand",
        lambda: f.demand(deadline=None, status_reason="补充材料后再发布"),
    ),
    Case(
        ACHIEVEMENT_FIELDS,
        AchievementForm,
        ACHIEVEMENT_TEXT_INPUTS,
        "achievement",
        "techmarket:achievement_export",
        {"AchievementIn": API_IN, "AchievementOut": API_OUT, "AchievementPatch": API_IN},
        "techmarket:achievement",
        lambda: f.achievement(patent_numbers=["ZL202110123456.7"], transfer_modes=["licence"]),
    ),
]


def _loan():
    from decimal import Decimal

    from kechuang.core.models import OrgUnit
    from kechuang.enterprises.models import Enterprise
    from kechuang.enterprises.population import credit_code
    from kechuang.finance.models import Loan

    region = OrgUnit.objects.get(code="zhangdian", parent__parent=None)
    firm = Enterprise.objects.create(credit_code=credit_code("370303", 4242), name="声明测试企业", region=region)
    return Loan.objects.create(
        product="lukedai",
        bank="测试银行",
        credit_code=firm.credit_code,
        enterprise_name=firm.name,
        region=region,
        amount_wan=Decimal("500.00"),
        rate_pct=Decimal("3.45"),
        term_months=12,
        purpose="rd",
        month=dt.date(2026, 3, 1),
        note="备注",
    )


def _loan_case() -> Case:
    from kechuang.finance.forms import LoanForm
    from kechuang.finance.importer import columns
    from kechuang.finance.models import LOAN_FIELDS

    return Case(
        LOAN_FIELDS,
        LoanForm,
        {},
        "",
        "finance:loan_export",
        {"LoanIn": API_IN, "LoanOut": API_OUT, "LoanPatch": API_IN},
        "finance:loan",
        _loan,
        import_keys=lambda: [c.key for c in columns()],
        first_cell=lambda obj: obj.get_product_display(),
        extra_export_columns=1,
    )


CASES.append(_loan_case())
IDS = [c.declaration.model.__name__ for c in CASES]


def _declarations() -> list[EntityFields]:
    found = []
    for config in apps.get_app_configs():
        if config.name.startswith("kechuang.") and config.models_module is not None:
            found += [
                v for v in vars(import_module(config.models_module.__name__)).values() if isinstance(v, EntityFields)
            ]
    return found


def test_every_declaration_has_a_case():
    assert {id(d) for d in _declarations()} == {id(c.declaration) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_form_shows_the_declared_fields_in_order(case):
    expected = [case.form_inputs.get(n, n) for n in case.declaration.names(FORM)]
    assert list(case.form.base_fields) == expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_import_template_has_a_column_per_declared_field(case):
    keys = case.import_keys() if case.import_keys else [c.key for c in SPECS[case.import_kind].columns]
    declared = case.declaration.names(IMPORT)
    assert keys[: len(declared)] == declared  # extra columns (立即发布) may follow, not replace


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_export_header_is_the_declared_labels(client_as, case):
    obj = case.make()
    response = client_as("bureau_staff").get(reverse(case.export))
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True)]
    with translation.override(settings.LANGUAGE_CODE):
        headers = case.declaration.export_headers()
        assert len(headers) == len(case.declaration.names(EXPORT))
        assert rows[0][: len(headers)] == headers and len(rows[0]) == len(headers) + case.extra_export_columns
    assert len(rows[1]) == len(rows[0]) and rows[1][0] == case.first_cell(obj)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_schemas_have_the_declared_fields(case):
    components = api.get_openapi_schema(path_prefix="/api/")["components"]["schemas"]
    for name, use in case.schemas.items():
        assert set(case.declaration.names(use)) <= set(components[name]["properties"]), name


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_detail_page_shows_every_declared_row(client_as, case):
    obj = case.make()
    page = client_as("bureau_staff").get(reverse(case.detail, args=[obj.pk])).content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        rows = case.declaration.detail_rows(obj)
    assert [r.name for r in rows if r.name in case.declaration.names(DETAIL)] == [r.name for r in rows]
    for row in rows:
        if not row.template:
            assert f"<dt>{row.label}</dt>" in page, row.name
            assert str(row.value or "—").splitlines()[0] in page, row.name


def test_a_field_added_to_a_declaration_shows_in_every_use(db):
    """The mechanism itself: `status_reason`, declared with no exception, reaches all six uses."""
    entries = [e for e in DEMAND_FIELDS.entries if e.name != "status_reason"] + ["status_reason"]
    grown = EntityFields(Demand, entries, orders=DEMAND_FIELDS.orders)
    assert "status_reason" in modelform_factory(Demand, fields=grown.form_fields()).base_fields
    with translation.override("zh-hans"):
        assert grown.export_headers()[-1] == "原因"
    assert [c for c in grown.import_columns(lambda *a: a) if c[0] == "status_reason"] == [
        ("status_reason", "原因", "text", False, None)
    ]
    assert "status_reason" in grown.schema("GrownIn", API_IN).model_fields
    assert grown.schema("GrownIn", API_IN).model_fields["status_reason"].default == ""
    assert "status_reason" in grown.schema("GrownOut", API_OUT).model_fields
    demand = f.demand(status_reason="已补充")
    assert grown.export_row(demand, {"contact_name": str, "contact_phone": str})[-1] == "已补充"
    assert [r.value for r in grown.detail_rows(demand) if r.name == "status_reason"] == ["已补充"]
    row = {name: getattr(demand, name) for name in grown.names(IMPORT)}
    assert grown.build(row).status_reason == "已补充"


def test_a_masked_field_is_never_exported_unmasked_by_default(db):
    with pytest.raises(ValueError, match="contact_name is masked"):
        DEMAND_FIELDS.export_row(f.demand())
    with pytest.raises(ValueError, match="masked"):
        EntityField("contact_phone", masked=True)  # all uses: the API and detail page would show it as stored


def test_an_order_naming_a_field_the_use_does_not_show_is_refused():
    with pytest.raises(ValueError, match="industry_chain"):
        EntityFields(
            Demand,
            ["title", EntityField("industry_chain", uses=frozenset({FORM}))],
            orders={DETAIL: ["industry_chain"]},
        )


def test_a_misspelt_field_fails_at_declaration():
    from django.core.exceptions import FieldDoesNotExist

    with pytest.raises(FieldDoesNotExist):
        EntityFields(Demand, ["titel"])
