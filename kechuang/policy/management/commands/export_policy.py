from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from kechuang.policy.models import Policy
from kechuang.policy.selectors import default_policy, policy_export


class Command(BaseCommand):
    help = "Print a loaded policy as JSON (the default policy unless --code is given)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--code", help="policy code (the file's `code`)")

    def handle(self, *args, **options) -> None:
        policy = Policy.objects.filter(code=options["code"]).first() if options["code"] else default_policy()
        if policy is None:
            raise CommandError("no such policy is loaded; run `python manage.py load_policy FILE` first")
        self.stdout.write(json.dumps(policy_export(policy), ensure_ascii=False, indent=2))
