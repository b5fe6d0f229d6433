"""Settings for the test suite: fast hashing, isolated media, same database switch as base."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env("WA_MEDIA_ROOT", default=tempfile.mkdtemp(prefix="wa-test-media-")))
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Local memory whatever WA_CACHE_URL says: the suite clears the cache between tests, which must
# never flush a shared Redis (the Redis lockout test names its own, key-prefixed cache).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
