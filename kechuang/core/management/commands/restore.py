"""`python manage.py restore ARCHIVE [--yes] [--force]`: restore a `backup` archive over the configured database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kechuang.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive: verify its checksums, replace the database and the data folders, rebuild the "
        "matching index if absent, then verify the audit chain (non-zero exit if it fails). Stop the server first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument("--force", action="store_true", help="restore even when the schema differs from the code's")

    def handle(self, *args, **options) -> None:
        target = connection.settings_dict["NAME"]
        if not options["yes"]:
            answer = input(f"This replaces every row of {target} and the uploaded files. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            result = restore_backup(options["archive"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        rebuilt = f"; rebuilt {', '.join(result.rebuilt)}" if result.rebuilt else ""
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} into {target} in {result.seconds:.1f} s "
            f"({sum(manifest['row_counts'].values())} rows{rebuilt})."
        )
        for table, (expected, found) in sorted(result.row_count_differences.items()):
            self.stderr.write(f"  {table}: {found} rows, the manifest says {expected}")
        if not result.audit_head_matches:
            self.stderr.write("The restored audit log does not end where the manifest says it did.")
        if result.broken_audit_ids:
            broken = result.broken_audit_ids
            self.stderr.write(f"The audit chain fails at {len(broken)} entries (first id {broken[0]}).")
        for problem in result.audit_problems:
            self.stderr.write(f"Audit log: {problem}")
        if not result.ok:
            raise CommandError("restore finished, but the restored data does not verify (see above)")
        self.stdout.write("Row counts match the manifest; the audit chain verifies.")
