"""Daily (cron: 10 8 * * * cd /srv/kechuang && .venv/bin/python manage.py talent_daily): cards past their expiry are
marked expired (their codes stop verifying), open service requests past their time limit are flagged, and the
reminders go out through the message centre (talent.reminders: card renewals to the holder and the issuing
department, time limits exceeded to the provider department), once each."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = "Expire talent cards, flag late service requests, send renewal and time-limit reminders."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, **options):
        from kechuang.talent import services
        from kechuang.talent.engines import cards as card_rules
        from kechuang.talent.models import TalentCard

        today = options["today"] or timezone.localdate()
        expired = services.expire_cards(today=today)
        late = services.flag_breaches(today=today)
        due = [
            c
            for c in TalentCard.objects.filter(state=card_rules.ISSUED).select_related("card_type", "talent")
            if card_rules.renewal_due(c.expires_on, today, c.card_type.reminder_days)
        ]
        for card in due:
            self.stdout.write(f"renewal due: {card.number} {card.card_type.name} expires {card.expires_on}")
        from kechuang.talent.reminders import send_reminders

        sent = send_reminders(today=today)
        self.stdout.write(
            f"{expired} cards expired, {late} requests flagged late, {len(due)} cards due for renewal; "
            f"messages: {sent.renewals} renewal reminders, {sent.breaches} time-limit reminders"
        )
