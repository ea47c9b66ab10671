"""Data scope over the org-unit tree: a unit's records include those of the units below it, and the
read-only paths (region_reads) never grant a write. Written for surviving mutants of core/scope.py
(docs/mutation.md)."""

from __future__ import annotations

import pytest

from kechuang.core import services
from kechuang.core.models import Liaison, OrgUnit
from kechuang.core.scope import can_write, can_write_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(unit):
    """A town under 张店区 (the policy file loads regions only; towns come with the register)."""
    zhangdian = unit("zhangdian")
    return OrgUnit.objects.create(parent=zhangdian, kind=OrgUnit.Kind.REGION, code="zd-town", name="张店某街道")


def test_region_officer_reads_and_writes_the_records_of_its_towns(town, unit, persona):
    admin = persona("bureau_admin")
    in_town = services.liaison_create(actor=admin, org_unit=town, name="街道联络员", phone="13900000002")
    elsewhere = services.liaison_create(actor=admin, org_unit=unit("zichuan"), name="淄川联络员", phone="13900000003")
    officer = persona("zhangdian_officer")
    assert set(Liaison.objects.visible_to(officer).values_list("name", flat=True)) == {"街道联络员"}
    assert can_write(officer, in_town) and not can_write(officer, elsewhere)
    assert can_write_unit(officer, town) and not can_write_unit(officer, unit("zichuan"))
    assert not can_write_unit(persona("zichuan_officer"), town)


def test_leader_writes_nothing_though_city_wide(town, persona, unit):
    leader = persona("leader")
    assert not can_write_unit(leader, town) and not can_write_unit(leader, unit("zhangdian"))
    liaison = services.liaison_create(actor=persona("bureau_admin"), org_unit=town, name="x联络员", phone="")
    assert liaison in Liaison.objects.visible_to(leader) and not can_write(leader, liaison)


def test_public_documents_are_read_by_all_and_written_by_the_bureau_only(persona):
    from kechuang.policy.models import Policy

    policy = Policy.objects.get(code="zibo-kefa-2023-22")
    for name in ("lead_officer", "zhangdian_officer", "leader"):
        assert policy in Policy.objects.visible_to(persona(name)) and not can_write(persona(name), policy), name
    assert can_write(persona("bureau_staff"), policy)


def test_confined_officer_without_a_unit_sees_and_writes_nothing(persona, unit):
    officer = persona("zhangdian_officer")
    services.liaison_create(actor=persona("bureau_admin"), org_unit=unit("zhangdian"), name="张店联络员", phone="")
    officer.org_unit = None
    officer.save()
    assert not Liaison.objects.visible_to(officer).exists()
    assert not can_write_unit(officer, unit("zhangdian"))
