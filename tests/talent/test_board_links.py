"""Every link of the talent board opens for its reader: the quotas' "Indicator" link answered 404 for the education
department's officer, whose indicator scope has none of the talent indicators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.core.walk import closed_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    from kechuang.core.models import OrgUnit
    from kechuang.indicators.catalogue import catalogue_load

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))


@pytest.mark.parametrize("who", ["supporting_officer", "lead_officer", "bureau_staff"])
def test_every_link_of_the_talent_board_opens(catalogue, client_as, who):
    client = client_as(who)
    assert closed_links(client, reverse("talent:board")) == []


def test_the_indicator_link_stays_where_the_page_opens(catalogue, client_as):
    page = client_as("lead_officer").get(reverse("talent:board")).content.decode()
    assert reverse("indicators:detail", args=["foreign_experts_introduced"]) in page  # 市科技局's own indicator
