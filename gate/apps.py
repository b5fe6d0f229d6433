from django.apps import AppConfig


class GateConfig(AppConfig):
    name = "gate"
    verbose_name = "Gate"

    def ready(self) -> None:
        from gate.checks import REFUSED
        from gate.enrolment import REFUSED as ENROLMENT_REFUSED
        from oversight.registers import register_refused_actions

        # Oversight's register of refused engine calls lists the gate's refusals.
        register_refused_actions(REFUSED, ENROLMENT_REFUSED)
