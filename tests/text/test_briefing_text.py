"""Defect 14: the indicator briefing's generated sentences stayed Chinese in the English interface."""

from __future__ import annotations

import re

import pytest

from kechuang.core.models import OrgUnit
from tests.visible_text import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator_demo(db):
    from kechuang.indicators.demo import load_demo

    return load_demo(OrgUnit.objects.get(code="zibo", parent=None))


def _sentence(client, language: str) -> str:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    html = client.get("/indicators/high_tech_enterprises/").content.decode()
    match = re.search(r'<p class="ind-sentence" data-testid="sentence">(.*?)</p>', html, re.S)
    assert match, "the indicator page has its generated sentence"
    return visible_text(match.group(1))


def test_generated_sentence_follows_the_interface_language(indicator_demo, client_as):
    client = client_as("bureau_staff")
    chinese = _sentence(client, "zh-hans")
    assert "年为" in chinese and "状态：" in chinese
    english = _sentence(client, "en")
    assert " was " in english and "Status:" in english
    # Only the data's own words (the indicator's name, its unit) stay Chinese.
    words = re.sub(r"高新技术企业数量|家", "", english)
    assert not re.search(r"[\u4e00-\u9fff]", words), english
