from django.apps import AppConfig


class WatchlistsConfig(AppConfig):
    name = "watchlists"
    verbose_name = "Watchlists and reference galleries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oversight.redaction import register_restricted_fields
        from watchlists.models import WatchlistEntry
        from watchlists.selectors import may_read_restricted

        # A person's name and date of birth: masked on every page, diff and response for
        # anyone but those composing, the signing authorising officer and subject access.
        register_restricted_fields(
            WatchlistEntry, fields=("name", "date_of_birth"), may_read=may_read_restricted
        )
