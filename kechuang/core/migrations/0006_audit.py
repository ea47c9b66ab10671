"""Audit log integrity (baseline items 10-12): new event types, the purge anchor, and a database guard that
refuses UPDATE and DELETE on the audit tables, except the retention purge deleting entries older than 184 days.

PostgreSQL: a trigger function; the purge sets `SET LOCAL kechuang.audit_purge = 'on'` in its transaction.
SQLite: triggers that RAISE(ABORT); the purge is let through by `kechuang_audit_unlock()`, a function the
application registers on each of its connections (core/signals.py), so the sqlite3 shell cannot delete either.
"184 days" is the legal floor (网络安全法 art. 21); it is counted back from the later of the database's clock and the
newest entry, so a test clock moved ahead agrees with it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

POSTGRES_INSTALL = r"""
CREATE OR REPLACE FUNCTION kechuang_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'core_auditentry'
       AND current_setting('kechuang.audit_purge', true) = 'on'
       AND OLD.at < greatest(now(), (SELECT max(at) FROM core_auditentry)) - interval '184 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION kechuang_audit_guard();
CREATE TRIGGER core_auditanchor_append_only BEFORE UPDATE OR DELETE ON core_auditanchor
    FOR EACH ROW EXECUTE FUNCTION kechuang_audit_guard();
"""
POSTGRES_REMOVE = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditanchor_append_only ON core_auditanchor;
DROP FUNCTION IF EXISTS kechuang_audit_guard();
"""
SQLITE_INSTALL = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on core_auditentry refused'); END""",
    """CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
    WHEN kechuang_audit_unlock() <> 'flush' AND NOT (kechuang_audit_unlock() = 'purge' AND old.at < datetime(
        max(strftime('%Y-%m-%d %H:%M:%f', 'now'), (SELECT max(at) FROM core_auditentry)), '-184 days'))
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE on core_auditentry refused'); END""",
    """CREATE TRIGGER core_auditanchor_no_update BEFORE UPDATE ON core_auditanchor
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on core_auditanchor refused'); END""",
    """CREATE TRIGGER core_auditanchor_no_delete BEFORE DELETE ON core_auditanchor
    WHEN kechuang_audit_unlock() <> 'flush'
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE on core_auditanchor refused'); END""",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "core_auditentry_no_update",
        "core_auditentry_no_delete",
        "core_auditanchor_no_update",
        "core_auditanchor_no_delete",
    )
]


def _run(connection, postgres, sqlite):
    vendor = connection.vendor
    statements = [postgres] if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection):
    _run(connection, POSTGRES_INSTALL, SQLITE_INSTALL)


def remove(connection):
    _run(connection, POSTGRES_REMOVE, SQLITE_REMOVE)


def install_guard(apps, schema_editor):
    install(schema_editor.connection)


def remove_guard(apps, schema_editor):
    remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_identity'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('upto_id', models.BigIntegerField(help_text='entries with an id up to this one were purged')),
                ('chain', models.CharField(help_text='chain value of entry `upto_id`', max_length=64)),
                ('purged', models.PositiveIntegerField()),
                ('mac', models.CharField(max_length=64)),
            ],
            options={
                'ordering': ['-upto_id'],
            },
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'Create'), ('update', 'Update'), ('delete', 'Delete'), ('archive', 'Archive'), ('import', 'Import'), ('export', 'Export'), ('login', 'Log in'), ('logout', 'Log out'), ('login_failed', 'Failed log-in'), ('token', 'API token'), ('lockout', 'Account locked'), ('denied', 'Access denied'), ('view_audit', 'Audit log viewed'), ('unmask', 'Personal data unmasked'), ('backup', 'Backup'), ('restore', 'Restore'), ('purge', 'Purge'), ('consent', 'Consent given or withdrawn')], db_index=True, max_length=16, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.RunPython(install_guard, remove_guard),
    ]
