"""The what-if pages on the demo data (issue 14, item 5): high-tech enterprises, the closest 200 reserve-pool firms,
the projection by 2027 and the probability of reaching 2,000; reachable from the target's page and the cockpit.

The expected gain is computed here from the register's own pieces (its reserve pool in its own order, its back-
tested conversion rates), not by the what-if's selector."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kechuang.core.models import OrgUnit
from kechuang.enterprises.selectors import reserve_pool
from kechuang.enterprises.services import ladder_conversion_rates
from kechuang.indicators.whatif import years_left
from tests.conftest import loaded_once
from tests.core.test_reconciliation import read_page
from tests.indicators.conftest import demo_register

URL = "/indicators/high_tech_enterprises/what-if/"


def _register_and_demo(city: OrgUnit) -> OrgUnit:
    from kechuang.indicators.demo import load_demo

    demo_register(city)
    load_demo(city)
    return city


demo_once = loaded_once(_register_and_demo)


@pytest.fixture
def demo(demo_once, db):
    from django.core.cache import cache

    cache.clear()  # the register's conversion rates are cached for an hour: not another module's register's
    return demo_once


# The policy's deadline (2027) is fixed; the suite also runs with the clock moved past it (.ci/run's clock leg),
# where the page says the deadline has passed instead of projecting (test_after_the_deadline_the_page_says_so).
DEADLINE_PASSED = timezone.localdate().year > 2027


def before_the_deadline(test):
    """Skipped once the deadline has passed; `real_clock`: .ci/run also runs it on PostgreSQL on the real clock."""
    return pytest.mark.real_clock(pytest.mark.skipif(DEADLINE_PASSED, reason="the 2027 deadline has passed")(test))


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", ""))


@before_the_deadline
def test_the_closest_200_high_tech_candidates(demo, client_as, persona):
    leader = persona("leader")
    client = client_as("leader")
    page = read_page(client.get(URL + "?firms=200").content.decode())
    closest = list(reserve_pool(leader, "high_tech")[:200])
    assert closest, "the demo register has a high-tech reserve pool"
    rates = ladder_conversion_rates().get("high_tech") or {"one_away": 0.5, "two_away": 0.25}
    years = years_left(timezone.localdate(), 2027)
    expected = sum(1 - (1 - (rates["one_away"] if r.failed == 1 else rates["two_away"])) ** years for r in closest)
    gain = page.block("what-if-gain")
    assert f"{len(closest)} " in gain
    assert number(re.search(r"\+([\d,]+)", gain).group(1)) == pytest.approx(expected, abs=0.5)
    trend = page.block("what-if-trend")
    projection = page.block("what-if-projection")
    trend_value = number(re.search(r"2027\D*([\d,]+)", trend).group(1))
    assert number(re.search(r"2027\D*([\d,]+)", projection).group(1)) == pytest.approx(trend_value + expected, abs=1)
    # the new probability of reaching 2,000, beside the trend forecast's own
    probability = page.block("what-if-probability")
    assert "2000" in probability
    new, alone = (number(p) for p in re.findall(r"(\d+)%", probability))
    assert 0 <= alone <= new <= 100
    # the list of chosen firms: the register's reserve pool in its order, on the page and in the workbook
    names = [r.enterprise.name for r in closest]
    assert names[0] in page.block("what-if-firms")
    response = client.get(URL + "firms.xlsx?firms=200")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == names


@before_the_deadline
def test_zero_firms_is_the_trend_and_more_firms_never_lower_it(demo, client_as):
    client = client_as("bureau_staff")
    values = []
    for firms in (0, 50, 200):
        page = read_page(client.get(URL + f"?firms={firms}").content.decode())
        values.append(number(re.search(r"2027\D*([\d,]+)", page.block("what-if-projection")).group(1)))
        if firms == 0:
            trend = number(re.search(r"2027\D*([\d,]+)", page.block("what-if-trend")).group(1))
            assert values[0] == trend
    assert values == sorted(values)


def test_reachable_from_the_target_page_and_the_cockpit(demo, client_as):
    client = client_as("leader")
    detail = read_page(client.get("/indicators/high_tech_enterprises/").content.decode())
    assert "What-if" in detail.block("what-if-link") or "假设" in detail.block("what-if-link")
    html = client.get("/").content.decode()
    assert f'href="{URL}"' in html
    assert f'href="{URL}"' in client.get("/indicators/high_tech_enterprises/").content.decode()
    # not for a target no register counts
    assert client.get("/indicators/rd_intensity/what-if/").status_code == 404


def test_bad_programme_names_the_field(demo, client_as):
    client = client_as("leader")
    page = read_page(client.get(URL + "?firms=-5").content.decode())
    assert "what-if-projection" not in page.blocks
    assert re.search(r"(支持企业数|Firms supported)", page.text)
    response = client.get(URL + "firms.xlsx?firms=abc")
    assert response.status_code == 302


@before_the_deadline
def test_a_district_officer_chooses_from_their_own_region(demo, client_as):
    client = client_as("zhangdian_officer")
    response = client.get(URL + "firms.xlsx?firms=500")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[1:] and {row[3] for row in rows[1:]} == {"张店区"}


def test_after_the_deadline_the_page_says_so(demo, client_as, persona):
    import time_machine

    with time_machine.travel(dt.datetime(2028, 3, 15, 10, tzinfo=dt.UTC), tick=False):
        # a password changed and a session begun on that day (passwords expire after 90 days, sessions after 8 h)
        type(persona("leader")).objects.filter(pk=persona("leader").pk).update(password_changed_at=timezone.now())
        client = client_as("leader")
        page = read_page(client.get(URL + "?firms=200").content.decode())
    assert "2027" in page.block("what-if-problem") and "已过" in page.block("what-if-problem")
