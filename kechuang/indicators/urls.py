from django.urls import path

from kechuang.indicators import views

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
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/what-if/", views.what_if, name="what_if"),
    path("<slug:code>/what-if/firms.xlsx", views.what_if_export, name="what_if_export"),
]
