"""`python manage.py backup [--output DIR]`: one .tar.gz with the database, the data folders and a manifest."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kechuang.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database, uploads, import files and the matching index into one archive (README)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default=None, help="folder for the archive (default: KECHUANG_VAR_DIR/backups)")

    def handle(self, *args, **options) -> None:
        output = Path(options["output"] or Path(settings.VAR_DIR) / "backups")
        try:
            result = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(
            f"Backup written: {result.path} ({result.path.stat().st_size / 1e6:.1f} MB, "
            f"{sum(manifest['row_counts'].values())} rows in {len(manifest['row_counts'])} tables, "
            f"{len(manifest['members']) - 1} files, schema {manifest['schema']['id']}, {result.seconds:.1f} s)."
        )
        self.stdout.write(
            "The keys are not in the archive: keep KECHUANG_SECRET_KEY, KECHUANG_AUDIT_KEY and the field keys apart."
        )
