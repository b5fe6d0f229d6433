"""AuthorityScope: what one valid authority lets the engine do, signed so it cannot be forged.

Only ``gate.minting`` creates one. The signature stops a caller widening a scope
(another watchlist, a lower threshold); the gate still re-checks every field against the
database at each call, so a cancelled, lapsed or expired authority stops the next call.
"""

import hmac
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "written-authority.engine.scope.v1"
SEARCH, ENROL = "search", "enrol"


@dataclass(frozen=True)
class AuthorityScope:
    mode: str
    authority_id: int
    decision_id: int  # the decision whose terms these are; a later decision supersedes them
    gallery_id: int
    threshold: str  # Decimal as text: the authorised minimum score
    model_version: str
    location_ids: tuple[int, ...]
    window_start: str  # ISO 8601, UTC
    window_end: str
    expires_at: str
    issued_to: int
    role: str  # the role the holder acts in (common.roles.Role), recorded with every call
    purpose: str = SEARCH  # SEARCH a gallery, or ENROL faces into the authority's watchlist
    signature: str = field(default="", compare=False)

    def signing_bytes(self) -> bytes:
        body = asdict(self)
        body.pop("signature")
        body["location_ids"] = list(self.location_ids)
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @property
    def expires(self) -> datetime:
        return datetime.fromisoformat(self.expires_at)

    @property
    def window(self) -> tuple[datetime, datetime]:
        return datetime.fromisoformat(self.window_start), datetime.fromisoformat(self.window_end)


def _mac(scope: AuthorityScope) -> str:
    secret = getattr(settings, "WA_SCOPE_SIGNING_KEY", "") or settings.SECRET_KEY
    return salted_hmac(SALT, scope.signing_bytes(), secret=secret, algorithm="sha256").hexdigest()


def sign_scope(scope: AuthorityScope) -> AuthorityScope:
    return replace(scope, signature=_mac(scope))


def signature_is_valid(scope: AuthorityScope) -> bool:
    return bool(scope.signature) and hmac.compare_digest(scope.signature, _mac(scope))
