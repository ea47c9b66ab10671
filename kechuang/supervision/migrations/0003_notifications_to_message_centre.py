"""Supervision's own inbox (Notification) becomes messages of the core message centre, read state kept.

Each notification becomes one core.Message of the same account, time and link, about the report it named (or, for
a reminder, the period), so supervision's "needs action" rule still applies to it. The old kinds map onto the
centre's: due_soon → deadline, submitted → review, accepted → decision (overdue and returned keep their names).
A copied message counts as delivered (e-mailed and texted at its own time): its e-mail, if any, went out the old
way, and the centre must not send a months-old notice again. Then the table is dropped. Reversible: the messages
about reports and periods go back into a recreated Notification table.
"""

from django.db import migrations, models

KINDS = {"due_soon": "deadline", "overdue": "overdue", "submitted": "review", "returned": "returned",
         "accepted": "decision"}
REPORT, PERIOD = "supervision.progressreport", "supervision.reportingperiod"


def _case(column, mapping):
    whens = " ".join(f"WHEN {column} = '{old}' THEN '{new}'" for old, new in mapping.items())
    return f"CASE {whens} END"


def to_messages(apps, schema_editor):
    Notification = apps.get_model("supervision", "Notification")
    Message = apps.get_model("core", "Message")
    q = schema_editor.quote_name
    # One INSERT … SELECT: keeps the rows' own creation times (the ORM would stamp them with today's, auto_now_add).
    schema_editor.execute(
        f"INSERT INTO {q(Message._meta.db_table)} "
        f"({q('user_id')}, {q('kind')}, {q('subject')}, {q('body')}, {q('url')}, {q('key')}, {q('about_type')}, "
        f"{q('about_id')}, {q('created_at')}, {q('read_at')}, {q('emailed_at')}, {q('texted_at')}) "
        f"SELECT n.{q('user_id')}, {_case('n.' + q('kind'), KINDS)}, "
        f"CASE WHEN LENGTH(n.{q('message')}) <= 200 THEN n.{q('message')} "
        f"ELSE SUBSTR(n.{q('message')}, 1, 199) || %s END, "
        f"CASE WHEN LENGTH(n.{q('message')}) <= 200 THEN '' ELSE n.{q('message')} END, "
        f"n.{q('url')}, '', "
        f"CASE WHEN n.{q('report_id')} IS NOT NULL THEN %s WHEN n.{q('period_id')} IS NOT NULL THEN %s ELSE '' END, "
        f"COALESCE(n.{q('report_id')}, n.{q('period_id')}), "
        f"n.{q('created_at')}, n.{q('read_at')}, n.{q('created_at')}, n.{q('created_at')} "
        f"FROM {q(Notification._meta.db_table)} n ORDER BY n.{q('id')}",
        ["…", REPORT, PERIOD],
    )


def to_notifications(apps, schema_editor):
    Notification = apps.get_model("supervision", "Notification")
    Message = apps.get_model("core", "Message")
    ProgressReport = apps.get_model("supervision", "ProgressReport")
    q = schema_editor.quote_name
    back = {new: old for old, new in KINDS.items()}
    schema_editor.execute(
        f"INSERT INTO {q(Notification._meta.db_table)} "
        f"({q('user_id')}, {q('kind')}, {q('report_id')}, {q('period_id')}, {q('message')}, {q('url')}, "
        f"{q('created_at')}, {q('read_at')}) "
        f"SELECT m.{q('user_id')}, {_case('m.' + q('kind'), back)}, "
        f"CASE WHEN m.{q('about_type')} = %s THEN m.{q('about_id')} END, "
        f"CASE WHEN m.{q('about_type')} = %s THEN m.{q('about_id')} ELSE "
        f"(SELECT r.{q('period_id')} FROM {q(ProgressReport._meta.db_table)} r WHERE r.{q('id')} = m.{q('about_id')}) "
        f"END, "
        f"SUBSTR(CASE WHEN m.{q('body')} <> '' THEN m.{q('body')} ELSE m.{q('subject')} END, 1, 500), "
        f"m.{q('url')}, m.{q('created_at')}, m.{q('read_at')} "
        f"FROM {q(Message._meta.db_table)} m WHERE m.{q('about_type')} IN (%s, %s) "
        f"AND m.{q('kind')} IN ({', '.join(repr(k) for k in back)}) ORDER BY m.{q('id')}",
        [REPORT, PERIOD, REPORT, PERIOD],
    )
    Message.objects.filter(about_type__in=(REPORT, PERIOD)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0011_message_about"),
        ("supervision", "0002_notification_subject"),
    ]

    operations = [
        migrations.RunPython(to_messages, to_notifications),
        migrations.AlterField(
            model_name="remindersent",
            name="kind",
            field=models.CharField(choices=[("due_soon", "Due soon"), ("overdue", "Overdue")], max_length=12),
        ),
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
