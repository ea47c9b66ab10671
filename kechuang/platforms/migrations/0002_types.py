"""The platform types of data/types.yaml (talent-platforms-projects.md §2.2–2.3) and the settings row."""

from django.db import migrations


def seed(apps, schema_editor):
    from kechuang.platforms.catalogue import load_types

    load_types(apps.get_model("platforms", "PlatformType"))
    settings = apps.get_model("platforms", "PlatformSettings")
    settings.objects.get_or_create(
        pk=1, defaults={"reward_source": "山东省科技企业孵化载体奖补（2017）：每培育1家高新技术企业奖补10万元，每载体每年不超过100万元"}
    )


class Migration(migrations.Migration):
    dependencies = [("platforms", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
