from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import Role


class SupervisionConfig(AppConfig):
    name = "kechuang.supervision"
    label = "supervision"
    verbose_name = _("Supervision")
    url_prefix = "supervision/"
    navigation = (
        NavGroup(
            _("Supervision"),
            (
                NavItem(_("Report matrix"), "supervision:matrix"),
                NavItem(
                    _("My department's reports"), "supervision:my_reports", roles=frozenset({Role.DEPARTMENT_OFFICER})
                ),
                NavItem(_("Reporting periods"), "supervision:periods"),
                NavItem(_("Timeliness ranking"), "supervision:ranking"),
                NavItem(_("Messages on reports"), "supervision:messages"),
            ),
            order=20,
        ),
    )

    def cockpit_cards(self, user) -> list:
        from kechuang.supervision.cockpit import cards

        return cards(user)

    def briefing_digest(self, user, policy, *, cadence, start, end, today):
        from kechuang.supervision.briefing import digest

        return digest(user, policy, cadence=cadence, start=start, end=end, today=today)

    def message_needs_action(self):
        from kechuang.supervision.selectors import message_needs_action

        return message_needs_action()

    def indicator_feeds(self) -> list:
        from kechuang.supervision.feed import indicator_feeds

        return indicator_feeds()

    def load_demo_data(self, city) -> str:
        from kechuang.supervision.demo import load_demo

        return load_demo(city)
