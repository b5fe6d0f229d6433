from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deployments"
    verbose_name = "Deployments"

    def ready(self) -> None:
        from deployments.models import Alert
        from deployments.selectors import may_read_alert_restricted
        from oversight.redaction import register_restricted_fields

        # An alert's crop, and the matched person's name and date of birth as shown with the
        # alert: only the people on the deployment (who compare and act) and oversight.
        register_restricted_fields(
            Alert,
            fields=("crop", "entry_name", "entry_date_of_birth"),
            may_read=may_read_alert_restricted,
        )
