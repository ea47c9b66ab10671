from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import BUREAU, WRITERS


class TechmarketConfig(AppConfig):
    name = "kechuang.techmarket"
    label = "techmarket"
    verbose_name = _("Technology market")
    url_prefix = "techmarket/"
    navigation = (
        NavGroup(
            _("Technology market"),
            (
                NavItem(_("Market dashboard"), "techmarket:dashboard"),
                NavItem(_("Achievements"), "techmarket:achievements"),
                NavItem(_("Technology demands"), "techmarket:demands"),
                NavItem(_("Experts"), "techmarket:experts"),
                NavItem(_("Matching search"), "techmarket:search"),
                NavItem(_("Matchmaking"), "techmarket:matches"),
                NavItem(_("Matchmaking funnel"), "techmarket:funnel"),
                NavItem(_("Technology contracts"), "techmarket:contracts"),
                NavItem(_("Contract turnover"), "techmarket:statistics"),
                NavItem(_("Import from Excel"), "techmarket:import", roles=WRITERS),
                NavItem(_("Domain vocabulary"), "techmarket:vocabulary", roles=BUREAU),
                NavItem(_("Check queries"), "techmarket:checks", roles=BUREAU),
            ),
            order=30,
        ),
    )

    def ready(self) -> None:
        from kechuang.core import consent
        from kechuang.techmarket import checks, services  # noqa: F401  (registers the system checks)

        consent.on_withdraw(services.PUBLIC_DEMAND_PURPOSE, services.demand_consent_withdrawn)

    def importers(self) -> list:
        from kechuang.techmarket.importer import importers

        return importers()

    def indicator_feeds(self):
        from kechuang.techmarket.feed import indicator_feeds

        return indicator_feeds()

    def load_demo_data(self, city) -> str:
        from kechuang.techmarket.demo import load_demo

        return load_demo(city)

    def data_folders(self):
        """The matching index, for `manage.py backup`; a restore without it rebuilds it from the database."""
        from kechuang.core.backup import DataFolder
        from kechuang.techmarket.index import index_dir

        return [DataFolder("match_index", index_dir(), rebuild_command="rebuild_match_index")]

    def technology_demands(self, user, *, pk=None, query="", limit=50):
        from kechuang.techmarket.selectors import demand_summaries

        return demand_summaries(user, pk=pk, query=query, limit=limit)

    def cockpit_cards(self, user):
        from kechuang.techmarket.selectors import cockpit_cards

        return cockpit_cards(user)
