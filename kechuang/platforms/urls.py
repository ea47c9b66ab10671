from django.urls import path

from kechuang.platforms import views

app_name = "platforms"
urlpatterns = [
    path("", views.platform_list, name="list"),
    path("export.xlsx", views.platform_export, name="export"),
    path("new/", views.platform_create, name="create"),
    path("board/", views.board, name="board"),
    path("rule/", views.rule, name="rule"),
    path("labs/", views.labs, name="labs"),
    path("reserve/", views.reserve, name="reserve"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("carriers/", views.carrier_list, name="carriers"),
    path("carriers/export.xlsx", views.carrier_export, name="carrier_export"),
    path("carriers/new/", views.carrier_edit, name="carrier_create"),
    path("carriers/<int:pk>/", views.carrier_detail, name="carrier"),
    path("carriers/<int:pk>/edit/", views.carrier_edit, name="carrier_edit"),
    path("carriers/<int:pk>/years/<int:year>/", views.carrier_year_edit, name="carrier_year_edit"),
    path("carriers/<int:pk>/incubatees/", views.incubatee_add, name="incubatee_add"),
    path("incubatees/<int:pk>/step/", views.incubatee_move, name="incubatee_move"),
    path("funnel/", views.funnel, name="funnel"),
    path("<int:pk>/", views.platform_detail, name="detail"),
    path("<int:pk>/edit/", views.platform_edit, name="edit"),
    path("<int:pk>/step/", views.platform_transition, name="transition"),
    path("<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("<int:pk>/years/<int:year>/", views.year_edit, name="year_edit"),
]
