"""The data-collection reminders move into the core message centre (core.Message, sent by core.messages.notify):
the module's own table (CollectionReminder) goes.

Each stored reminder becomes one message of the same account and time, about its data set, linking to its form, with
the key the daily run now uses (`services.reminder_key`: form, kind, due day), so the first run after the upgrade
does not send again what was already sent. The kinds map onto the centre's (due_soon → deadline, overdue stays).
A copied message counts as delivered (e-mailed and texted at its own time: its e-mail went out the old way) and as
read (at the upgrade: the old reminders had no read state and were history on the collection page, not news).

Reversible: the messages of data-collection keys go back into a recreated CollectionReminder table; the number of
missing values, which a message holds only in its words, is counted again from the form as it then stands."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

PREFIX = "indicators.collection:"
KINDS = {"due_soon": "deadline", "overdue": "overdue"}


def _label(year, period, period_type):
    if not period:
        return f"{year}"
    return f"{year}-{period:02d}" if period_type == "monthly" else f"{year}Q{period}"


def _form_url(code, org, label):
    try:
        return reverse("indicators:collection_entry", args=[code, org, label])
    except NoReverseMatch:  # a later version moved the page: the collection page lists the forms
        return "/indicators/collection/"


def to_messages(apps, schema_editor):
    Reminder = apps.get_model("indicators", "CollectionReminder")
    DataSet = apps.get_model("indicators", "DataSet")
    Message = apps.get_model("core", "Message")
    now = timezone.now()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for r in Reminder.objects.select_related("data_set", "org_unit").order_by("id"):
            data_set, unit = r.data_set, r.org_unit
            label = _label(r.year, r.period, data_set.period_type)
            expected = DataSet.objects.get(pk=data_set.pk).indicators.count()
            kind = KINDS[r.kind]
            facts = {"data_set": data_set.name, "period": label, "n": r.missing, "due": f"{r.due:%Y-%m-%d}"}
            subject = (
                _("[Data collection] %(data_set)s %(period)s: overdue since %(due)s, %(n)s values missing")
                if kind == "overdue"
                else _("[Data collection] %(data_set)s %(period)s: due on %(due)s, %(n)s values missing")
            ) % facts
            body = _("%(org)s: the form is due on %(due)s; %(n)s of %(expected)s values are missing.") % {
                "org": unit.name,
                "due": f"{r.due:%Y-%m-%d}",
                "n": r.missing,
                "expected": expected,
            }
            rows.append(
                Message(
                    user_id=r.user_id,
                    kind=kind,
                    subject=subject[:200],
                    body=body,
                    url=_form_url(data_set.code, unit.code, label),
                    key=f"{PREFIX}{data_set.pk}:{unit.pk}:{r.year}:{r.period}:{kind}:{r.due:%Y-%m-%d}",
                    about_type="indicators.dataset",
                    about_id=data_set.pk,
                    read_at=now,
                    emailed_at=r.created_at,
                    texted_at=r.created_at,
                )
            )
            rows[-1]._created = r.created_at
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    # created_at is stamped on insert (auto_now_add): the reminders' own times are put back afterwards
    for row in rows:
        Message.objects.filter(user_id=row.user_id, key=row.key).update(created_at=row._created)


def to_reminders(apps, schema_editor):
    Reminder = apps.get_model("indicators", "CollectionReminder")
    DataSet = apps.get_model("indicators", "DataSet")
    Submission = apps.get_model("indicators", "Submission")
    Observation = apps.get_model("indicators", "Observation")
    Message = apps.get_model("core", "Message")
    back = {new: old for old, new in KINDS.items()}
    copied = Message.objects.filter(key__startswith=PREFIX, about_type="indicators.dataset")
    for m in copied.order_by("id"):
        data_set_id, unit_id, year, period, kind, due = m.key[len(PREFIX) :].split(":")
        data_set = DataSet.objects.filter(pk=data_set_id).first()
        if data_set is None or kind not in back:
            continue
        form = Submission.objects.filter(data_set=data_set, org_unit_id=unit_id, year=year, period=period).first()
        entered = Observation.objects.filter(submission=form).count() if form is not None else 0
        reminder, _created = Reminder.objects.get_or_create(
            user_id=m.user_id,
            data_set=data_set,
            org_unit_id=unit_id,
            year=int(year),
            period=int(period),
            kind=back[kind],
            defaults={"missing": max(data_set.indicators.count() - entered, 0), "due": dt.date.fromisoformat(due)},
        )
        Reminder.objects.filter(pk=reminder.pk).update(created_at=m.created_at)
    copied.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0012_enterprise_registration"),
        ("indicators", "0005_monthly_periods"),
    ]

    operations = [
        migrations.RunPython(to_messages, to_reminders),
        migrations.DeleteModel(
            name="CollectionReminder",
        ),
    ]
