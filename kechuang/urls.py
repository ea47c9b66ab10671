from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic.base import RedirectView

from kechuang.api import api
from kechuang.core import views as core_views
from kechuang.core.registry import app_submodule, kechuang_apps

urlpatterns = [
    path("", core_views.cockpit, name="cockpit"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # STATIC_URL already starts with "/": one more made "//static/…", a link to a host named "static".
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}kechuang/favicon.svg", permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    *[
        path(getattr(config, "url_prefix", f"{config.label}/"), include(f"{config.name}.urls"))
        for config in kechuang_apps()
        if app_submodule(config, "urls") is not None
    ],
    # Not at /admin/: the default path is the first one scanners try (security-baseline.md, 访问控制 b).
    path(settings.KECHUANG_ADMIN_PATH, admin.site.urls),
]
