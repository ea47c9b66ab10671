from django.urls import path

from kechuang.portal import market, views

app_name = "portal"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("push/", views.push, name="push"),
    path("applications/", views.applications, name="applications"),
    path("market/", market.demands, name="demands"),
    path("market/new/", market.demand_new, name="demand_new"),
    path("market/<int:pk>/", market.demand, name="demand"),
    path("market/<int:pk>/edit/", market.demand_edit, name="demand_edit"),
]
