import re

import django.db.models.deletion
from django.db import migrations, models

REPORT_URL = re.compile(r"/supervision/reports/(\d+)/")
PERIOD_CODE = re.compile(r"\d{4}-Q[1-4]")


def link_existing(apps, schema_editor):
    """Earlier notifications name their report only in the URL and their period only in the text."""
    Notification = apps.get_model("supervision", "Notification")
    ProgressReport = apps.get_model("supervision", "ProgressReport")
    ReportingPeriod = apps.get_model("supervision", "ReportingPeriod")
    report_period = dict(ProgressReport.objects.values_list("pk", "period_id"))
    periods = {}
    for pk, code in ReportingPeriod.objects.values_list("pk", "code"):
        periods.setdefault(code, pk)
    for note in Notification.objects.filter(report__isnull=True, period__isnull=True).iterator():
        found = REPORT_URL.search(note.url or "")
        report_id = int(found.group(1)) if found and int(found.group(1)) in report_period else None
        if report_id is not None:
            note.report_id, note.period_id = report_id, report_period[report_id]
        else:
            code = PERIOD_CODE.search(note.message or "")
            note.period_id = periods.get(code.group(0)) if code else None
        if note.report_id or note.period_id:
            note.save(update_fields=["report", "period"])


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="period",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="supervision.reportingperiod",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="report",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="supervision.progressreport",
            ),
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
    ]
