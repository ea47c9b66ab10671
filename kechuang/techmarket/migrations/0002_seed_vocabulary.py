"""Seed the staff-editable domain vocabulary from matching/vocabulary_seed.py (only terms not already present)."""

from django.db import migrations


def seed(apps, schema_editor):
    from kechuang.techmarket.matching.vocabulary_seed import SEED

    VocabularyTerm = apps.get_model("techmarket", "VocabularyTerm")
    existing = set(VocabularyTerm.objects.values_list("lay", flat=True))
    VocabularyTerm.objects.bulk_create(
        [
            VocabularyTerm(lay=lay, technical=list(technical), industry=industry)
            for industry, lay, technical in SEED
            if lay not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("techmarket", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
