from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import BUREAU, Role


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
                NavItem(
                    _("Import talents"),
                    "talent:import",
                    roles=frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.DISTRICT_OFFICER}),
                ),
                NavItem(_("Talent teams"), "talent:teams"),
                NavItem(_("Programmes"), "talent:programmes"),
                NavItem(_("Applications"), "talent:applications"),
                NavItem(_("Card desk"), "talent:cards"),
                NavItem(_("Service desk"), "talent:service_requests"),
                NavItem(_("Service catalogue"), "talent:service_items"),
                NavItem(_("Expert review"), "talent:review_list", roles=BUREAU | {Role.EXPERT}),
                NavItem(_("Foreign experts"), "talent:foreign_experts"),
                NavItem(_("Foreign-expert visits"), "talent:visits"),
                NavItem(_("Foreign-intelligence projects"), "talent:projects"),
                NavItem(_("Foreign-intelligence outcomes"), "talent:outcomes"),
                NavItem(
                    _("Import foreign experts"),
                    "talent:foreign_import",
                    roles=frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.DISTRICT_OFFICER}),
                ),
                NavItem(_("Tiers"), "talent:tiers"),
                NavItem(
                    _("Portal account requests"),
                    "talent:registrations",
                    roles=frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.DISTRICT_OFFICER}),
                ),
            ),
            order=45,
        ),
        NavGroup(
            _("My talent services"),
            (
                NavItem(_("My card and services"), "talent:portal_home", roles=frozenset({Role.TALENT})),
                NavItem(_("Our talents' programmes"), "talent:employer_home", roles=frozenset({Role.ENTERPRISE})),
            ),
            order=46,
        ),
    )

    # The portal (全服务上网): each external role reaches its own pages; the views check the record is its own.
    external_pages = {
        "talent": {
            "talent:portal_home",
            "talent:portal_request",
            "talent:portal_request_step",
            "talent:portal_card_apply",
            # the API of the portal: their own cards and requests only (selectors.cards / service_requests)
            "api:talent_cards",
            "api:talent_card",
            "api:talent_card_apply",
            "api:talent_service_items",
            "api:talent_service_requests",
            "api:talent_service_request",
            "api:talent_service_request_create",
            "api:talent_service_request_step",
        },
        "enterprise": {"talent:employer_home", "talent:employer_apply", "talent:employer_registration_step"},
        "expert": {"talent:review_list", "talent:review"},
    }

    def importers(self) -> list:
        from kechuang.talent.foreign_import import ForeignImport
        from kechuang.talent.importer import TalentImport

        return [TalentImport(), ForeignImport()]

    def indicator_feeds(self) -> list:
        from kechuang.talent.feed import indicator_feeds

        return indicator_feeds()

    def load_demo_data(self, city) -> str:
        from kechuang.talent.demo import load

        return load(city)
