from django.urls import path

from kechuang.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("export.xlsx", views.enterprise_export, name="export"),
    path("register.xlsx", views.register_export, name="register_export"),
    path("funnel/", views.funnel, name="funnel"),
    path("reserve/", views.reserve, name="reserve"),
    path("expiring/", views.expiring, name="expiring"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("new/", views.enterprise_edit, name="create"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction"),
    path("<str:credit_code>/", views.enterprise_detail, name="detail"),
    path("<str:credit_code>/edit/", views.enterprise_edit, name="edit"),
    path("<str:credit_code>/status/", views.enterprise_status, name="status"),
    path("<str:credit_code>/years/<int:year>/", views.year_edit, name="year_edit"),
    path("<str:credit_code>/add/<slug:kind>/", views.record_add, name="record_add"),
    path("<str:credit_code>/facts.json", views.enterprise_facts_json, name="facts"),
]
