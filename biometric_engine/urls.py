from django.urls import path

from biometric_engine import views

app_name = "engine"
urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
]
