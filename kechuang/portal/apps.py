from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The enterprise portal (企业服务门户): one firm's view of every module, in its own simple layout.

    It owns no records of its own: ladder verdicts, calls, scores, demands and talents stay with the modules that
    keep them, and the portal reads them through their selectors for the account's own credit code only.
    """

    name = "kechuang.portal"
    label = "portal"
    verbose_name = _("Enterprise portal")
    url_prefix = "portal/"
    navigation = ()
    # Every portal URL name is listed here as the pages are added: core.duties refuses the enterprise role the rest.
    external_pages: dict[str, set[str]] = {
        "enterprise": {
            "portal:home",
            "portal:push",
            "portal:applications",
            "portal:demands",
            "portal:demand_new",
            "portal:demand",
            "portal:demand_edit",
            "portal:ladder",
            "portal:facts",
            "portal:fact_correct",
            "portal:whatif",
            "api:portal_home",
            "api:portal_push",
            "api:portal_demands",
            "api:portal_demand",
            "api:portal_demand_create",
            "api:portal_demand_update",
            "api:portal_applications",
        }
    }
    # The first page of an enterprise account (core.duties.home_of): the portal's home, which gathers the firm's
    # tiers, pushes, applications, money and deadlines.
    external_home = {"enterprise": "portal:home"}
    # The firm's account pages (the message centre, the password) use the portal's layout too.
    external_layout = {"enterprise": "portal/base.html"}
