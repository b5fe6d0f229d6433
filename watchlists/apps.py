from django.apps import AppConfig


class WatchlistsConfig(AppConfig):
    name = "watchlists"
    verbose_name = "Watchlists and reference galleries"
    default_auto_field = "django.db.models.BigAutoField"
