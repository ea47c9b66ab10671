"""Defect 14: the audit log and every history table showed `core.liaison`, `org_unit_id`, `is_active`, role
codes and UTC times; they show the model's and the field's names, labels and Asia/Shanghai time instead."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from kechuang.core import audit
from kechuang.core.models import Liaison
from tests.visible_text import visible_text, visible_text_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited_liaison(persona, unit):
    liaison = Liaison(org_unit=unit("zhangdian"), name="王建国", position="科长", phone="13553300000")
    audit.save(liaison, actor=persona("bureau_staff"))
    liaison.org_unit = unit("zichuan")
    liaison.is_active = False
    liaison.archived_reason = "调岗"
    audit.save(liaison, actor=persona("bureau_staff"))
    return liaison


def test_audit_log_shows_model_and_field_names_not_codes(edited_liaison, client_as):
    html = client_as("auditor").get("/audit/?object_type=core.liaison").content.decode()
    text = visible_text(html)
    assert not visible_text_problems(html), visible_text_problems(html)
    for code in ("core.liaison", "org_unit_id", "is_active", "archived_reason", "created_at", "bureau_staff"):
        assert code not in text, code
    assert "联络员" in text and "组织机构" in text and "淄川区" in text and "调岗" in text
    assert '<option value="core.liaison" selected>联络员</option>' in html  # the filter: label shown, code sent


def test_liaison_history_shows_field_names_not_codes(edited_liaison, client_as):
    html = client_as("bureau_staff").get(f"/liaisons/{edited_liaison.pk}/").content.decode()
    text = visible_text(html)
    assert not visible_text_problems(html), visible_text_problems(html)
    assert "org_unit_id" not in html and "is_active" not in html.split("<tbody>")[-1]  # not even in <code>
    assert "组织机构:" in text


def test_history_times_are_shanghai_time(client_as, persona):
    """A datetime stored in a change (UTC, ISO) is shown as the local wall-clock time."""
    user = persona("leader")
    audit.record(
        actor=persona("bureau_admin"),
        action=audit.Action.UPDATE,
        obj=user,
        changes={"last_login": [None, "2026-03-01T17:30:00+00:00"]},
    )
    text = visible_text(client_as("auditor").get("/audit/?object_type=core.user").content.decode())
    assert "2026-03-02 01:30:00" in text and "17:30:00" not in text


def test_audit_export_has_labels_and_local_times(edited_liaison, client_as):
    response = client_as("auditor").get("/audit/?object_type=core.liaison&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(min_row=2, values_only=True))
    assert rows
    cells = [str(c) for r in rows for c in r if c is not None]
    assert "联络员" in cells and "core.liaison" not in cells
    assert not any("org_unit_id" in c or "bureau_staff" in c for c in cells), cells
    assert any("组织机构" in c and "淄川区" in c for c in cells)


def test_every_export_writes_datetimes_in_shanghai_time():
    """The shared export cell (core.exports.safe_cell, used by the CSV exports and the report sheets)."""
    import datetime as dt

    from kechuang.core.exports import safe_cell
    from kechuang.core.http import local_datetime_text

    utc = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
    assert safe_cell(utc) == "2026-03-02 01:30:00"
    assert local_datetime_text(utc) == "2026-03-02 01:30" and local_datetime_text(None) == ""
