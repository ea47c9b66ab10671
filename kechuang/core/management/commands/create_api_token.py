from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue a bearer token for a machine client acting as USERNAME; the token is printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'statistics bureau sync'")
        parser.add_argument("--days", type=int, default=365, help="validity in days (default 365)")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        with transaction.atomic():
            token, raw = ApiToken.issue(
                user=user, name=options["name"], expires_at=timezone.now() + dt.timedelta(days=options["days"])
            )
            audit.record(actor=None, action=audit.Action.TOKEN, obj=token, detail={"user": user.username})
        self.stdout.write(f"Token for {user.username} ({user.role_label}), valid until {token.expires_at:%Y-%m-%d}:")
        self.stdout.write(raw)
