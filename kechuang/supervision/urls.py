from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from kechuang.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("periods/", views.periods, name="periods"),
    path("periods/<str:code>/close/", views.period_close, name="period_close"),
    path("periods/<str:code>/report.pdf", views.export_pdf, name="export_pdf"),
    path("periods/<str:code>/report.xlsx", views.export_xlsx, name="export_xlsx"),
    path("mine/", views.my_reports, name="my_reports"),
    path("departments/<slug:code>/", views.department, name="department"),
    path("ranking/", views.ranking, name="ranking"),
    path("tasks/<int:number>/", views.task, name="task"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/transition/", views.report_transition, name="report_transition"),
    path("reports/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("messages/", views.report_messages, name="messages"),
    # The page's address before the module's inbox became a view of the message centre (bookmarks).
    path(
        "notifications/",
        login_required(RedirectView.as_view(pattern_name="supervision:messages", query_string=True)),
        name="notifications",
    ),
]
