"""The first accounts of an installation (no superuser, no known password): a generated temporary password,
printed once, that must be changed at the first log-in (security-baseline.md, 访问控制 b)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kechuang.core.models import OrgUnit
from kechuang.core.passwords import generate_password
from kechuang.core.roles import Role
from kechuang.core.services import user_create


class Command(BaseCommand):
    help = "Create an account with a temporary password (printed once, to be changed at the first log-in)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--unit", default="", help="code of the org unit the role is bound to")
        parser.add_argument("--name", default="", help="the person's full name")

    def handle(self, *args, **options) -> None:
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"], is_active=True).first()
            if unit is None:
                raise CommandError(f"no active org unit with code {options['unit']!r}")
        password = generate_password()
        try:
            with transaction.atomic():
                user_create(
                    username=options["username"],
                    role=options["role"],
                    org_unit=unit,
                    display_name=options["name"],
                    password=password,
                )
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        self.stdout.write(f"Account {options['username']} created. Temporary password (shown once): {password}")
        self.stdout.write("It must be changed at the first log-in.")
