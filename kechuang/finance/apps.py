from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import BUREAU, WRITERS, Role


class FinanceConfig(AppConfig):
    name = "kechuang.finance"
    label = "finance"
    verbose_name = _("S&T finance")
    url_prefix = "finance/"
    navigation = (
        NavGroup(
            _("S&T finance"),
            (
                NavItem(_("Finance board"), "finance:board"),
                NavItem(_("Capability scores"), "finance:scores"),
                NavItem(_("Loans"), "finance:loans"),
                NavItem(_("Monthly loan filing"), "finance:loan_filing"),
                NavItem(_("Insurance pilot"), "finance:policies"),
                NavItem(_("Venture capital"), "finance:investments"),
                NavItem(_("VC institutions and funds"), "finance:funds"),
                NavItem(_("Listing reserve"), "finance:listing"),
                NavItem(_("Import loans"), "finance:loan_import", roles=WRITERS),
                NavItem(_("Scoring scheme"), "finance:scheme", roles=BUREAU),
                NavItem(_("Our credit-enhancement score"), "finance:my_score", roles=frozenset({Role.ENTERPRISE})),
            ),
            order=40,
        ),
    )
    # An enterprise account sees its own firm's score (its credit code), explained, on a page and in the API.
    external_pages = {"enterprise": {"finance:my_score", "api:finance_my_score"}}

    def importers(self) -> list:
        from kechuang.finance.importer import LoanImport

        return [LoanImport()]

    def load_demo_data(self, city) -> str:
        from kechuang.finance.demo import load_demo

        return load_demo(city)
