from django.urls import path

from kechuang.core import account_views, firm_account_views, unmask, views

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
    # The separated administrators' user management (core.user_admin) and the second factor (core.second_factor).
    path("accounts/users/", account_views.user_list, name="user_list"),
    path("accounts/users/export.xlsx", account_views.user_export, name="user_export"),
    path("accounts/users/new/", account_views.user_create, name="user_create"),
    path("accounts/users/<int:pk>/edit/", account_views.user_edit, name="user_edit"),
    path("accounts/users/<int:pk>/active/", account_views.user_active, name="user_active"),
    path("accounts/users/<int:pk>/reset-password/", account_views.user_reset_password, name="user_reset_password"),
    path("accounts/users/<int:pk>/grant/", account_views.user_grant, name="user_grant"),
    path("accounts/second-factor/", account_views.second_factor_enrol, name="second_factor_enrol"),
    path("accounts/second-factor/verify/", account_views.second_factor_verify, name="second_factor_verify"),
    # Enterprise portal accounts (core.firm_accounts): the public registration, the district's confirmation and
    # invitation codes, the enterprise administrator's page of its firm's accounts.
    path("accounts/register/", firm_account_views.register, name="register"),
    path("accounts/register/sent/", firm_account_views.register_done, name="register_done"),
    path("accounts/requests/", firm_account_views.registration_queue, name="registration_queue"),
    path("accounts/requests/<int:pk>/decide/", firm_account_views.registration_decide, name="registration_decide"),
    path("accounts/invitations/", firm_account_views.invitations, name="invitations"),
    path("accounts/invitations/<int:pk>/revoke/", firm_account_views.invitation_revoke, name="invitation_revoke"),
    path("accounts/firm-users/", firm_account_views.firm_users, name="firm_users"),
    path("accounts/firm-users/<int:pk>/active/", firm_account_views.firm_user_active, name="firm_user_active"),
    path(
        "accounts/firm-users/<int:pk>/reset-password/",
        firm_account_views.firm_user_reset_password,
        name="firm_user_reset_password",
    ),
    path("accounts/firm-users/<int:pk>/handover/", firm_account_views.firm_user_handover, name="firm_user_handover"),
    path("accounts/firm-api-tokens/", firm_account_views.firm_api_tokens, name="firm_api_tokens"),
    path(
        "accounts/firm-api-tokens/<int:pk>/revoke/",
        firm_account_views.firm_api_token_revoke,
        name="firm_api_token_revoke",
    ),
]
