"""Version 1 of the REST API. Each app registers its viewsets on this one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from authority.api.applications import ApplicationViewSet
from authority.api.views import OfficerViewSet
from config.token_views import ObtainTokenView
from deployments.api.searches import ROUTES as SEARCH_ROUTES
from deployments.api.urls import ROUTES as DEPLOYMENT_ROUTES
from oversight.api.views import LedgerEntryViewSet
from reviews.api.urls import ROUTES as REVIEW_ROUTES
from watchlists.api.imports import WatchlistImportView
from watchlists.api.subject_access import SubjectAccessView
from watchlists.api.urls import ROUTES as WATCHLIST_ROUTES

router = DefaultRouter()
router.register("applications", ApplicationViewSet, basename="application")
router.register("officers", OfficerViewSet, basename="officer")
router.register("ledger", LedgerEntryViewSet, basename="ledger-entry")
for prefix, viewset, basename in [
    *WATCHLIST_ROUTES,
    *DEPLOYMENT_ROUTES,
    *SEARCH_ROUTES,
    *REVIEW_ROUTES,
]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    # The WAD is a file: no trailing slash, as the document's own name.
    path(
        "applications/<int:pk>/wad.pdf",
        ApplicationViewSet.as_view({"get": "wad"}),
        name="application-wad-pdf",
    ),
    path("subject-access/", SubjectAccessView.as_view(), name="subject-access"),
    path(
        "watchlists/<int:pk>/import/", WatchlistImportView.as_view(), name="watchlist-import-start"
    ),
    *router.urls,
]
