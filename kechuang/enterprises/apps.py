from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import WRITERS


class EnterprisesConfig(AppConfig):
    name = "kechuang.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")
    url_prefix = "enterprises/"
    navigation = (
        NavGroup(
            _("Enterprise ladder"),
            (
                NavItem(_("Enterprises"), "enterprises:list"),
                NavItem(_("Ladder funnel"), "enterprises:funnel"),
                NavItem(_("Reserve pool"), "enterprises:reserve"),
                NavItem(_("Expiring qualifications"), "enterprises:expiring"),
                NavItem(_("Fact corrections"), "enterprises:corrections"),
                NavItem(_("Import"), "enterprises:import", roles=WRITERS),  # read-only roles are refused there
            ),
            order=20,
        ),
    )

    # An enterprise account's own ladder, what-if and corrections through the API (the portal's pages are the portal's).
    external_pages = {
        "enterprise": {
            "api:my_ladder",
            "api:my_whatif",
            "api:my_corrections",
            "api:my_correction_propose",
        }
    }

    def importers(self) -> list:
        from kechuang.enterprises.importer import RegisterImport

        return [RegisterImport()]

    def indicator_feeds(self) -> list:
        from kechuang.enterprises.feed import indicator_feeds

        return indicator_feeds()

    def indicator_pipeline(self, code: str):
        from kechuang.enterprises.feed import indicator_pipeline

        return indicator_pipeline(code)

    def support_pool_codes(self) -> set[str]:
        from kechuang.enterprises.feed import INDICATOR_OF_TIER

        return set(INDICATOR_OF_TIER.values())

    def support_pool(self, user, code: str, **programme):
        from kechuang.enterprises.feed import support_pool

        return support_pool(user, code, **programme)

    def load_demo_data(self, city) -> str:
        from kechuang.enterprises.demo import (
            DEMO_SIZE,
            load_demo_corrections,
            load_population,
            load_portal_accounts,
            load_showcase,
        )
        from kechuang.enterprises.models import Enterprise, LadderResult
        from kechuang.enterprises.services import ladder_evaluate_register

        created = 0
        if not Enterprise.objects.filter(region__parent=city).exists():
            created = load_population(city, DEMO_SIZE, history=True)
        showcase = load_showcase(city)
        evaluated = 0
        if created or showcase or not LadderResult.objects.exists():
            evaluated = ladder_evaluate_register()["enterprises"]
        if created or showcase:
            from kechuang.enterprises.feed import register_changed

            register_changed()
        accounts = load_portal_accounts(city)
        corrections = load_demo_corrections(city)
        return (
            f"{created} enterprises created ({showcase} showcase firms), {evaluated} evaluated, "
            f"{accounts} firm portal accounts and {corrections} fact corrections created"
        )

    def fact_correction_propose(self, **kwargs):
        from kechuang.enterprises.services import fact_correction_propose

        return fact_correction_propose(**kwargs)

    def demo_firm(self, role: str):
        """core.registry.demo_firm: the enterprise accounts act for the showcase firm one criterion short of the
        high-tech title (demo.SHOWCASE_ACCOUNT_FIRM), once it is in the register."""
        from kechuang.enterprises.demo import showcase_account_firm

        if role != "enterprise":
            return None
        code = showcase_account_firm()
        return self.enterprise_refs([code]).get(code) if code else None

    def enterprise_refs(self, codes: list[str]) -> dict:
        """core.registry.enterprise_refs: the firms among `codes`, with the first issue date of each title held."""
        from django.urls import reverse

        from kechuang.core.registry import EnterpriseRef
        from kechuang.enterprises.models import Enterprise, Qualification

        titles: dict[str, dict] = {}
        for chunk in range(0, len(codes), 5000):  # under SQLite's 32,766 bound variables
            part = codes[chunk : chunk + 5000]
            for code, tier, issued in (
                Qualification.objects.filter(enterprise__credit_code__in=part, revoked=False)
                .order_by("issue_date")
                .values_list("enterprise__credit_code", "tier", "issue_date")
            ):
                titles.setdefault(code, {}).setdefault(tier, issued)
        found = {}
        detail = reverse("enterprises:detail", args=["CODE"])
        for chunk in range(0, len(codes), 5000):
            for code, name, region in Enterprise.objects.filter(
                credit_code__in=codes[chunk : chunk + 5000]
            ).values_list("credit_code", "name", "region__code"):
                found[code] = EnterpriseRef(code, name, region, detail.replace("CODE", code), titles.get(code, {}))
        return found

    def enterprises_in(self, region_codes: list[str], limit: int | None = None) -> list:
        """core.registry.enterprises_in: the active firms of those regions, in the register's order."""
        from kechuang.enterprises.models import Enterprise

        active = Enterprise.objects.filter(region__code__in=region_codes, status=Enterprise.Status.ACTIVE)
        listed = active.order_by("pk").values_list("credit_code", flat=True)
        codes = list(listed[:limit] if limit else listed)
        found = self.enterprise_refs(codes)
        return [found[c] for c in codes if c in found]

    def enterprise_profiles(self, codes=None, *, as_of=None) -> list:
        from kechuang.enterprises.selectors import capability_profiles

        return capability_profiles(codes, as_of=as_of)

    def tier_holders(self, tier: str, on=None) -> set:
        from kechuang.enterprises.selectors import tier_holders

        return tier_holders(tier, on)

    def firm_notices(self, today, credit_codes) -> list:
        """core.registry.firm_notices: qualifications expiring within 90 and 30 days."""
        from kechuang.enterprises.notices import firm_notices

        return firm_notices(today, credit_codes)

    def cockpit_cards(self, user):
        from kechuang.enterprises.selectors import cockpit_cards

        return cockpit_cards(user)
