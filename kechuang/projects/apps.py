from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import BUREAU, Role


class ProjectsConfig(AppConfig):
    name = "kechuang.projects"
    label = "projects"
    verbose_name = _("S&T projects and funds")
    url_prefix = "projects/"
    navigation = (
        NavGroup(
            _("S&T projects and funds"),
            (
                NavItem(_("Project pipeline"), "projects:pipeline"),
                NavItem(_("Open-call board"), "projects:calls"),
                NavItem(_("Funds"), "projects:funds"),
                NavItem(_("Risk compensation pool"), "projects:pools"),
                NavItem(_("Case-by-case decisions"), "projects:decisions"),
                NavItem(_("Performance board"), "projects:performance"),
                NavItem(_("Rules and parameters"), "projects:rules"),
                NavItem(_("New call"), "projects:call_create", roles=BUREAU),
                NavItem(_("Import projects"), "projects:import", roles=BUREAU | {Role.DISTRICT_OFFICER}),
                NavItem(_("My reviews"), "projects:reviews", roles=frozenset({Role.EXPERT})),
                NavItem(_("Calls and my applications"), "projects:portal", roles=frozenset({Role.ENTERPRISE})),
            ),
            order=40,
        ),
    )
    # Pages opened to accounts outside the government (core.duties); each view checks the record is the user's own.
    external_pages = {
        Role.EXPERT: {"projects:reviews", "projects:review", "api:project_review_score"},
        Role.ENTERPRISE: {
            "projects:portal",
            "projects:portal_apply",
            "projects:portal_correction",
            "api:project_application_create",
            "api:project_corrections",
        },
    }

    def importers(self) -> list:
        from kechuang.projects.importer import ProjectImport

        return [ProjectImport()]

    def firm_notices(self, today, credit_codes) -> list:  # core.registry: new calls, deadlines, returned applications
        from kechuang.projects.notices import firm_notices

        return firm_notices(today, credit_codes)

    def load_demo_data(self, city) -> str:
        from kechuang.projects.demo import load_demo

        return load_demo(city)

    def cockpit_cards(self, user) -> list:
        from kechuang.projects.selectors import cockpit_cards

        return cockpit_cards(user)
