"""Every link of a data set's page opens for its reader: the page linked each of the data set's indicators, and
an indicator of another department answers 404 for a department officer (the catalogue's rule,
indicators.selectors.department_codes)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kechuang.indicators.demo import load_demo
from kechuang.indicators.models import DataSet
from tests.conftest import loaded_once
from tests.core.walk import closed_links

demo_once = loaded_once(load_demo)


@pytest.fixture
def demo(demo_once, db) -> str:
    return demo_once


@pytest.mark.parametrize("who", ["supporting_officer", "zhangdian_officer", "bureau_staff"])
def test_every_link_of_every_data_set_page_opens(demo, client_as, who):
    client = client_as(who)
    codes = list(DataSet.objects.values_list("code", flat=True))
    assert codes
    seen: set[str] = set()  # each distinct link followed once (every page repeats the menu and many indicators)
    closed = {
        code: links
        for code in codes
        if (links := closed_links(client, reverse("indicators:data_set", args=[code]), seen))
    }
    assert closed == {}


def test_an_indicator_the_officer_may_not_open_is_named_not_linked(demo, client_as):
    data_set = DataSet.objects.prefetch_related("indicators__departments").get(code="regions-quarterly")
    text = client_as("supporting_officer").get(reverse("indicators:data_set", args=[data_set.code])).content.decode()
    for indicator in data_set.indicators.all():
        assert indicator.name in text
        own = any(d.code == "education" for d in indicator.departments.all())
        assert (reverse("indicators:detail", args=[indicator.code]) in text) == own, indicator.code
