"""Every page renders for every role in a bounded number of queries; the layout is Chinese first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kechuang.core import services
from tests.conftest import PERSONAS, page_heading

pytestmark = pytest.mark.django_db

# The cockpit gathers every module's cards, so it gets a larger (still fixed) budget: 40 with four modules, 60 with the
# platforms, talent, projects and finance cards (measured 55 for a district officer, 2026-12-07).
QUERY_BUDGET = {"cockpit": 60}
PAGES = [
    ("cockpit", {}),
    ("policy:overview", {}),
    ("policy:department_list", {}),
    ("policy:search", {}),
    ("core:org_units", {}),
    ("core:liaison_list", {}),
]


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize(("url_name", "kwargs"), PAGES)
def test_pages_render_for_every_role(client_as, django_assert_max_num_queries, name, url_name, kwargs):
    client = client_as(name)
    with django_assert_max_num_queries(QUERY_BUDGET.get(url_name, 25)):
        response = client.get(reverse(url_name, kwargs=kwargs))
    page_heading(response)


@pytest.mark.parametrize("url", ["/policy/tasks/8/", "/policy/departments/science_tech/", "/policy/search/?q=孵化器"])
def test_detail_pages_bounded_queries(client_as, django_assert_max_num_queries, url):
    client = client_as("bureau_staff")
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_liaison_list_queries_do_not_grow_with_rows(client_as, django_assert_max_num_queries, persona, unit):
    for i in range(30):
        services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("linzi"), name=f"联络员{i}")
    client = client_as("bureau_staff")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("core:liaison_list"), {"size": 100}).status_code == 200


def test_cockpit_in_chinese_with_headline_targets(client_as):
    html = client_as("leader").get("/").content.decode()
    assert "驾驶舱" in html and "淄科发〔2023〕22号" in html
    for text in ("≥ 600 家", "&gt; 3000 家", "&gt; 2000 家", "≥ 60 %", "2027-12-31", "市科技局"):
        assert text in html, text
    assert 'data-testid="days-to-end"' in html


def test_language_switch_to_english(client_as):
    client = client_as("leader")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Cockpit" in html and "Headline targets" in html and "驾驶舱" not in html


def test_navigation_lists_only_built_modules(client_as):
    html = client_as("bureau_staff").get("/").content.decode()
    assert reverse("policy:overview") in html and reverse("core:liaison_list") in html
    assert reverse("core:audit_log") not in html  # the audit administrator's only
    assert reverse("core:audit_log") not in client_as("bureau_admin").get("/").content.decode()
    auditor = client_as("auditor").get("/", follow=True).content.decode()
    assert reverse("core:audit_log") in auditor and reverse("policy:overview") not in auditor


def test_overview_has_sections_tasks_departments_and_targets(client_as):
    html = client_as("leader").get(reverse("policy:overview")).content.decode()
    assert html.count('data-testid="task"') == 25
    assert "推进高能级创新平台建设" in html and "市发展改革委" in html and "≥ 600 家" in html


def test_task_page(client_as):
    html = client_as("leader").get("/policy/tasks/11/").content.decode()
    assert "强化科技人才梯次培育" in html and "每两年" in html
    assert "市委组织部" in html and "≈ 50 人" in html


def test_department_page_lists_lead_and_support(client_as):
    html = client_as("leader").get("/policy/departments/finance/").content.decode()
    assert "探索创新科研任务组织方式" in html  # task 5: supports
    assert "推动国有企业创新示范" in html  # task 10: co-lead


def test_search_highlights_and_escapes(client_as):
    client = client_as("leader")
    html = client.get(reverse("policy:search"), {"q": "揭榜挂帅"}).content.decode()
    assert "<mark>揭榜挂帅</mark>" in html and 'data-testid="search-hit"' in html
    html = client.get(reverse("policy:search"), {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_unknown_task_is_404(client_as):
    assert client_as("leader").get("/policy/tasks/99/").status_code == 404


@pytest.mark.parametrize("who, linked", [("sysadmin", False), ("bureau_staff", True)])
def test_the_org_units_page_links_a_department_only_where_its_page_opens(client_as, who, linked):
    """The system administrator keeps the organisation tree but may not open the policy's department pages (the
    duty middleware answers 403), so the tree names the departments without linking them."""
    import re

    client = client_as(who)
    html = client.get(reverse("core:org_units")).content.decode()
    links = set(re.findall(r'href="(/policy/departments/[^"]+/)"', html))
    assert bool(links) == linked
    assert all(client.get(link).status_code == 200 for link in links)
    assert "市科技局" in html
