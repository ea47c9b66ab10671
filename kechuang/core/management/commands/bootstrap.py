"""Everything `make run` needs in one process, so a second run is serving within seconds."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, load the configured policy and the demo data."

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_policy", settings.KECHUANG_POLICY_FILE, stdout=self.stdout, stderr=self.stderr)
        call_command("load_demo", stdout=self.stdout)
        if settings.KECHUANG_REQUIRE_2FA:
            self.stdout.write(
                "Second factor: ON. Administrators, bureau_admin and staff who see personal data set up an "
                "authenticator app at their first log-in (QR code and key on the page)."
            )
        else:
            self.stdout.write(self.style.WARNING("Second factor: OFF (KECHUANG_REQUIRE_2FA=0); never in production."))
