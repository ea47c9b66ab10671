"""Defect 13: wrong Chinese labels, and the kind of defect behind them — one English msgid carrying two meanings."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kechuang.core.models import ImportJob
from kechuang.enterprises.models import Enterprise
from kechuang.supervision.models import ProgressReport
from kechuang.techmarket.models import Contract, Demand
from tests.visible_text import visible_text


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def test_rejected_demand_is_not_shown_as_not_imported():
    assert zh(Demand.Status.REJECTED.label) != "未导入"
    assert "驳回" in zh(Demand.Status.REJECTED.label) or "未通过" in zh(Demand.Status.REJECTED.label)
    assert zh(ImportJob.Status.FAILED.label) == "未导入"  # the import job keeps its own word


def test_contract_at_acceptance_is_not_shown_as_approved():
    assert zh(Contract.Status.ACCEPTED.label) == "已受理"
    assert zh(ProgressReport.State.ACCEPTED.label) == "已审核通过"


def test_active_is_on_duty_only_for_liaisons():
    assert zh(Enterprise.Status.ACTIVE.label) == "存续"
    with translation.override("zh-hans"):
        assert "在岗" not in str(translation.gettext("Active"))
        assert translation.pgettext("liaison", "Active") == "在岗"


@pytest.mark.django_db
def test_column_of_district_names_is_not_headed_full_name(client_as):
    client = client_as("bureau_staff")
    html = client.get(reverse("core:org_units"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = visible_text(html)
    assert "张店区" in text
    assert "姓名" not in text
    with translation.override("zh-hans"):
        assert translation.pgettext("person", "Name") == "姓名"  # people keep 姓名
