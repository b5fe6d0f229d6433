"""The site's URLconf with the RFR/OIFR pages and API mounted as the lead will mount them:
the pages inside the "deployments" namespace, the API routes on a v1 router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from config.urls import urlpatterns as site
from deployments.api.searches import ROUTES

router = DefaultRouter()
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("deployments/", include(("deployments.search_urls", "deployments"))),
    path("api/v1/", include(router.urls)),
    *site,
]
