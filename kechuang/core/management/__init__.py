"""Pieces the modules' management commands share."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone


def add_today_argument(parser: ArgumentParser) -> None:
    """`--today YYYY-MM-DD`: run a dated job (reminders) as if it were that day."""
    parser.add_argument("--today", default=None, help="run as if today were YYYY-MM-DD")


def today_from(options: dict[str, Any]) -> dt.date:
    """The day `--today` names, or today in the platform's time zone."""
    if not options.get("today"):
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(options["today"])
    except ValueError as exc:
        raise CommandError("--today must be YYYY-MM-DD") from exc
