"""The talent module's daily reminders, through the message centre (core.messages.notify: in-app and e-mail, once
per key), run by `manage.py talent_daily`:

- card renewal: an issued card within its type's reminder period before expiry → the holder's portal account and
  the officers of the issuing department (who renew it); once per card and expiry day;
- time limit exceeded: an open service request past its due day → the officers of its provider department (the
  queue's owners); once per request and due day (a request returned and resubmitted gets a new due day, and a new
  reminder if it runs late again)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.core.messages import notify
from kechuang.core.models import Message, User
from kechuang.core.roles import Role
from kechuang.talent.engines import cards as card_rules
from kechuang.talent.engines import requests as reqflow
from kechuang.talent.models import ServiceRequest, TalentCard


@dataclass
class Sent:
    renewals: int = 0
    breaches: int = 0


def _officers(unit_ids: set[int]) -> dict[int, list[User]]:
    by_unit: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(role=Role.DEPARTMENT_OFFICER, org_unit_id__in=unit_ids, is_active=True):
        by_unit[user.org_unit_id].append(user)
    return by_unit


@transaction.atomic
def send_reminders(*, today: dt.date) -> Sent:
    """Send the day's reminders; returns how many messages were created (a second run the same day creates none)."""
    sent = Sent()
    with translation.override(settings.LANGUAGE_CODE):
        cards = [
            c
            for c in TalentCard.objects.filter(
                state=card_rules.ISSUED, expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=366)
            ).select_related("card_type", "talent__account")
            if card_rules.renewal_due(c.expires_on, today, c.card_type.reminder_days)
        ]
        issuers = _officers({c.card_type.issuer_id for c in cards if c.card_type.issuer_id})
        for card in cards:
            key = f"talent.card_renewal:{card.pk}:{card.expires_on:%Y-%m-%d}"
            facts = {"card": card.card_type.name, "number": card.number, "day": f"{card.expires_on:%Y-%m-%d}"}
            holder = card.talent.account
            if holder is not None:
                sent.renewals += len(
                    notify(
                        [holder],
                        kind=Message.Kind.EXPIRING,
                        subject=_("Your %(card)s expires on %(day)s: apply for its renewal") % facts,
                        body=_("Card %(number)s is valid until %(day)s.") % facts,
                        url=reverse("talent:portal_home"),
                        key=key,
                    )
                )
            sent.renewals += len(
                notify(
                    issuers.get(card.card_type.issuer_id, []),
                    kind=Message.Kind.EXPIRING,
                    subject=_("Talent card %(number)s (%(name)s) expires on %(day)s")
                    % {**facts, "name": card.talent.name},
                    body=_("Renew it on the card page if the holder still qualifies."),
                    url=reverse("talent:card", args=[card.pk]),
                    key=key,
                )
            )
        late = list(
            ServiceRequest.objects.filter(
                state__in=[reqflow.ACCEPTED, reqflow.IN_PROGRESS], due_on__lt=today
            ).select_related("item", "talent")
        )
        providers = _officers({r.item.provider_id for r in late})
        for req in late:
            facts = {"item": req.item.name, "name": req.talent.name, "day": f"{req.due_on:%Y-%m-%d}"}
            sent.breaches += len(
                notify(
                    providers.get(req.item.provider_id, []),
                    kind=Message.Kind.OVERDUE,
                    subject=_("Service request past its time limit: %(item)s for %(name)s (due %(day)s)") % facts,
                    body=_(
                        "The time limit counts working days from the acceptance; complete the request or return it "
                        "for information."
                    ),
                    url=reverse("talent:service_request", args=[req.pk]),
                    key=f"talent.sla_breach:{req.pk}:{req.due_on:%Y-%m-%d}",
                )
            )
    return sent
