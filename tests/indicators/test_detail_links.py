"""Every link of an indicator page opens for its reader: the page of college students per 10,000 people linked its
component population_10k (the statistics bureau's), which answers 404 for the education department's officer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.core.walk import closed_links

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["supporting_officer", "bureau_staff", "leader", "zhangdian_officer"])
def test_every_link_of_a_derived_indicator_page_opens(catalogue, client_as, who):
    client = client_as(who)
    assert closed_links(client, reverse("indicators:detail", args=["college_students_per_10k"])) == []


def test_a_component_the_reader_may_open_stays_linked(catalogue, client_as):
    page = client_as("supporting_officer").get(reverse("indicators:detail", args=["college_students_per_10k"]))
    text = page.content.decode()
    assert reverse("indicators:detail", args=["college_students"]) in text  # 市教育局's own component
    assert reverse("indicators:detail", args=["population_10k"]) not in text
    assert catalogue["population_10k"].name in text  # named, not linked
