"""The indicators as other modules' pages show them: what the cockpit's target cards say (core.registry's
`target_progress` hook, through IndicatorsConfig). The figures come from selectors.card_for, as on every page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.registry import TargetProgress, indicator_feeds
from kechuang.indicators import selectors
from kechuang.indicators.charts import fmt
from kechuang.policy.selectors import policy_for


def target_progress(user: Any, targets: list[Any]) -> dict[int, TargetProgress]:
    """Where each headline target stands, for the cockpit's cards (the status rule is on the dashboard)."""
    policy = policy_for(user)
    if policy is None:
        return {}
    _ctx, _unit, cards = selectors.target_cards(user, policy)
    feeds = indicator_feeds()
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
            what_if_url=reverse("indicators:what_if", args=[card.indicator.code])
            if selectors.what_if_applies(card.target)
            else "",
            **_provenance(card, policy.city, feeds),
        )
    return out


def _provenance(card: Any, city: Any, feeds: list) -> dict[str, str]:
    found = selectors.provenance(card.indicator, card.unit or city, card.assessment.latest_year, feeds)
    if not found:
        return {}
    counted = ""
    if found["counted"] is not None:
        counted = f"{found['counted_source']} {fmt(float(found['counted']))} {card.indicator.unit}".strip()
    return {"source": found["source"], "counted": counted, "source_url": found["list_url"] or found["counted_url"]}
