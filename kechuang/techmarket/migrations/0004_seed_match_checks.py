"""Seed the staff-editable check queries from matching/data/check_queries.jsonl (only queries not already present)."""

from django.db import migrations


def seed(apps, schema_editor):
    from kechuang.techmarket.matching.checks import BUNDLED_CHECKS, load_checks

    MatchCheck = apps.get_model("techmarket", "MatchCheck")
    existing = set(MatchCheck.objects.values_list("query", flat=True))
    MatchCheck.objects.bulk_create(
        [
            MatchCheck(query=c.query, any_terms=list(c.any_terms), all_terms=list(c.all_terms), note=c.note)
            for c in load_checks(BUNDLED_CHECKS)
            if c.query not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("techmarket", "0003_match_check")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
