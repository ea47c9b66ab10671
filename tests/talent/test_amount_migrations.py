"""talent 0005 and 0006 (amounts not negative; a 引智 project's funding and year bounded) add validators, not database
constraints: a database that already holds a bad row migrates through them and keeps the row, and the first save
that runs the model checks (audit.save → full_clean) names the field to put right. Were either migration ever to
carry SQL (a CheckConstraint), a database with such rows would stop at migrate time with an IntegrityError naming
no row — this test then fails first, asking for the data step that reports the rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from kechuang.core import audit
from kechuang.core.models import OrgUnit
from kechuang.talent.models import ForeignProject
from tests.conftest import migrate

BEFORE = [("talent", "0004_service_desk_and_registry_indexes")]
AFTER = [("talent", "0006_foreign_project_funding_and_year")]


def test_the_two_migrations_change_no_schema():
    """Only AlterField operations whose change the schema editor skips (Django's own no-op test): no constraint."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    editor = connection.schema_editor()
    for name in ("0005_amounts_not_negative", "0006_foreign_project_funding_and_year"):
        before = loader.project_state(("talent", name), at_end=False).apps
        after = loader.project_state(("talent", name), at_end=True).apps
        for operation in loader.get_migration("talent", name).operations:
            assert isinstance(operation, migrations.AlterField), (name, operation)
            old, new = (
                a.get_model("talent", operation.model_name)._meta.get_field(operation.name) for a in (before, after)
            )
            assert not editor._field_should_be_altered(old, new), (name, operation.describe())


@pytest.mark.django_db(transaction=True)
def test_a_database_with_bad_rows_migrates_and_the_first_checked_save_names_the_fields(seeded, persona):
    zhangdian = OrgUnit.objects.get(code="zhangdian")
    try:
        executor = migrate(BEFORE)
        Old = executor.loader.project_state(BEFORE).apps.get_model("talent", "ForeignProject")
        bad = Old.objects.create(
            title="旧数据项目",
            host_credit_code="91370302MA3C00000X",
            level="city",
            year=0,
            funding_wan=Decimal("-20"),
            region_id=zhangdian.pk,
        )
        migrate(executor.loader.graph.leaf_nodes())  # 0005, 0006 and everything after: no error
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    kept = ForeignProject.objects.get(pk=bad.pk)
    assert (kept.year, kept.funding_wan) == (0, Decimal("-20"))
    kept.title = "旧数据项目（更名）"
    with pytest.raises(ValidationError) as refused:
        audit.save(kept, actor=persona("bureau_staff"))
    assert {"year", "funding_wan"} <= set(refused.value.message_dict), refused.value.message_dict
