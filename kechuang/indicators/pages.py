"""The indicators as other modules' pages show them: what the cockpit's target cards say (core.registry's
`target_progress` hook, through IndicatorsConfig). The figures come from selectors.card_for, as on every page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.registry import TargetProgress
from kechuang.indicators import selectors
from kechuang.indicators.charts import fmt
from kechuang.policy.selectors import policy_for


def target_progress(user: Any, targets: list[Any]) -> dict[int, TargetProgress]:
    """Where each headline target stands, for the cockpit's cards (the status rule is on the dashboard)."""
    policy = policy_for(user)
    if policy is None:
        return {}
    _ctx, _unit, cards = selectors.target_cards(user, policy)
    wanted = {t.pk for t in targets}
    out = {}
    for card in cards:
        a = card.assessment
        if card.target.pk not in wanted or a.latest_value is None:
            continue  # no observation yet: the cockpit says so in its own words
        value = f"{fmt(a.latest_value)} {card.indicator.unit}".strip()
        # The latest year, then the clause of the one rule that decided the status, with its numbers
        detail = " · ".join(part for part in (str(a.latest_year or ""), a.rule) if part)
        if card.demo:
            detail = f"{detail} · {_('demo data')}".strip(" ·")
        out[card.target.pk] = TargetProgress(
            status=card.status,
            value=value,
            detail=detail,
            url=reverse("indicators:detail", args=[card.indicator.code]),
            rule=tuple(selectors.status_rule_lines()),
            **_provenance(card, policy.city),
        )
    return out


def _provenance(card: Any, city: Any) -> dict[str, str]:
    found = selectors.provenance(card.indicator, card.unit or city, card.assessment.latest_year)
    if not found:
        return {}
    counted = ""
    if found["counted"] is not None:
        counted = f"{found['counted_source']} {fmt(float(found['counted']))} {card.indicator.unit}".strip()
    return {"source": found["source"], "counted": counted}
