"""One way to archive (kechuang.core.models.Archivable and core.services.archive) and one pair of timestamps
(core.models.Timestamped), used by every model that has them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kechuang.core import services
from kechuang.core.models import Archivable, AuditEntry, Liaison, Timestamped
from kechuang.enterprises.models import Enterprise
from kechuang.indicators.models import Observation
from kechuang.techmarket import services as techmarket_services
from kechuang.techmarket.models import Achievement, Contract, Demand, Expert, MatchCase, MatchCheck
from tests.techmarket import factories

pytestmark = pytest.mark.django_db


def _last_entry(obj) -> AuditEntry:
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).latest("id")


def test_the_shared_bases_are_used():
    assert issubclass(Liaison, Archivable) and issubclass(Expert, Archivable)
    for model in (Liaison, Enterprise, Observation, Achievement, Demand, Expert, MatchCase, Contract, MatchCheck):
        assert issubclass(model, Timestamped), model


@pytest.mark.parametrize("reason", ["", "   "])
def test_archive_needs_a_reason(persona, unit, reason):
    liaison = services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("boshan"), name="钱")
    with pytest.raises(ValidationError) as caught:
        liaison.archive(actor=persona("bureau_staff"), reason=reason)
    assert "reason" in caught.value.message_dict
    assert Liaison.objects.get(pk=liaison.pk).is_active


def test_an_expert_is_archived_like_a_liaison(persona):
    expert = factories.expert()
    techmarket_services.expert_deactivate(actor=persona("bureau_staff"), expert=expert, reason=" 退休 ")
    stored = Expert.objects.get(pk=expert.pk)
    assert (stored.is_active, stored.archived_reason) == (False, "退休")
    entry = _last_entry(stored)
    assert entry.action == "archive" and entry.changes["archived_reason"] == ["", "退休"]
