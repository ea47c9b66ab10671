from __future__ import annotations

from django.core.management.base import BaseCommand

from kechuang.indicators.catalogue import catalogue_load


class Command(BaseCommand):
    help = (
        "Load the indicator catalogue (kechuang/indicators/data/catalogue.csv) and the city's published figures "
        "(idempotent). Run after load_policy; indicators the policy created keep the policy's name, unit and direction."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(catalogue_load(actor=None).line())
