from django.urls import path

from kechuang.indicators import collection_views, views

app_name = "indicators"
# The paths keep their first words ("districts/"): bookmarks and briefings link them; the names say *region*.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("districts/", views.region_comparison, name="region_comparison"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/districts/", views.allocations, name="allocations"),
    path("observations/", views.observations, name="observations"),
    path("observations/export.xlsx", views.observations_export, {"fmt_": "xlsx"}, name="observations_xlsx"),
    path("observations/export.csv", views.observations_export, {"fmt_": "csv"}, name="observations_csv"),
    path("observations/new/", views.observation_new, name="observation_new"),
    path("observations/<int:pk>/", views.observation_history, name="observation_history"),
    path("import/", views.import_view, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("briefing/", views.briefing, name="briefing"),
    path("briefing/briefing.pdf", views.briefing_pdf, name="briefing_pdf"),
    path("briefing/briefing.xlsx", views.briefing_xlsx, name="briefing_xlsx"),
    # Data collection (DHIS2-like): the forms, the board, the data sets
    path("collection/", collection_views.collection, name="collection"),
    path("collection/board/", collection_views.board, name="collection_board"),
    path("collection/board.xlsx", collection_views.board_xlsx, name="collection_board_xlsx"),
    path("collection/data-sets/", collection_views.data_sets, name="data_sets"),
    path("collection/data-sets/new/", collection_views.data_set_new, name="data_set_new"),
    path("collection/data-sets/<slug:code>/", collection_views.data_set, name="data_set"),
    path("collection/data-sets/<slug:code>/edit/", collection_views.data_set_edit, name="data_set_edit"),
    path("collection/data-sets/<slug:code>/rules/", collection_views.rule_add, name="data_set_rule_add"),
    path("collection/rules/<int:pk>/remove/", collection_views.rule_remove, name="data_set_rule_remove"),
    path("collection/form/<slug:data_set>/<slug:org>/<str:period>/", collection_views.entry, name="collection_entry"),
    path(
        "collection/form/<slug:data_set>/<slug:org>/<str:period>/<slug:action>/",
        collection_views.step,
        name="collection_step",
    ),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/what-if/", views.what_if, name="what_if"),
    path("<slug:code>/what-if/firms.xlsx", views.what_if_export, name="what_if_export"),
]
