from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import WRITERS


class OutreachConfig(AppConfig):
    name = "kechuang.outreach"
    label = "outreach"
    verbose_name = _("Rural S&T and popular science")
    url_prefix = "outreach/"
    navigation = (
        NavGroup(
            _("Rural S&T and popular science"),
            (
                NavItem(_("S&T commissioners"), "outreach:commissioners"),
                NavItem(_("Service logs"), "outreach:logs"),
                NavItem(_("Villages served"), "outreach:regions"),
                NavItem(_("Commissioner statistics"), "outreach:stats"),
                NavItem(_("Popular-science bases"), "outreach:bases"),
                NavItem(_("Provincial title candidates"), "outreach:candidates"),
                NavItem(_("Popular-science activities"), "outreach:activities"),
                NavItem(_("Popular-science statistics"), "outreach:popsci_stats"),
                NavItem(_("Import commissioners and activities"), "outreach:import", roles=WRITERS),
            ),
            order=40,
        ),
    )

    def importers(self) -> list:
        from kechuang.outreach.importer import importers

        return importers()

    def indicator_feeds(self) -> list:
        from kechuang.outreach.feed import indicator_feeds

        return indicator_feeds()

    def load_demo_data(self, city) -> str:
        from kechuang.outreach.demo import DEMO_SIZE, load_demo

        return load_demo(city, DEMO_SIZE)
