"""Talent teams: pages (list with filters and export, detail, create and edit), scoped to the leader's district,
written through the services with their audit entries."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEntry
from kechuang.talent import services
from kechuang.talent.models import Team
from tests.talent import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(persona, unit):
    staff = persona("bureau_staff")
    return {
        "lead": f.talent(staff, unit("zhangdian"), n=1, name="张队长"),
        "member": f.talent(staff, unit("zhangdian"), n=2, name="李成员"),
        "far": f.talent(staff, unit("zichuan"), n=3, name="王远方"),
        "far_lead": f.talent(staff, unit("zichuan"), n=4, name="赵领队"),
    }


def test_a_district_creates_a_team_of_its_own_talents(people, persona, client_as):
    client = client_as("zhangdian_officer")
    page = client.get(reverse("talent:team_create")).content.decode()
    assert "张队长" in page and "王远方" not in page  # another district's talents are not offered
    response = client.post(
        reverse("talent:team_create"),
        {"name": "陶瓷新材料团队", "leader": people["lead"].pk, "members": [people["member"].pk], "field": "新材料"},
    )
    team = Team.objects.get(name="陶瓷新材料团队")
    assert response.status_code == 302 and response["Location"] == reverse("talent:team", args=[team.pk])
    assert list(team.members.all()) == [people["member"]]
    entries = AuditEntry.objects.filter(object_type="talent.team", object_id=str(team.pk))
    assert entries.filter(action="create").exists() and entries.filter(changes__has_key="members").exists()
    # another district's leader or member: refused naming the field, nothing written
    response = client.post(
        reverse("talent:team_create"), {"name": "越权团队", "leader": people["far"].pk, "members": []}
    )
    assert response.status_code == 200 and "leader" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        services.team_create(actor=persona("zhangdian_officer"), name="越权", leader=people["far"])
    with pytest.raises(ValidationError) as err:
        services.team_create(
            actor=persona("zhangdian_officer"), name="越权", leader=people["lead"], members=[people["far"]]
        )
    assert "members" in err.value.message_dict
    assert not Team.objects.filter(name__in=["越权团队", "越权"]).exists()


def test_scope_list_detail_export_and_edit(people, persona, client_as):
    staff = persona("bureau_staff")
    mine = services.team_create(actor=staff, name="张店团队", leader=people["lead"], members=[people["member"]])
    theirs = services.team_create(actor=staff, name="淄川团队", leader=people["far_lead"], members=[people["far"]])
    client = client_as("zhangdian_officer")
    page = client.get(reverse("talent:teams")).content.decode()
    assert "张店团队" in page and "淄川团队" not in page
    assert client.get(reverse("talent:team", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("talent:team_edit", args=[theirs.pk])).status_code == 404
    detail = client.get(reverse("talent:team", args=[mine.pk])).content.decode()
    assert "李成员" in detail and "张队长" in detail
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(reverse("talent:team_export")).streaming_content)))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert "张店团队" in cells and "淄川团队" not in cells
    api = client.get("/api/talent-teams").json()
    assert [t["name"] for t in api["items"]] == ["张店团队"]
    assert client.get(f"/api/talent-teams/{theirs.pk}").status_code == 404
    # the leader reads but does not edit; a department officer does not see district teams
    assert client_as("leader").get(reverse("talent:team_edit", args=[mine.pk])).status_code == 403
    assert client_as("lead_officer").get(reverse("talent:team", args=[mine.pk])).status_code == 404
    # filters
    staff_client = client_as("bureau_staff")
    page = staff_client.get(reverse("talent:teams"), {"region": "zichuan"}).content.decode()
    assert "淄川团队" in page and "张店团队" not in page


def test_edit_keeps_a_member_the_editor_cannot_see_and_archive_needs_a_reason(people, persona, client_as):
    staff = persona("bureau_staff")
    team = services.team_create(
        actor=staff, name="跨区团队", leader=people["lead"], members=[people["member"], people["far"]]
    )
    client = client_as("zhangdian_officer")
    form = client.get(reverse("talent:team_edit", args=[team.pk])).context["form"]
    assert people["far"] in form.fields["members"].queryset  # already on the team, so it stays on a round trip
    client.post(
        reverse("talent:team_edit", args=[team.pk]),
        {
            "name": "跨区创新团队",
            "leader": people["lead"].pk,
            "members": [people["member"].pk, people["far"].pk],
            "field": "",
            "platforms": "",
        },
    )
    team.refresh_from_db()
    assert team.name == "跨区创新团队" and set(team.members.all()) == {people["member"], people["far"]}
    client.post(reverse("talent:team_archive", args=[team.pk]), {"reason": ""})
    team.refresh_from_db()
    assert team.is_active
    client.post(reverse("talent:team_archive", args=[team.pk]), {"reason": "团队解散"})
    team.refresh_from_db()
    assert not team.is_active and team.archived_reason == "团队解散"
