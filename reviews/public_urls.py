from django.urls import path

from reviews import public_views

app_name = "transparency"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("deployments.csv", public_views.deployments_csv, name="deployments-csv"),
    path("deployments.json", public_views.deployments_json, name="deployments-json"),
    path("deployments/<str:reference>/", public_views.deployment_page, name="deployment"),
    path("deployments/<str:reference>.pdf", public_views.deployment_pdf, name="deployment-pdf"),
    path("<int:year>.pdf", public_views.year_pdf, name="year-pdf"),
]
