"""The talent register: ID numbers checked, encrypted at rest, found by blind index, masked on screen and in
exports, unmasked only with a reason (logged); district scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from kechuang.core.models import AuditEntry
from kechuang.talent import services
from kechuang.talent.models import Talent
from tests.talent import factories as f

pytestmark = pytest.mark.django_db


def test_bad_check_digit_is_refused_naming_the_field(persona, unit):
    bad = f.id_number(1)[:-1] + ("0" if f.id_number(1)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        f.talent(persona("bureau_staff"), unit("zhangdian"), id_number=bad)
    assert "id_number" in exc.value.message_dict
    assert not Talent.objects.exists()


def test_id_number_encrypted_at_rest_and_found_by_blind_index(persona, unit):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM talent_talent")
        raw_id, raw_phone = cursor.fetchone()
    assert f.id_number(7) not in raw_id and raw_id.startswith("v1:")
    assert "13805330007" not in raw_phone
    # lower-case x and blanks find the same row; derived birth date and gender
    assert services.talent_by_id_number(persona("bureau_staff"), f" {f.id_number(7).lower()} ") == t
    assert t.birth_date.year == 1985
    # the audit diff holds the masked number only
    entry = AuditEntry.objects.filter(object_type="talent.talent").latest("id")
    assert f.id_number(7) not in str(entry.changes)


def test_duplicate_id_number_refused(persona, unit):
    f.talent(persona("bureau_staff"), unit("zhangdian"), n=3)
    with pytest.raises(ValidationError) as exc:
        f.talent(persona("bureau_staff"), unit("zichuan"), n=3, phone="13900000000")
    assert "id_number" in exc.value.message_dict


def test_district_scope(persona, unit, client_as):
    own = f.talent(persona("bureau_staff"), unit("zhangdian"), n=1)
    other = f.talent(persona("bureau_staff"), unit("zichuan"), n=2)
    officer = persona("zhangdian_officer")
    assert services.talent_by_id_number(officer, f.id_number(2)) is None
    with pytest.raises(PermissionDenied):
        f.talent(officer, unit("zichuan"), n=4)
    client = client_as("zhangdian_officer")
    assert client.get(reverse("talent:detail", args=[other.pk])).status_code == 404
    body = client.get(reverse("talent:list")).content.decode()
    assert own.name in body and other.name not in body


def test_masked_in_list_detail_and_export(persona, unit, client_as):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=5)
    client = client_as("bureau_staff")
    for url in (reverse("talent:list"), reverse("talent:detail", args=[t.pk])):
        body = client.get(url).content.decode()
        assert f.id_number(5) not in body and "13805330005" not in body
        assert f.id_number(5)[:6] + "********" in body
    response = client.get(reverse("talent:export"))
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert f.id_number(5) not in cells and "13805330005" not in cells


def test_unmask_needs_a_reason_and_is_logged(persona, unit, client_as):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=6)
    client = client_as("bureau_staff")
    url = reverse("core:unmask", args=["talent.talent", t.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "办理人才卡核验"})
    assert f.id_number(6) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.filter(action="unmask", object_type="talent.talent").latest("id")
    assert entry.detail["reason"] == "办理人才卡核验" and "id_number" in entry.detail["fields"]
    # the leader may never unmask
    assert client_as("leader").post(url, {"reason": "看看号码"}).status_code == 403


def test_lookup_by_id_number_on_the_list_page(persona, unit, client_as):
    t = f.talent(persona("bureau_staff"), unit("zhangdian"), n=8)
    response = client_as("bureau_staff").get(reverse("talent:list"), {"id_number": f.id_number(8)})
    assert response.status_code == 302 and response["Location"] == reverse("talent:detail", args=[t.pk])


def test_form_round_trip_shows_the_field_error(persona, unit, client_as):
    client = client_as("zhangdian_officer")
    data = {
        "name": "张三",
        "nationality": "中国",
        "id_type": "resident",
        "id_number": "370303198503150010",
        "employer_credit_code": f.credit_code(1),
        "region": unit("zhangdian").pk,
        "mode": "full_time",
    }
    response = client.post(reverse("talent:create"), data)
    assert response.status_code == 200 and "GB 11643" in response.content.decode()
    data["id_number"] = f.id_number(9)
    response = client.post(reverse("talent:create"), data)
    assert response.status_code == 302


def _workbook(rows):
    import xlsxwriter

    from kechuang.talent.importer import COLUMNS, TITLE

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(TITLE)
    for c, col in enumerate(COLUMNS):
        ws.write(0, c, col.label)
    for r, row in enumerate(rows, start=1):
        for c, col in enumerate(COLUMNS):
            ws.write(r, c, row.get(col.key, ""))
    book.close()
    return buffer.getvalue()


def test_import_is_all_or_nothing_and_names_the_row(persona):
    from kechuang.core import imports

    good = {"name": "李四", "id_number": f.id_number(11), "employer_credit_code": f.credit_code(1), "region": "张店区"}
    bad = {**good, "name": "王五", "id_number": f.id_number(12)[:-1] + "0"}
    if bad["id_number"] == f.id_number(12):
        bad["id_number"] = f.id_number(12)[:-1] + "1"
    job = imports.import_now(
        "talent", actor=persona("zhangdian_officer"), filename="t.xlsx", data=_workbook([good, bad])
    )
    assert not Talent.objects.exists()
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "id_number")]
    other = {**good, "region": "淄川区"}  # another district's region is refused for a district officer
    job = imports.import_now("talent", actor=persona("zhangdian_officer"), filename="t.xlsx", data=_workbook([other]))
    assert not Talent.objects.exists() and job.errors[0]["field"] == "region"
    imports.import_now("talent", actor=persona("zhangdian_officer"), filename="t.xlsx", data=_workbook([good]))
    assert services.talent_by_id_number(persona("bureau_staff"), f.id_number(11)).name == "李四"
