from django.urls import path

from kechuang.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("export.xlsx", views.pipeline_export, name="pipeline_export"),
    path("import/", views.project_import, name="import"),
    path("import/template.xlsx", views.project_import_template, name="import_template"),
    path("import/export.xlsx", views.project_import_export, name="import_export"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/action/", views.project_action, name="project_action"),
    path("calls/", views.call_list, name="calls"),
    path("calls/export.xlsx", views.call_export, name="call_export"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/action/", views.call_action, name="call_action"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/action/", views.application_action, name="application_action"),
    path("funds/", views.funds, name="funds"),
    path("funds/export.xlsx", views.funds_export, name="funds_export"),
    path("pools/", views.pools, name="pools"),
    path("pools/action/", views.pool_action, name="pool_action"),
    path("decisions/", views.decisions, name="decisions"),
    path("performance/", views.performance, name="performance"),
    path("rules/", views.rules, name="rules"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("portal/", views.portal, name="portal"),
    path("portal/calls/<int:pk>/apply/", views.portal_apply, name="portal_apply"),
    path("portal/corrections/<int:pk>/respond/", views.portal_correction, name="portal_correction"),
]
