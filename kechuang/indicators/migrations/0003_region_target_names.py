"""A target's share for one region is a "region target" (glossary: 区县/功能区 → region); names only, no table change."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_indicator_aggregation_indicator_definition_and_more"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="targetallocation",
            options={
                "ordering": ["target", "region__sort_order"],
                "verbose_name": "region target",
                "verbose_name_plural": "region targets",
            },
        ),
    ]
