"""Production settings: refuse to start with unsafe values rather than run insecurely."""

import base64
import binascii
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CACHES,
    DATABASES,
    INSECURE_DEFAULT_SECRET_KEY,
    LEDGER_SIGNING_KEY,
    LEDGER_SIGNING_KEY_FILE,
    env,
)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])


def refuse_unsafe_settings(*, debug: bool, secret_key: str, allowed_hosts: list[str]) -> None:
    """Raise ImproperlyConfigured naming the first unsafe value."""
    if debug:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production")
    if not secret_key or secret_key == INSECURE_DEFAULT_SECRET_KEY or len(secret_key) < 50:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
            "(not the development default)"
        )
    if not allowed_hosts or "*" in allowed_hosts:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must list this service's host names (and not '*')"
        )


refuse_unsafe_settings(debug=DEBUG, secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS)


def refuse_missing_ledger_key(*, key: str, key_file: str) -> None:
    """Production never generates the ledger's signing key: it must be configured."""
    if key_file:
        if not Path(key_file).is_file():
            raise ImproperlyConfigured(f"WA_LEDGER_SIGNING_KEY_FILE {key_file!r} is not a file")
        return
    if not key:
        raise ImproperlyConfigured(
            "WA_LEDGER_SIGNING_KEY_FILE (or WA_LEDGER_SIGNING_KEY) must name the ledger's "
            "Ed25519 checkpoint signing key; production never generates one"
        )
    try:
        seed = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise ImproperlyConfigured("WA_LEDGER_SIGNING_KEY must be a 32-byte seed in base64")


LEDGER_GENERATED_KEY_FILE = None
refuse_missing_ledger_key(key=LEDGER_SIGNING_KEY, key_file=LEDGER_SIGNING_KEY_FILE)


def refuse_process_local_cache(caches: dict) -> None:
    """Sign-in lockouts live in the cache: one held in a single worker's memory lets an
    attacker guessing passwords simply land on another worker."""
    if caches["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
        raise ImproperlyConfigured(
            "WA_CACHE_URL must name a cache every process shares in production "
            "(redis://… or dbcache://…), so sign-in lockouts hold across workers"
        )


refuse_process_local_cache(CACHES)
# Keep each worker's database connection (a new one per request costs a SCRAM handshake, a
# few ms of CPU on both sides); health checks drop one the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("WA_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The application's PostgreSQL role must not be able to rewrite the ledger (oversight.dbroles).
LEDGER_REQUIRE_RESTRICTED_ROLE = env.bool("WA_LEDGER_REQUIRE_RESTRICTED_ROLE", default=True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = False
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
