"""indicators 0006: the module's own reminder table (CollectionReminder) went into the core message centre, its
history kept under the keys the daily run now uses; backwards and forwards on the suite's database. And 0005 (monthly
periods) kept every stored value."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from kechuang.core.models import Message, OrgUnit
from kechuang.indicators import services
from kechuang.indicators.models import DataSet, Observation
from tests.conftest import migrate

BEFORE = [("indicators", "0005_monthly_periods")]


@pytest.mark.django_db(transaction=True)
def test_reminders_move_into_the_message_centre_and_back(seeded, persona):
    officer = persona("zhangdian_officer")
    zhangdian = OrgUnit.objects.get(code="zhangdian")
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldDataSet = old.get_model("indicators", "DataSet")
    Reminder = old.get_model("indicators", "CollectionReminder")
    OldObservation = old.get_model("indicators", "Observation")
    Indicator = old.get_model("indicators", "Indicator")
    indicators = list(Indicator.objects.filter(formula="").order_by("code")[:2])
    data_set = OldDataSet.objects.create(code="q", name="季度表", period_type="quarterly", deadline_days=20)
    data_set.indicators.set(indicators)
    data_set.org_units.add(zhangdian.pk)
    kept = OldObservation.objects.create(
        indicator=indicators[0], region_id=zhangdian.pk, year=2024, quarter=2, value=5, source="统计局"
    )
    due = dt.date(2026, 7, 20)
    sent_at = timezone.now() - dt.timedelta(days=120)
    reminder = Reminder.objects.create(
        user_id=officer.pk,
        data_set=data_set,
        org_unit_id=zhangdian.pk,
        year=2026,
        period=2,
        kind="overdue",
        missing=2,
        due=due,
    )
    Reminder.objects.filter(pk=reminder.pk).update(created_at=sent_at)

    migrate(None)
    data_set = DataSet.objects.get(code="q")
    key = services.reminder_key(data_set, zhangdian, 2026, 2, "overdue", due)
    copied = Message.objects.get(user=officer, key=key)
    assert (copied.kind, copied.about_type, copied.about_id) == ("overdue", "indicators.dataset", data_set.pk)
    assert copied.created_at == sent_at and copied.emailed_at == sent_at and copied.read_at is not None
    assert "2026Q2" in copied.subject and copied.url == "/indicators/collection/form/q/zhangdian/2026Q2/"
    # the first daily run after the upgrade does not send again what the old table had sent
    result = services.collection_reminders_send(today=due + dt.timedelta(days=1))
    assert ("q", "zhangdian", "2026Q2", "overdue") not in result.sent
    assert Message.objects.filter(user=officer, key=key).count() == 1
    # 0005 kept the stored value (a year's quarter: month 0)
    assert Observation.objects.filter(pk=kept.pk, quarter=2, month=0, year=2024).exists()
    assert "indicators_collectionreminder" not in connection.introspection.table_names()

    # Backwards: the centre's collection reminders go back into the module's table, the missing count recounted
    executor = migrate(BEFORE)
    Reminder = executor.loader.project_state(BEFORE).apps.get_model("indicators", "CollectionReminder")
    back = Reminder.objects.get(user_id=officer.pk, kind="overdue", year=2026, period=2)
    assert (back.missing, back.due, back.created_at) == (2, due, sent_at)
    assert not Message.objects.filter(key__startswith="indicators.collection:").exists()
    migrate(None)


@pytest.mark.django_db(transaction=True)
def test_monthly_values_are_never_dropped_by_a_reversal(seeded):
    """0005 backwards would have no place for a month: it refuses, naming what exists, instead of deleting it."""
    DataSet.objects.create(code="m", name="月报", period_type="monthly", deadline_days=10)
    with pytest.raises(RuntimeError, match="monthly"):
        migrate([("indicators", "0004_collection")])
    migrate(None)
    assert DataSet.objects.filter(code="m").exists()
