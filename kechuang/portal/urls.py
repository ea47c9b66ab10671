from django.urls import path

from kechuang.portal import ladder_views, market, views

app_name = "portal"

urlpatterns: list = [
    path("ladder/", ladder_views.ladder, name="ladder"),
    path("ladder/facts/", ladder_views.facts, name="facts"),
    path("ladder/facts/propose/", ladder_views.fact_correct, name="fact_correct"),
    path("ladder/what-if/", ladder_views.whatif, name="whatif"),
    path("", views.home, name="home"),
    path("push/", views.push, name="push"),
    path("applications/", views.applications, name="applications"),
    path("market/", market.demands, name="demands"),
    path("market/new/", market.demand_new, name="demand_new"),
    path("market/<int:pk>/", market.demand, name="demand"),
    path("market/<int:pk>/edit/", market.demand_edit, name="demand_edit"),
]
