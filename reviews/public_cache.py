"""The public pages' cache: each page is kept under the current publication version, and a
publication bumps the version (on commit), so nothing stale is served after it."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "transparency:version"


def public_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return int(version)


def invalidate_public_pages() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def cached(key: str, build: Callable[[], object]):
    """``build()``'s result, kept under the current version for WA_TRANSPARENCY_CACHE_SECONDS."""
    full = f"transparency:{public_version()}:{key}"
    value = cache.get(full)
    if value is None:
        value = build()
        cache.set(full, value, timeout=settings.WA_TRANSPARENCY_CACHE_SECONDS)
    return value
