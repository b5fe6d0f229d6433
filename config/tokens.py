"""API tokens: DRF's authtoken, with a lifetime (WA_API_TOKEN_HOURS) and rotation.

A user holds at most one token (DRF's Token is one-to-one with the user). Obtaining a token
replaces the old one, so a leaked key stops working at the next sign-in; a key older than its
lifetime answers 401 with code ``token_expired``. The endpoint is ``config.token_views``
(apart: DRF loads authentication classes while rest_framework.views is still importing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


def token_lifetime() -> timedelta:
    return timedelta(hours=float(settings.WA_API_TOKEN_HOURS))


def token_expires_at(token: Token) -> datetime:
    return token.created + token_lifetime()


@transaction.atomic
def issue_token(*, user) -> Token:
    """A new token for ``user``, replacing (and so revoking) any token issued before."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the key is older than its lifetime."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expires = token_expires_at(token)
        if timezone.now() >= expires:
            raise AuthenticationFailed(
                {
                    "code": "token_expired",
                    "detail": (
                        f"This API token expired at {timezone.localtime(expires):%Y-%m-%d %H:%M %Z}"
                        f"; obtain a new one with POST {reverse('api-token')} (username and "
                        "password)."
                    ),
                }
            )
        return user, token
