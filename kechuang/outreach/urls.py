from django.urls import path

from kechuang.outreach import views

app_name = "outreach"

urlpatterns = [
    path("commissioners/", views.commissioners, name="commissioners"),
    path("commissioners/export/", views.commissioners_export, name="commissioners_export"),
    path("commissioners/<int:pk>/", views.commissioner, name="commissioner"),
    path("commissioners/<int:pk>/dispatch/", views.dispatch_create, name="dispatch_create"),
    path("commissioners/<int:pk>/assessment/", views.assessment_record, name="assessment_record"),
    path("dispatches/<int:pk>/log/", views.log_create, name="log_create"),
    path("logs/", views.logs, name="logs"),
    path("logs/export/", views.logs_export, name="logs_export"),
    path("regions/", views.region_view, name="regions"),
    path("statistics/", views.stats, name="stats"),
    path("statistics/export/", views.stats_export, name="stats_export"),
    path("popsci/bases/", views.bases, name="bases"),
    path("popsci/bases/export/", views.bases_export, name="bases_export"),
    path("popsci/candidates/", views.candidates, name="candidates"),
    path("popsci/bases/<int:pk>/evaluate/", views.base_evaluate, name="base_evaluate"),
    path("popsci/bases/<int:pk>/recognise/", views.base_recognise, name="base_recognise"),
    path("popsci/activities/", views.activities, name="activities"),
    path("popsci/activities/export/", views.activities_export, name="activities_export"),
    path("popsci/statistics/", views.popsci_stats, name="popsci_stats"),
    path("popsci/statistics/export/", views.popsci_stats_export, name="popsci_stats_export"),
    path("import/", views.import_page, name="import"),
    path("import/template/<slug:kind>/", views.import_template, name="import_template"),
]
