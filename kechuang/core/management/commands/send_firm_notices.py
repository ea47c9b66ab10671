"""Daily job: `python manage.py send_firm_notices` (cron or a systemd timer), after `send_reminders`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from kechuang.core.firm_accounts import firm_notices_send
from kechuang.core.management import add_today_argument, today_from


class Command(BaseCommand):
    help = (
        "Tell the firms with portal accounts what the modules have for them today (expiring qualifications, new "
        "calls, deadlines, returned applications), each notice once (message centre and e-mail)."
    )

    def add_arguments(self, parser) -> None:
        add_today_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help="count what would be sent, send nothing")

    def handle(self, *args, **options) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # stored messages are read in the platform's language
            result = firm_notices_send(today=today_from(options), dry_run=options["dry_run"])
        verb = "would consider" if options["dry_run"] else "sent"
        self.stdout.write(
            f"Firm notices: {result['notices']} for {result['firms']} firms with accounts; "
            f"{verb} {result['sent']} new messages (the others were sent before)."
        )
