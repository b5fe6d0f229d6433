"""The reviews app's routes on the one v1 router (config.api_urls registers each)."""

from reviews.api.views import ReviewViewSet

# (prefix, viewset, basename)
ROUTES = [("reviews", ReviewViewSet, "review")]
