"""Sign-in with lockout, for every door a password comes through (the staff site's login page,
the API token endpoint; the admin's login redirects to the staff site's).

Failed passwords are counted in the cache (settings.CACHES) per username and per client
address, each in a fixed window that starts with its first failure. The failure that reaches a
limit locks that username or address for WA_LOGIN_LOCKOUT_MINUTES; while locked every attempt
is refused before the password is checked, so the right password does not sign in either.

A username is locked whether or not an account has it (so a lockout reveals nothing). A lock on
an existing account is recorded on the ledger once per lock, by the system; failed attempts
themselves are not, so an anonymous caller cannot flood the ledger. Address locks are logged.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from common.errors import DomainError
from oversight.ledger import record_event

logger = logging.getLogger(__name__)

Channel = Literal["staff_site", "api_token"]


class SignInLocked(DomainError):
    """Too many failed passwords: answered with HTTP 429 and a Retry-After header."""

    code = "login_locked"
    kind = "forbidden"  # config.api and the login view answer it 429, not 403

    def __init__(self, detail: str, *, until: datetime) -> None:
        super().__init__(detail)
        self.until = until

    @property
    def retry_after(self) -> int:
        """Whole seconds until the lock ends (at least 1), for the Retry-After header."""
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    kind = "invalid"
    default_detail = (
        "The username or password is not right. Check both and try again; after several wrong "
        "attempts, signing in is paused for a while."
    )


@dataclass(frozen=True)
class _Limit:
    scope: Literal["account", "address"]
    ident: str
    limit: int

    @property
    def _digest(self) -> str:
        return hashlib.sha256(self.ident.encode()).hexdigest()

    @property
    def failures_key(self) -> str:
        return f"wa:sign-in:{self.scope}:failures:{self._digest}"

    @property
    def lock_key(self) -> str:
        return f"wa:sign-in:{self.scope}:locked-until:{self._digest}"


def authenticate_counting_failures(
    *, request: HttpRequest, username: str, password: str, channel: Channel
):
    """The user these credentials sign in, or None when they are wrong (the failure counted).

    Raises SignInLocked while the username or the client's address is locked, and on the
    failure that reaches a limit.
    """
    limits = _limits(username=username, address=client_address(request))
    now = timezone.now()
    for limit in limits:
        until = cache.get(limit.lock_key)
        if until is not None and until > now.timestamp():
            raise _locked(limit, datetime.fromtimestamp(until, tz=UTC), now)

    user = authenticate(request, username=username, password=password)
    if user is not None:
        # The account's count only: one good password must not reset its address's count.
        cache.delete(limits[0].failures_key)
        return user

    locked = None
    for limit in limits:
        until = _count_failure(limit, now)
        if until is not None:
            _record_lock(limit, username=username, channel=channel)
            locked = locked or _locked(limit, until, now)
    if locked is not None:
        raise locked
    return None


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or behind WA_NUM_PROXIES reverse proxies the
    one the outermost proxy saw (the right-hand entries of X-Forwarded-For are the proxies'
    own; anything further left the client wrote itself)."""
    proxies = int(settings.WA_NUM_PROXIES)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def _limits(*, username: str, address: str) -> list[_Limit]:
    return [
        # casefold: "Amira" and "AMIRA" are one count, whatever the database's collation.
        _Limit("account", username.casefold(), int(settings.WA_LOGIN_MAX_FAILURES)),
        _Limit("address", address, int(settings.WA_LOGIN_MAX_FAILURES_PER_ADDRESS)),
    ]


def _count_failure(limit: _Limit, now: datetime) -> datetime | None:
    """Count one failure; when it reaches the limit, lock and return when the lock ends."""
    window = int(settings.WA_LOGIN_FAILURE_WINDOW_MINUTES) * 60
    cache.add(limit.failures_key, 0, timeout=window)  # the window starts with the first failure
    try:
        failures = cache.incr(limit.failures_key)  # atomic on Redis and local memory
    except ValueError:  # the window ended between add and incr
        cache.set(limit.failures_key, 1, timeout=window)
        failures = 1
    if failures < limit.limit:
        return None
    lockout = timedelta(minutes=int(settings.WA_LOGIN_LOCKOUT_MINUTES))
    until = now + lockout
    cache.set(limit.lock_key, until.timestamp(), timeout=int(lockout.total_seconds()))
    cache.delete(limit.failures_key)
    return until


def _locked(limit: _Limit, until: datetime, now: datetime) -> SignInLocked:
    whom = "for this account" if limit.scope == "account" else "from this network address"
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    local = timezone.localtime(until)
    return SignInLocked(
        f"Too many failed sign-in attempts {whom}. Try again after "
        f"{local:%H:%M} {local.tzname()} (in {minutes} minute{'s' if minutes != 1 else ''}).",
        until=until,
    )


def _record_lock(limit: _Limit, *, username: str, channel: Channel) -> None:
    window = int(settings.WA_LOGIN_FAILURE_WINDOW_MINUTES)
    lockout = int(settings.WA_LOGIN_LOCKOUT_MINUTES)
    if limit.scope == "address":
        logger.warning(
            "sign-in locked for address %s: %s failures in %s minutes (%s), for %s minutes",
            limit.ident,
            limit.limit,
            window,
            channel,
            lockout,
        )
        return
    account = _account(username)
    logger.warning(
        "sign-in locked for account %s: %s failures in %s minutes (%s), for %s minutes",
        account.pk if account else "(no such account)",
        limit.limit,
        window,
        channel,
        lockout,
    )
    if account is None:
        return
    with transaction.atomic():
        record_event(
            actor=None,
            action="account.login_locked",
            subject=account,
            payload={
                "channel": channel,
                "failures": limit.limit,
                "window_minutes": window,
                "locked_minutes": lockout,
            },
        )


def _account(username: str):
    """The account a locked username names (exactly, else ignoring case), if any."""
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    candidates = list(user_model._default_manager.filter(**{f"{field}__iexact": username})[:10])
    exact = [user for user in candidates if user.get_username() == username]
    return (exact or candidates or [None])[0]
