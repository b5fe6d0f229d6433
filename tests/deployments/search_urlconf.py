"""The site's URLconf with the RFR/OIFR pages and API mounted as the lead will mount them:
the pages inside the "deployments" namespace, beside the deployment pages; the API routes on
a v1 router of their own, ahead of the site's."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from config.urls import urlpatterns as site
from deployments import urls as deployment_urls
from deployments.api.searches import ROUTES

router = DefaultRouter()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

deployments = [*deployment_urls.urlpatterns, path("", include("deployments.search_urls"))]

urlpatterns = [
    path("deployments/", include((deployments, "deployments"))),
    path("api/v1/", include(router.urls)),
    *(p for p in site if str(p.pattern) != "deployments/"),
]
