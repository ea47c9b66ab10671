from django.urls import path

from kechuang.talent import views

app_name = "talent"

urlpatterns = [
    path("", views.talent_list, name="list"),
    path("export/", views.talent_export, name="export"),
    path("new/", views.talent_edit, name="create"),
    path("<int:pk>/", views.talent_detail, name="detail"),
    path("<int:pk>/edit/", views.talent_edit, name="edit"),
    path("<int:pk>/archive/", views.talent_archive, name="archive"),
    path("board/", views.board, name="board"),
    path("tiers/", views.tiers, name="tiers"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<slug:code>/", views.programme_detail, name="programme"),
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/assign/", views.application_assign, name="application_assign"),
    path("applications/<int:pk>/<slug:action>/", views.application_step, name="application_step"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("memberships/", views.memberships, name="memberships"),
    path("foreign-experts/", views.visits, name="visits"),
    path("foreign-projects/", views.projects, name="projects"),
]

urlpatterns += [
    path("cards/", views.cards, name="cards"),
    path("cards/apply/", views.card_apply, name="card_apply"),
    path("cards/verify/", views.card_verify, name="card_verify"),
    path("cards/<int:pk>/", views.card_detail, name="card"),
    path("cards/<int:pk>/<slug:action>/", views.card_step, name="card_step"),
]

urlpatterns += [
    path("services/", views.service_items, name="service_items"),
    path("requests/", views.service_requests, name="service_requests"),
    path("requests/new/", views.service_request_create, name="service_request_create"),
    path("requests/<int:pk>/", views.service_request_detail, name="service_request"),
    path("requests/<int:pk>/<slug:action>/", views.service_request_step, name="service_request_step"),
]

urlpatterns += [
    path("portal/", views.portal_home, name="portal_home"),
    path("portal/requests/", views.portal_request, name="portal_request"),
    path("portal/requests/<int:pk>/<slug:action>/", views.portal_request_step, name="portal_request_step"),
    path("portal/cards/", views.portal_card_apply, name="portal_card_apply"),
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/apply/", views.employer_apply, name="employer_apply"),
]

urlpatterns += [
    path("import/", views.talent_import, name="import"),
    path("import/template/", views.talent_import_template, name="import_template"),
]

urlpatterns += [path("<int:pk>/account/", views.talent_bind_account, name="bind_account")]

urlpatterns += [
    path("teams/", views.team_list, name="teams"),
    path("teams/export/", views.team_export, name="team_export"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/archive/", views.team_archive, name="team_archive"),
]

urlpatterns += [
    path("foreign-experts/experts/", views.foreign_experts, name="foreign_experts"),
    path("foreign-experts/experts/new/", views.foreign_expert_edit, name="foreign_expert_create"),
    path("foreign-experts/experts/<int:pk>/edit/", views.foreign_expert_edit, name="foreign_expert_edit"),
    path("foreign-experts/visits/new/", views.visit_edit, name="visit_create"),
    path("foreign-experts/visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("foreign-projects/new/", views.project_edit, name="project_create"),
    path("foreign-projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("foreign-projects/outcomes/", views.outcomes, name="outcomes"),
    path("foreign-import/", views.foreign_import, name="foreign_import"),
    path("foreign-import/template/", views.foreign_import_template, name="foreign_import_template"),
]

urlpatterns += [
    path("register/", views.talent_register, name="register"),
    path("register/sent/", views.talent_register_sent, name="register_sent"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<int:pk>/<slug:action>/", views.registration_step, name="registration_step"),
    path(
        "employer/registrations/<int:pk>/<slug:action>/",
        views.employer_registration_step,
        name="employer_registration_step",
    ),
]
