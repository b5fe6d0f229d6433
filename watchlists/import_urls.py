"""Bulk import pages. No app_name: included inside the watchlists namespace (as subject access
is), so the names read ``watchlists:import-start``, ``watchlists:import-detail`` and
``watchlists:import-progress``."""

from django.urls import path

from watchlists import import_views

urlpatterns = [
    path("<int:pk>/import/", import_views.import_start, name="import-start"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress.json", import_views.import_progress, name="import-progress"),
]
