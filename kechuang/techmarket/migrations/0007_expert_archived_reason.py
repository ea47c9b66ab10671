"""An expert is archived like every other archivable record (kechuang.core.models.Archivable): its reason column
is renamed from status_reason to archived_reason, values kept."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("techmarket", "0006_party_region_code_help_text"),
    ]

    operations = [
        migrations.RenameField(model_name="expert", old_name="status_reason", new_name="archived_reason"),
        migrations.AlterField(
            model_name="expert",
            name="archived_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason archived"),
        ),
    ]
