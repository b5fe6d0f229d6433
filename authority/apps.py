from django.apps import AppConfig


class AuthorityConfig(AppConfig):
    name = "authority"
    verbose_name = "Authority"

    def ready(self) -> None:
        from authority.inspection import WAD_SOURCE
        from authority.models import Application
        from authority.registers import COMPLIANCE_LABELS, ROLE_EVENTS, URGENT_AUTHORITIES
        from authority.selectors import may_read_restricted
        from oversight.documents import register_document_source
        from oversight.redaction import register_restricted_fields
        from oversight.registers import (
            register_compliance_labels,
            register_follow_up,
            register_role_events,
        )
        from oversight.selectors import URGENT_REGISTER

        register_document_source(WAD_SOURCE)
        register_follow_up(URGENT_REGISTER, URGENT_AUTHORITIES)
        register_compliance_labels(COMPLIANCE_LABELS)
        register_role_events(ROLE_EVENTS)
        # The intelligence case: masked on every page, diff and response for other readers.
        # Nothing else is: the expected footfall, for one, is a crowd estimate naming no source,
        # person or tactic, which the Silver commander and the reviewer need to read.
        register_restricted_fields(
            Application, fields=("intelligence_case",), may_read=may_read_restricted
        )
