"""The one base error every rule broken in a service raises.

Each subclass carries a stable ``code`` for API clients and a sentence a person can act on.
``kind`` decides the HTTP status the API gives it: "invalid" → 400, "conflict" → 409
(wrong state), "forbidden" → 403, "unavailable" → 503 (the platform cannot do it now: try
again later).
"""

from typing import ClassVar, Literal

ErrorKind = Literal["invalid", "conflict", "forbidden", "unavailable"]


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    kind: ClassVar[ErrorKind] = "invalid"
    default_detail: ClassVar[str] = "The request breaks a rule of the platform."

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        self.detail = detail or self.default_detail
        self.field = field
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "detail": self.detail}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(DomainError):
    code = "invalid_input"
    kind = "invalid"


class WrongState(DomainError):
    code = "wrong_state"
    kind = "conflict"
    default_detail = "The object is not in a state that allows this action."


class NotPermitted(DomainError):
    code = "not_permitted"
    kind = "forbidden"
    default_detail = "You are not permitted to do this."


class StorageFull(DomainError):
    code = "storage_full"
    kind = "unavailable"
    default_detail = (
        "The file could not be stored: the platform's storage is full. Nothing was kept; "
        "try again once an administrator has freed space."
    )
