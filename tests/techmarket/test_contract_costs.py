"""Issue 10, defect 2: contracts with non-technical costs (非技术性费用) crashed their page and their saving."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.techmarket.models import Contract, NonTechnicalItem
from tests.techmarket import factories as f
from tests.techmarket.test_pages import _contract_post

pytestmark = pytest.mark.django_db


def test_contract_page_with_non_technical_costs(client_as):
    contract = f.contract()
    NonTechnicalItem.objects.create(
        contract=contract, kind="equipment", description="配套设备", amount_wan=Decimal("20")
    )
    r = client_as("bureau_staff").get(reverse("techmarket:contract", args=[contract.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "配套设备" in body
    # the applicant's technology amount: 100 less the 20 of equipment
    assert r.context["suggested"] == Decimal("80")


def test_contract_saved_with_a_cost_row(client_as):
    data = _contract_post(
        **{
            "item-TOTAL_FORMS": "1",
            "item-0-kind": "equipment",
            "item-0-description": "检测仪器",
            "item-0-quantity": "1",
            "item-0-amount_wan": "15",
        }
    )
    client = client_as("bureau_staff")
    r = client.post(reverse("techmarket:contract_create"), data, follow=True)
    assert r.status_code == 200
    contract = Contract.objects.get(project_name="陶瓷膜过滤技术开发")
    assert [(i.kind, i.amount_wan) for i in contract.non_technical_items.all()] == [("equipment", Decimal("15"))]
    assert r.context["suggested"] == Decimal("105")
