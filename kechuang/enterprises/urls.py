from django.urls import path

from kechuang.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("export.xlsx", views.enterprise_export, name="export"),
    path("funnel/", views.funnel, name="funnel"),
    path("reserve/", views.reserve, name="reserve"),
    path("expiring/", views.expiring, name="expiring"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/errors.xlsx", views.import_job_annotated, name="import_job_annotated"),
    path("<str:credit_code>/", views.enterprise_detail, name="detail"),
    path("<str:credit_code>/facts.json", views.enterprise_facts_json, name="facts"),
]
