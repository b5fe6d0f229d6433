"""Restricted field values (``oversight.redaction``) and whether a response shows them."""

from __future__ import annotations

import io
from datetime import date

from oversight.redaction import may_read_field, restricted_fields
from tests.proof.world import World


def instances(world: World) -> list:
    """Every world object of a model with restricted fields."""
    from authority.models import Application
    from deployments.models import Alert
    from watchlists.models import WatchlistEntry

    return [
        *Application.objects.filter(pk__in=[world.objects[k].pk for k in APPLICATIONS]),
        *WatchlistEntry.objects.order_by("pk"),
        *Alert.objects.order_by("pk"),
    ]


APPLICATIONS = (
    "draft",
    "submitted",
    "urgent_submitted",
    "urgent_authorised",
    "lfr",
    "rfr",
    "oifr",
    "reviewed",
)


def renderings(value) -> set[str]:
    """How a value may appear in a page, a JSON body or a PDF."""
    if value in (None, ""):
        return set()
    if isinstance(value, date):
        return {
            value.isoformat(),
            value.strftime("%d/%m/%Y"),
            f"{value.day} {value:%B %Y}",
            f"{value.day} {value:%b %Y}",
        }
    name = getattr(value, "name", None)  # a stored file: its path
    if name is not None:
        return {name} if name else set()
    return {str(value)}


def _value(instance, field: str):
    """The field, or a serializer's name for a related one (an alert's ``entry_name`` is its
    entry's ``name``)."""
    if hasattr(instance, field):
        return getattr(instance, field)
    relation, _, rest = field.partition("_")
    return getattr(getattr(instance, relation), rest)


def values(world: World) -> list[tuple[object, str, set[str]]]:
    """(instance, field, renderings) for every restricted field with a value in the world."""
    rows = []
    for instance in instances(world):
        for field in sorted(restricted_fields(type(instance))):
            shown = renderings(_value(instance, field))
            if shown:
                rows.append((instance, field, shown))
    return rows


def forbidden(rows, user) -> dict[str, str]:
    """The renderings ``user`` must never be sent: those of fields they may not read, less
    any that equal a value they may read (an alert repeats its entry's name to those on the
    deployment, who may not read the entry itself)."""
    readable: set[str] = set()
    hidden: dict[str, str] = {}
    for instance, field, shown in rows:
        label = f"{instance._meta.label_lower}:{instance.pk}.{field}"
        if may_read_field(user, type(instance), instance, field):
            readable |= shown
        else:
            hidden.update(dict.fromkeys(shown, label))
    return {text: label for text, label in hidden.items() if text not in readable}


def body_text(response) -> str:
    """The response as text: a PDF's extracted text, anything else decoded leniently."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return content.decode("utf-8", errors="ignore")
