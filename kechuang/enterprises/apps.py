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
                NavItem(_("Import"), "enterprises:import", roles=WRITERS),  # read-only roles are refused there
            ),
            order=20,
        ),
    )

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
        from kechuang.enterprises.demo import DEMO_SIZE, load_population
        from kechuang.enterprises.models import Enterprise, LadderResult
        from kechuang.enterprises.services import ladder_evaluate_register

        created = 0
        if not Enterprise.objects.filter(region__parent=city).exists():
            created = load_population(city, DEMO_SIZE, history=True)
        evaluated = 0
        if created or not LadderResult.objects.exists():
            evaluated = ladder_evaluate_register()["enterprises"]
        if created:
            from kechuang.enterprises.feed import register_changed

            register_changed()
        return f"{created} enterprises created, {evaluated} evaluated"

    def organisation_by_credit_code(self, credit_code: str) -> dict[str, str] | None:
        from kechuang.enterprises.models import Enterprise

        row = Enterprise.objects.filter(credit_code=credit_code).values("name", "region__code").first()
        return {"name": row["name"], "region_code": row["region__code"]} if row else None

    def cockpit_cards(self, user):
        from kechuang.enterprises.selectors import cockpit_cards

        return cockpit_cards(user)
