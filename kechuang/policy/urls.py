from django.urls import path

from kechuang.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("tasks/<int:number>/", views.task_detail, name="task_detail"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/<slug:code>/", views.department_detail, name="department_detail"),
    path("search/", views.search, name="search"),
]
