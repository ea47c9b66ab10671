from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import ACCOUNT_CONFIRMERS, AUDIT_READERS, USER_READERS, Role


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
                NavItem(_("Portal account requests"), "core:registration_queue", roles=ACCOUNT_CONFIRMERS),
                NavItem(_("Invitation codes"), "core:invitations", roles=ACCOUNT_CONFIRMERS),
            ),
            order=90,
        ),
        # The separated administrators' pages (三权分立): each sees only the entries of their duty.
        NavGroup(
            _("Administration"),
            (
                NavItem(_("Accounts"), "core:user_list", roles=USER_READERS),
                NavItem(_("Org units"), "core:org_units", roles=USER_READERS),
                NavItem(_("Audit log"), "core:audit_log", roles=AUDIT_READERS),
            ),
            order=95,
        ),
    )

    # The enterprise administrator's pages of its firm's accounts and API tokens (core.firm_accounts,
    # core.firm_tokens); the views refuse an enterprise user who is not its firm's administrator.
    external_pages = {
        Role.ENTERPRISE: {
            "core:firm_users",
            "core:firm_user_active",
            "core:firm_user_reset_password",
            "core:firm_user_handover",
            "core:firm_api_tokens",
            "core:firm_api_token_revoke",
        }
    }

    def load_demo_data(self, city) -> str:
        from kechuang.core.demo import ensure_demo_liaisons

        return f"{ensure_demo_liaisons(city)} liaisons created"

    def ready(self) -> None:
        from kechuang.core import checks, crypto_checks, signals  # noqa: F401  (system checks; security-event audit)
        from kechuang.core.consent import on_withdraw
        from kechuang.core.firm_accounts import REGISTRATION_PURPOSE, registration_consent_withdrawn

        on_withdraw(REGISTRATION_PURPOSE, registration_consent_withdrawn)
