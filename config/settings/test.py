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
