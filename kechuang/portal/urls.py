from django.urls import path

from kechuang.portal import ladder_views

app_name = "portal"

urlpatterns: list = [
    path("ladder/", ladder_views.ladder, name="ladder"),
    path("ladder/facts/", ladder_views.facts, name="facts"),
    path("ladder/facts/propose/", ladder_views.fact_correct, name="fact_correct"),
    path("ladder/what-if/", ladder_views.whatif, name="whatif"),
]
