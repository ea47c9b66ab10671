"""Defect 14 on the enterprise page: rule ids (`tech_sme/2017-115`), IP case keys (`class_II_1`), missing facts
as field codes (`niche_market_share_pct`), the route `direct:hte_cert` and a note naming `conversions_3y`."""

from __future__ import annotations

import re

import pytest

from kechuang.core.models import OrgUnit
from kechuang.enterprises.demo import load_population
from kechuang.enterprises.ladder.facts import KNOWN_FIELDS
from kechuang.enterprises.ladder.labels import FACT_LABELS, fact_label
from kechuang.enterprises.models import Enterprise
from kechuang.enterprises.services import ladder_evaluate, ladder_evaluate_register
from tests.visible_text import visible_text, visible_text_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(db):
    load_population(OrgUnit.objects.get(code="zibo", parent=None), 40, seed=7)
    ladder_evaluate_register()
    return list(Enterprise.objects.order_by("credit_code"))


def test_every_facts_field_has_a_label():
    for name in KNOWN_FIELDS:
        assert name in FACT_LABELS, name
    assert fact_label("rd_expense_wan.2025") == "研发费用（万元）（2025年）"
    assert fact_label("niche_market_share_pct", "en") == "Niche market share (%)"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_enterprise_page_shows_no_rule_ids_case_keys_or_field_codes(population, client_as, language):
    client = client_as("bureau_staff")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    seen_missing = False
    for enterprise in population:
        html = client.get(f"/enterprises/{enterprise.credit_code}/").content.decode()
        problems = visible_text_problems(html)
        assert not problems, (enterprise.credit_code, problems)
        text = visible_text(html)
        assert "tech_sme/" not in text and "direct:" not in text
        _, results = ladder_evaluate(enterprise)
        for result in results:
            for path in result.missing:
                seen_missing = True
                assert fact_label(path, language) in text, path
    assert seen_missing  # the generated population has firms with facts to supply


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_ladder_reads_in_english(population, client_as):
    """Defect 14: tier names, criterion names and gap sentences stayed Chinese when the UI language is English."""
    client = client_as("bureau_staff")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    gaps_seen = 0
    for enterprise in population[:15]:
        html = client.get(f"/enterprises/{enterprise.credit_code}/").content.decode()
        heads = re.findall(r'<div class="step-head">\s*<strong>([^<]*)</strong>', html)
        assert heads and not any(CJK.search(h) for h in heads), heads
        for gap in re.findall(r'<ul class="gaps">(.*?)</ul>', html, re.S):
            text = visible_text(gap)
            gaps_seen += 1
            assert not CJK.search(text), text
        names = re.findall(r'<tr class="crit-[a-z]+">\s*<td>([^<]*)', html)
        assert names and not any(CJK.search(n) for n in names), [n for n in names if CJK.search(n)]
    assert gaps_seen


def test_reserve_pool_reads_in_english(population, client_as):
    client = client_as("bureau_staff")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    seen = 0
    for tier in ("tech_sme", "high_tech", "innovative_sme", "specialized_sme"):
        html = client.get(f"/enterprises/reserve/?tier={tier}").content.decode()
        for gap in re.findall(r'<ul class="gaps">(.*?)</ul>', html, re.S):
            seen += 1
            assert not CJK.search(visible_text(gap)), visible_text(gap)
    assert seen
