from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import WRITERS


class PlatformsConfig(AppConfig):
    name = "kechuang.platforms"
    label = "platforms"
    verbose_name = _("Innovation platforms")
    url_prefix = "platforms/"
    navigation = (
        NavGroup(
            _("Innovation platforms"),
            (
                NavItem(_("600 board"), "platforms:board"),
                NavItem(_("Platform registry"), "platforms:list"),
                NavItem(_("Lab pyramid"), "platforms:labs"),
                NavItem(_("Platform reserve pool"), "platforms:reserve"),
                NavItem(_("Incubation carriers"), "platforms:carriers"),
                NavItem(_("Incubation funnel"), "platforms:funnel"),
                NavItem(_("Counting rule"), "platforms:rule"),
                NavItem(_("Import platforms"), "platforms:import", roles=WRITERS),
            ),
            order=25,
        ),
    )

    def importers(self) -> list:
        from kechuang.platforms.importer import PlatformImport

        return [PlatformImport()]

    def indicator_feeds(self) -> list:
        from kechuang.platforms.feed import indicator_feeds

        return indicator_feeds()

    def load_demo_data(self, city) -> str:
        from kechuang.platforms.demo import DEMO_SIZE, load_demo

        return load_demo(city, DEMO_SIZE)

    def cockpit_cards(self, user):
        from kechuang.platforms.selectors import cockpit_cards

        return cockpit_cards(user)
