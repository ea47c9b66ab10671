from django.urls import path

from kechuang.core import unmask, views

app_name = "core"
urlpatterns = [
    path("org-units/", views.org_units, name="org_units"),
    path("liaisons/", views.liaison_list, name="liaison_list"),
    path("liaisons/export.xlsx", views.liaison_export, name="liaison_export"),
    path("liaisons/new/", views.liaison_edit, name="liaison_create"),
    path("liaisons/<int:pk>/", views.liaison_detail, name="liaison_detail"),
    path("liaisons/<int:pk>/edit/", views.liaison_edit, name="liaison_edit"),
    path("liaisons/<int:pk>/archive/", views.liaison_archive, name="liaison_archive"),
    path("audit/", views.audit_log, name="audit_log"),
    path("personal-data/unmask/<str:label>/<int:pk>/", unmask.unmask, name="unmask"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/errors.xlsx", views.import_job_errors, name="import_job_errors"),
]
