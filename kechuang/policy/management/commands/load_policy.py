from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kechuang.policy.schema import PolicyFileError
from kechuang.policy.services import policy_load_file


class Command(BaseCommand):
    help = "Load or update a policy file (YAML); a malformed file is rejected with every error and nothing written."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="path to the policy YAML, e.g. one of policies/*.yaml")

    def handle(self, *args, **options) -> None:
        try:
            summary = policy_load_file(path=options["file"])
        except PolicyFileError as exc:
            for path, message in exc.errors:
                self.stderr.write(f"{options['file']}: {path}: {message}")
            raise CommandError(f"{len(exc.errors)} error(s); nothing was loaded") from None
        self.stdout.write(f"Loaded {summary.line()}")
