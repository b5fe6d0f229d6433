"""Subject access pages. No app_name: included inside the watchlists namespace, so the names
read ``watchlists:subject-access`` and ``watchlists:subject-access-report``."""

from django.urls import path

from watchlists import subject_access_views as views

urlpatterns = [
    path("subject-access/", views.subject_access, name="subject-access"),
    path("subject-access/report.pdf", views.subject_access_report, name="subject-access-report"),
]
