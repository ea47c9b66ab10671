from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kechuang.core.demo import ADMIN_USERNAME, demo_accounts, ensure_demo_accounts
from kechuang.core.registry import default_policy, demo_loaders


class Command(BaseCommand):
    help = "Load the demo data (idempotent): demo accounts for every role and each module's demo records."

    def handle(self, *args, **options) -> None:
        policy = default_policy()
        if policy is None:
            raise CommandError("load a policy first: python manage.py load_policy policies/<policy>.yaml")
        password = os.environ.get("KECHUANG_ADMIN_PASSWORD") or None
        # One transaction: a failure cannot leave accounts whose generated password was never shown.
        with transaction.atomic():
            created = ensure_demo_accounts(policy.city, password)
            summaries = [f"{len(created)} accounts created"]
            for config in demo_loaders():
                summaries.append(config.load_demo_data(policy.city))
                # The enterprise and expert accounts belong to firms of the register: created as soon as it has
                # them, so the later modules' demo (an expert's review assignments) sees their organisation.
                created |= ensure_demo_accounts(policy.city, password)
            summaries[0] = f"{len(created)} accounts created"
        self.stdout.write("Demo data: " + ", ".join(summaries) + ".")
        if created:
            port = os.environ.get("PORT", "8000")
            self.stdout.write(f"Demo accounts (log in at http://127.0.0.1:{port}/accounts/login/):")
            for account in demo_accounts(policy.city):
                if account.username in created:
                    shown = "" if password else created[account.username]
                    self.stdout.write(f"  {account.username:<22} {shown:<18} {account.display_name}")
            if password:
                self.stdout.write("Password: KECHUANG_ADMIN_PASSWORD (every demo account).")
            else:
                self.stdout.write(self.style.WARNING("Each account has its own password, shown once above."))
                self.stdout.write("Set KECHUANG_ADMIN_PASSWORD to give every demo account that password instead.")
        else:
            self.stdout.write(f"Admin login: {ADMIN_USERNAME}")
