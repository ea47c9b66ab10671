"""Enterprise.tech_field holds a TechField code (kechuang.core.codes) now that 0004 converted the texts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0004_tech_field_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enterprise",
            name="tech_field",
            field=models.CharField(
                blank=True,
                choices=[
                    ("electronic_info", "Electronic information"),
                    ("biomedicine", "Biotechnology and new medicine"),
                    ("aerospace", "Aerospace"),
                    ("new_materials", "New materials"),
                    ("high_tech_services", "High-tech services"),
                    ("new_energy", "New energy and energy saving"),
                    ("environment", "Resources and environment"),
                    ("advanced_manufacturing", "Advanced manufacturing and automation"),
                ],
                db_index=True,
                max_length=32,
                verbose_name="high-tech field",
            ),
        ),
    ]
