from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        from django.conf import settings

        if getattr(settings, "LEDGER_REQUIRE_RESTRICTED_ROLE", False):
            from django.db.backends.signals import connection_created

            from oversight.dbroles import refuse_unrestricted_role

            connection_created.connect(
                refuse_unrestricted_role, dispatch_uid="oversight.refuse_unrestricted_role"
            )
