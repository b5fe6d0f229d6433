"""Restricted fields: one rule, applied wherever a field's value is shown.

An app names the fields of its models that only some readers may see, and who those readers
are; every page, history panel, diff, export or API response that shows a field's value asks
``shown_value`` first. The ledger itself never holds such values (payloads name changed fields,
not their contents), so the rule is about the rows and their field-level history.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model

MASK = "[restricted]"


@dataclass(frozen=True)
class RestrictedFields:
    fields: frozenset[str]
    may_read: Callable[[object, Model], bool]


_REGISTRY: dict[str, RestrictedFields] = {}


def register_restricted_fields(
    model: type[Model], *, fields: tuple[str, ...], may_read: Callable[[object, Model], bool]
) -> None:
    """Called by an app at start-up for each model with restricted fields."""
    _REGISTRY[model._meta.label_lower] = RestrictedFields(frozenset(fields), may_read)


def restricted_fields(model: type[Model]) -> frozenset[str]:
    entry = _REGISTRY.get(model._meta.label_lower)
    return entry.fields if entry else frozenset()


def may_read_field(reader, model: type[Model], instance: Model | None, field: str) -> bool:
    """Whether ``reader`` may see ``field`` of ``instance``; a missing instance reads as no."""
    entry = _REGISTRY.get(model._meta.label_lower)
    if entry is None or field not in entry.fields:
        return True
    if instance is None or reader is None or not getattr(reader, "is_authenticated", False):
        return False
    return bool(entry.may_read(reader, instance))


def hidden_fields(reader, model: type[Model], instance: Model | None) -> frozenset[str]:
    """The restricted fields of ``instance`` that ``reader`` may not see."""
    return frozenset(
        f for f in restricted_fields(model) if not may_read_field(reader, model, instance, f)
    )


def shown_value(value, *, field: str, hidden: frozenset[str]):
    """The value as this reader may see it: the mask for a hidden field with a value."""
    if field in hidden and value not in (None, ""):
        return MASK
    return value
