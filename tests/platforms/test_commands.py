"""`manage.py load_platform_types`: re-reads the types file and keeps the bureau's counting flags unless asked."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kechuang.core.models import AuditEntry
from kechuang.platforms.models import PlatformType

pytestmark = pytest.mark.django_db


def test_load_platform_types_keeps_the_bureaus_flags_unless_reset():
    call_command("load_platform_types", stdout=io.StringIO())
    kind = PlatformType.objects.filter(counts_for_task2=True).first()
    assert kind is not None
    PlatformType.objects.filter(pk=kind.pk).update(counts_for_task2=False)
    before = AuditEntry.objects.count()
    call_command("load_platform_types", stdout=io.StringIO())
    assert not PlatformType.objects.get(pk=kind.pk).counts_for_task2 and AuditEntry.objects.count() == before + 1
    call_command("load_platform_types", "--reset-flags", stdout=io.StringIO())
    assert PlatformType.objects.get(pk=kind.pk).counts_for_task2
