from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from oversight import views as oversight_views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("applications/", include("authority.urls")),
    path("accounts/officers/", include("authority.account_urls")),
    path("watchlists/", include("watchlists.urls")),
    path("deployments/", include("deployments.urls")),
    path("reviews/", include("reviews.urls")),
    path("admin/login/", views.admin_sign_in),  # before admin/: one throttled sign-in
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("engine/", include("biometric_engine.urls")),
    path("oversight/", include("oversight.urls")),
    path(
        "transparency/ledger-key.pem",
        oversight_views.ledger_public_key,
        name="ledger-public-key",
    ),
    path(
        "transparency/ledger-checkpoint.json",
        oversight_views.ledger_public_checkpoint,
        name="ledger-public-checkpoint",
    ),
    path("transparency/", include("reviews.public_urls")),
]
