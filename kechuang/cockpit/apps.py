from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem


class CockpitConfig(AppConfig):
    """The home page: the policy's headline targets and every module's cards, gathered through core.registry."""

    name = "kechuang.cockpit"
    label = "cockpit"
    verbose_name = _("Cockpit")
    url_prefix = ""
    navigation = (NavGroup(_("Cockpit"), (NavItem(_("Cockpit"), "cockpit"),), order=0),)
