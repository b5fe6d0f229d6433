"""What the ledger refuses. Rules broken by a caller are DomainErrors; a write made outside a
transaction is a programming error and raises LedgerOutsideTransaction (a 500, on purpose)."""

from common.errors import DomainError


class InvalidLedgerEvent(DomainError):
    code = "invalid_ledger_event"
    kind = "invalid"
    default_detail = "The event cannot be written to the ledger as it stands."


class BiometricDataInLedger(InvalidLedgerEvent):
    code = "biometric_data_in_ledger"
    default_detail = (
        "Ledger payloads carry ids, counts, reasons and hashes, never images, biometric "
        "templates or vectors."
    )


class LedgerOutsideTransaction(RuntimeError):
    """record_event was called outside transaction.atomic(): the event and the action it
    records would not commit or roll back together, so nothing is written."""
