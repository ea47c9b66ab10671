from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import BUREAU


class TalentConfig(AppConfig):
    name = "kechuang.talent"
    label = "talent"
    verbose_name = _("Talent services")
    url_prefix = "talent/"
    navigation = (
        NavGroup(
            _("Talent services"),
            (
                NavItem(_("Talent register"), "talent:list"),
                NavItem(_("Talent board"), "talent:board"),
                NavItem(_("Programmes"), "talent:programmes"),
                NavItem(_("Applications"), "talent:applications"),
                NavItem(_("Card desk"), "talent:cards"),
                NavItem(_("Service desk"), "talent:service_requests"),
                NavItem(_("Service catalogue"), "talent:service_items"),
                NavItem(_("Expert review"), "talent:review_list", roles=BUREAU),
                NavItem(_("Foreign experts"), "talent:visits"),
                NavItem(_("Foreign-intelligence projects"), "talent:projects"),
                NavItem(_("Tiers"), "talent:tiers"),
            ),
            order=45,
        ),
    )

    def indicator_feeds(self) -> list:
        from kechuang.talent.feed import indicator_feeds

        return indicator_feeds()

    def load_demo_data(self, city) -> str:
        from kechuang.talent.demo import load

        return load(city)
