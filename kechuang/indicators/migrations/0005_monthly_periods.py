"""Monthly collection periods: an observation may hold a month (1–12, cumulative to the month's end) instead of a
quarter, a data set may report monthly, and a form's period runs to 12. Every stored row is kept as it was (month 0:
a year or a quarter, as before).

Backwards, monthly values and forms cannot be represented (the old unique key has no month): the reversal refuses
while any exist, naming what to remove, rather than deleting data."""

from django.conf import settings
from django.db import migrations, models


def refuse_if_monthly(apps, schema_editor):
    Observation = apps.get_model("indicators", "Observation")
    DataSet = apps.get_model("indicators", "DataSet")
    values = Observation.objects.exclude(month=0).count()
    data_sets = list(DataSet.objects.filter(period_type="monthly").values_list("code", flat=True))
    if values or data_sets:
        raise RuntimeError(
            f"indicators 0005 cannot be reversed: {values} monthly observations and the monthly data sets "
            f"{', '.join(data_sets) or '-'} exist (the earlier schema has no month); remove them first."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_enterprise_registration'),
        ('indicators', '0004_collection'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='observation',
            options={'ordering': ['indicator__code', 'region__sort_order', 'year', 'quarter', 'month'], 'verbose_name': 'observation', 'verbose_name_plural': 'observations'},
        ),
        migrations.RemoveConstraint(
            model_name='observation',
            name='observation_unique',
        ),
        migrations.RemoveConstraint(
            model_name='submission',
            name='submission_period_0_4',
        ),
        migrations.AddField(
            model_name='observation',
            name='month',
            field=models.PositiveSmallIntegerField(default=0, help_text='0 = not a monthly value; 1–12 = cumulative to the end of that month', verbose_name='month'),
        ),
        migrations.AlterField(
            model_name='dataset',
            name='period_type',
            field=models.CharField(choices=[('yearly', 'Yearly'), ('quarterly', "Quarterly (cumulative to the quarter's end)"), ('monthly', "Monthly (cumulative to the month's end)")], default='yearly', max_length=12, verbose_name='reporting period'),
        ),
        migrations.AlterField(
            model_name='submission',
            name='period',
            field=models.PositiveSmallIntegerField(default=0, help_text="0 = the whole year; else the quarter (1–4) or the month (1–12), by the data set's period", verbose_name='period'),
        ),
        migrations.AddConstraint(
            model_name='observation',
            constraint=models.UniqueConstraint(fields=('indicator', 'region', 'year', 'quarter', 'month'), name='observation_unique'),
        ),
        migrations.AddConstraint(
            model_name='observation',
            constraint=models.CheckConstraint(condition=models.Q(('month__lte', 12)), name='observation_month_0_12'),
        ),
        migrations.AddConstraint(
            model_name='observation',
            constraint=models.CheckConstraint(condition=models.Q(('quarter', 0), ('month', 0), _connector='OR'), name='observation_quarter_or_month'),
        ),
        migrations.AddConstraint(
            model_name='submission',
            constraint=models.CheckConstraint(condition=models.Q(('period__lte', 12)), name='submission_period_0_12'),
        ),
        # last, so that a reversal checks first
        migrations.RunPython(migrations.RunPython.noop, refuse_if_monthly),
    ]
