from django.contrib.auth import views as auth_views
from django.urls import include, path

from kechuang.api import api
from kechuang.core import views as core_views
from kechuang.core.registry import app_submodule, kechuang_apps

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", core_views.password_change, name="password_change"),
    path("accounts/awaiting-role/", core_views.awaiting_role, name="awaiting_role"),
    path("accounts/home/", core_views.my_home, name="my_home"),
    path("accounts/messages/", core_views.message_list, name="message_list"),
    path("accounts/messages/<int:pk>/", core_views.message_open, name="message_open"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    *[
        path(getattr(config, "url_prefix", f"{config.label}/"), include(f"{config.name}.urls"))
        for config in kechuang_apps()
        if app_submodule(config, "urls") is not None
    ],
]
