"""Foreign experts, their visits and 引智 projects: forms through the services (scope, audit), visits counted as
person-visits in the quota, the outcomes library, and the all-or-nothing Excel import naming sheet, row and column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kechuang.core import imports
from kechuang.core.models import AuditEntry
from kechuang.talent import selectors, services
from kechuang.talent.foreign_import import SHEETS
from kechuang.talent.models import ForeignExpert, ForeignProject, Visit
from tests.talent import factories as f

pytestmark = pytest.mark.django_db
THIS_YEAR = dt.date.today().year


def passport(n: int) -> str:
    return f"E{n:08d}"


@pytest.fixture
def people(persona, unit):
    staff = persona("bureau_staff")
    return {
        "smith": f.talent(
            staff,
            unit("zhangdian"),
            n=1,
            name="John Smith",
            id_type="passport",
            id_number=passport(1),
            nationality="英国",
        ),
        "sato": f.talent(
            staff,
            unit("zichuan"),
            n=2,
            name="Kenji Sato",
            id_type="passport",
            id_number=passport(2),
            nationality="日本",
        ),
    }


def _visits_quota(user) -> int:
    return next(q for q in selectors.quota_progress(user, THIS_YEAR) if q["key"] == "visits")["value"]


def test_forms_record_an_expert_a_visit_and_a_project_the_visit_counts(people, unit, persona, client_as):
    client = client_as("zhangdian_officer")
    before = _visits_quota(persona("bureau_staff"))
    response = client.post(
        reverse("talent:foreign_expert_create"),
        {"talent": people["smith"].pk, "host_credit_code": f.credit_code(5), "region": unit("zhangdian").pk},
    )
    assert response.status_code == 302
    expert = ForeignExpert.objects.get(talent=people["smith"])
    # the same talent twice: refused naming the field
    response = client.post(
        reverse("talent:foreign_expert_create"),
        {"talent": people["smith"].pk, "host_credit_code": f.credit_code(5), "region": unit("zhangdian").pk},
    )
    assert response.status_code == 200 and "talent" in response.context["form"].errors
    arrived = dt.date(THIS_YEAR, 1, 10)
    response = client.post(
        reverse("talent:visit_create"),
        {"expert": expert.pk, "arrived_on": arrived.isoformat(), "left_on": "", "purpose": "技术交流"},
    )
    assert response.status_code == 302 and Visit.objects.filter(expert=expert).count() == 1
    # one stay = one person-visit, in the board's quota (and the indicator feed, the same count)
    assert _visits_quota(persona("bureau_staff")) == before + 1
    # a departure before the arrival is refused naming the field
    response = client.post(
        reverse("talent:visit_create"),
        {"expert": expert.pk, "arrived_on": arrived.isoformat(), "left_on": "2000-01-01", "purpose": ""},
    )
    assert response.status_code == 200 and "left_on" in response.context["form"].errors
    response = client.post(
        reverse("talent:project_create"),
        {
            "title": "陶瓷釉料引智项目",
            "host_credit_code": f.credit_code(5),
            "region": unit("zhangdian").pk,
            "level": "city",
            "year": THIS_YEAR,
            "funding_wan": "20",
            "experts": [expert.pk],
            "outcomes": "新釉料配方1项",
            "in_library": "on",  # not the district's to decide: the field is not on its form
        },
    )
    assert response.status_code == 302
    project = ForeignProject.objects.get(title="陶瓷釉料引智项目")
    assert list(project.experts.all()) == [expert] and not project.in_library
    assert AuditEntry.objects.filter(object_type="talent.foreignproject", object_id=str(project.pk)).exists()
    # the bureau shares it in the outcomes library, where every reader finds it
    services.project_update(actor=persona("bureau_staff"), project=project, in_library=True)
    page = client_as("zichuan_officer").get(reverse("talent:outcomes")).content.decode()
    assert "新釉料配方1项" in page


def test_scope_of_the_forms(people, unit, persona, client_as):
    staff = persona("bureau_staff")
    far = services.foreign_expert_create(
        actor=staff, talent=people["sato"], host_credit_code=f.credit_code(6), region=unit("zichuan")
    )
    visit = services.visit_create(actor=staff, expert=far, arrived_on=dt.date(THIS_YEAR, 2, 1))
    client = client_as("zhangdian_officer")
    assert client.get(reverse("talent:visit_edit", args=[visit.pk])).status_code == 404
    page = client.get(reverse("talent:visit_create")).content.decode()
    assert "Kenji Sato" not in page  # another district's expert is not offered
    with pytest.raises(PermissionDenied):
        services.visit_create(actor=persona("zhangdian_officer"), expert=far, arrived_on=dt.date(THIS_YEAR, 3, 1))
    with pytest.raises(PermissionDenied):
        services.foreign_expert_create(
            actor=persona("zhangdian_officer"),
            talent=people["smith"],
            host_credit_code=f.credit_code(6),
            region=unit("zichuan"),
        )
    # the API lists are scoped the same way
    assert client.get("/api/talent-visits").json()["items"] == []
    assert client.get("/api/talent-foreign-experts").json()["items"] == []
    staff_rows = client_as("bureau_staff").get("/api/talent-visits").json()["items"]
    assert [v["id"] for v in staff_rows] == [visit.pk] and staff_rows[0]["region"] == "zichuan"
    client = client_as("zhangdian_officer")
    assert client_as("leader").get(reverse("talent:project_create")).status_code == 403
    assert client_as("lead_officer").get(reverse("talent:visit_create")).status_code == 403
    # the edit form keeps the expert it had (round trip)
    staff_client = client_as("bureau_staff")
    response = staff_client.post(
        reverse("talent:visit_edit", args=[visit.pk]),
        {"expert": far.pk, "arrived_on": f"{THIS_YEAR}-02-01", "left_on": f"{THIS_YEAR}-02-20", "purpose": "讲学"},
    )
    visit.refresh_from_db()
    assert response.status_code == 302 and visit.left_on == dt.date(THIS_YEAR, 2, 20)


def _book(sheets: dict[str, list[dict]]) -> bytes:
    import xlsxwriter

    columns = dict(SHEETS)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for title, rows in sheets.items():
        ws = book.add_worksheet(title)
        for c, col in enumerate(columns[title]):
            ws.write(0, c, col.label)
        for r, row in enumerate(rows, start=1):
            for c, col in enumerate(columns[title]):
                ws.write(r, c, row.get(col.key, ""))
    book.close()
    return buffer.getvalue()


def test_import_is_all_or_nothing_and_names_sheet_row_and_column(people, persona):
    officer = persona("zhangdian_officer")
    expert_row = {"id_number": passport(1), "host_credit_code": f.credit_code(5), "region": "张店区"}
    visit_row = {"id_number": passport(1), "arrived_on": f"{THIS_YEAR}-03-01", "purpose": "联合研发"}
    project_row = {
        "title": "引智示范项目",
        "host_credit_code": f.credit_code(5),
        "region": "张店区",
        "level": "市级",
        "year": THIS_YEAR,
        "experts": passport(1),
    }
    bad = {
        "外国专家": [expert_row, {**expert_row, "id_number": passport(2), "region": "淄川区"}],
        "来访": [visit_row, {**visit_row, "arrived_on": "三月"}],
        "引智项目": [project_row, {**project_row, "level": "乡级", "experts": passport(99)}],
    }
    job = imports.import_now("talent_foreign", actor=officer, filename="f.xlsx", data=_book(bad))
    found = {(e["sheet"], e["row"], e["column"]) for e in job.errors}
    assert ("外国专家", 3, "所在区县") in found  # another district's region
    assert ("来访", 3, "来访日期") in found  # not a date
    assert ("引智项目", 3, "项目级别") in found and ("引智项目", 3, "外国专家证件号码") in found
    assert not ForeignExpert.objects.exists() and not Visit.objects.exists() and not ForeignProject.objects.exists()
    # a visit of an expert nobody recorded: named too
    job = imports.import_now("talent_foreign", actor=officer, filename="f.xlsx", data=_book({"来访": [visit_row]}))
    assert [(e["sheet"], e["row"], e["field"]) for e in job.errors] == [("来访", 2, "id_number")]
    good = {"外国专家": [expert_row], "来访": [visit_row, visit_row], "引智项目": [project_row]}
    before = _visits_quota(persona("bureau_staff"))
    job = imports.import_now("talent_foreign", actor=officer, filename="f.xlsx", data=_book(good))
    assert not job.errors
    expert = ForeignExpert.objects.get(talent=people["smith"])
    assert expert.visits.count() == 2 and list(ForeignProject.objects.get().experts.all()) == [expert]
    assert _visits_quota(persona("bureau_staff")) == before + 2


def test_template_has_the_three_sheets(client_as):
    from python_calamine import CalamineWorkbook

    response = client_as("zhangdian_officer").get(reverse("talent:foreign_import_template"))
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["外国专家", "来访", "引智项目"]


@pytest.mark.parametrize(("field", "value"), [("funding_wan", "-20"), ("year", "0"), ("year", "30000"), ("year", "-1")])
def test_a_project_with_a_negative_funding_or_an_impossible_year_is_refused(people, unit, client_as, field, value):
    """The project form skips the model's own checks (its `_post_clean`), and the service's full_clean had nothing
    to check: −20 万元 of funding or the year 0 was saved (and year 0 then sent the page to ?year=0)."""
    good = {
        "title": "负数经费项目",
        "host_credit_code": f.credit_code(5),
        "region": unit("zhangdian").pk,
        "level": "city",
        "year": THIS_YEAR,
        "funding_wan": "20",
        "outcomes": "",
    }
    response = client_as("zhangdian_officer").post(reverse("talent:project_create"), good | {field: value})
    assert response.status_code == 200, response.get("Location")
    assert field in response.context["form"].errors
    assert not ForeignProject.objects.filter(title="负数经费项目").exists()


@pytest.mark.parametrize(("language", "wording"), [("zh-hans", "外国专家来访"), ("en", "Foreign-expert visits")])
def test_the_visits_page_is_titled_as_its_menu_entry(client_as, language, wording):
    """The page at /talent/foreign-experts/ lists visits: its title, heading and menu entry say the same."""
    response = client_as("bureau_staff").get(reverse("talent:visits"), HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith(f"{wording} ·"), title
    assert f"<h1>{wording}</h1>" in html
