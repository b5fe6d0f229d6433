"""Every routed URL pattern, by name, with the HTTP methods its view answers."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Answered for every view by Django and DRF themselves: HEAD as GET, OPTIONS as metadata.
IMPLIED = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "authority:application-detail"
    route: str  # the pattern as written, prefixes joined
    methods: frozenset[str] | None  # what a class-based view declares; None for a function


def _methods(callback) -> frozenset[str] | None:
    actions = getattr(callback, "actions", None)  # a DRF viewset's bound actions
    if actions:
        return frozenset(m.upper() for m in actions) - IMPLIED
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        allowed = set(getattr(view_class, "http_method_names", HTTP_METHODS))
        declared = {m for m in HTTP_METHODS if m in allowed and hasattr(view_class, m)}
        return frozenset(m.upper() for m in declared) or None
    return None


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(name or "", prefix + str(pattern.pattern), _methods(pattern.callback))


def routes() -> list[Route]:
    """Every pattern of the root URLconf; DRF's format-suffix twins fold into their name."""
    return list(_walk(get_resolver().url_patterns))
