from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem


class PolicyConfig(AppConfig):
    name = "kechuang.policy"
    label = "policy"
    verbose_name = _("Policy")
    url_prefix = "policy/"
    navigation = (
        NavGroup(
            _("Policy"),
            (
                NavItem(_("Policy overview"), "policy:overview"),
                NavItem(_("Departments"), "policy:department_list"),
                NavItem(_("Search the policy"), "policy:search"),
            ),
            order=10,
        ),
    )

    def policy_for(self, user: Any, code: str | None = None) -> Any | None:
        from kechuang.policy.selectors import policy_for

        return policy_for(user, code)

    def task_departments(self, numbers: tuple[int, ...]) -> set[int]:
        from kechuang.policy.selectors import task_departments

        return task_departments(numbers)

    def default_policy(self):
        from kechuang.policy.selectors import default_policy

        return default_policy()
