"""The deployments app's routes on the one v1 router (config.api_urls registers each)."""

from deployments.api.views import AlertViewSet, DeploymentViewSet

# (prefix, viewset, basename)
ROUTES = [
    ("deployments", DeploymentViewSet, "deployment"),
    ("alerts", AlertViewSet, "alert"),
]
