from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import NavGroup, NavItem
from kechuang.core.roles import WRITERS


class IndicatorsConfig(AppConfig):
    name = "kechuang.indicators"
    label = "indicators"
    verbose_name = _("Indicator monitoring")
    url_prefix = "indicators/"
    navigation = (
        NavGroup(
            _("Indicator monitoring"),
            (
                NavItem(_("Indicator dashboard"), "indicators:dashboard"),
                NavItem(_("Region comparison"), "indicators:region_comparison"),
                NavItem(_("Targets and breakdowns"), "indicators:targets"),
                NavItem(_("Observations"), "indicators:observations"),
                NavItem(_("Import observations"), "indicators:import", roles=WRITERS),
                NavItem(_("Data collection"), "indicators:collection"),
                NavItem(_("Completeness board"), "indicators:collection_board"),
                NavItem(_("Indicator catalogue"), "indicators:catalogue"),
                NavItem(_("Briefing"), "indicators:briefing"),
            ),
            order=20,
        ),
    )

    # Its demo series of the indicators other modules count (the enterprise register's titles) are those counts.
    demo_after_feeds = True

    def ready(self) -> None:
        from kechuang.core.registry import indicator_feed_changed

        indicator_feed_changed.connect(_feed_changed, dispatch_uid="indicators.sync_feeds")

    def importers(self) -> list:
        from kechuang.indicators.imports import ObservationImport

        return [ObservationImport()]

    def target_progress(self, user, targets):
        from kechuang.indicators.pages import target_progress

        return target_progress(user, targets)

    def message_needs_action(self):
        from kechuang.indicators.services import message_needs_action

        return message_needs_action()

    def load_demo_data(self, city) -> str:
        from kechuang.indicators.demo import load_demo

        return load_demo(city)


def _feed_changed(sender, years=None, **kwargs) -> None:
    """A register changed (the signal comes after its commit): the fed observations are rewritten on the task
    worker, not inside the request that saved the record."""
    from kechuang.indicators.tasks import sync_feeds

    sync_feeds.enqueue(sorted(int(y) for y in years) if years is not None else None)
