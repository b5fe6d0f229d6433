from django.apps import AppConfig


class BiometricEngineConfig(AppConfig):
    name = "biometric_engine"
    verbose_name = "Biometric engine"

    def ready(self) -> None:
        from biometric_engine.services import ENROLMENT_REFUSED
        from oversight.registers import register_refused_actions

        # A refused enrolment into a standing gallery is listed with the gate's refusals.
        register_refused_actions(ENROLMENT_REFUSED)
