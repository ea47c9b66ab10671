from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import AUDIT_READERS


class CoreConfig(AppConfig):
    name = "kechuang.core"
    label = "core"
    verbose_name = _("Platform")
    url_prefix = ""
    navigation = (
        NavGroup(
            _("Organisation"),
            (
                NavItem(_("Org units"), "core:org_units"),
                NavItem(_("Liaisons"), "core:liaison_list"),
                NavItem(_("Audit log"), "core:audit_log", roles=AUDIT_READERS),
            ),
            order=90,
        ),
    )

    def load_demo_data(self, city) -> str:
        from kechuang.core.demo import ensure_demo_liaisons

        return f"{ensure_demo_liaisons(city)} liaisons created"

    def ready(self) -> None:
        from kechuang.core import checks, crypto_checks, signals  # noqa: F401  (system checks; security-event audit)
