"""Documents apps hand to oversight for the inspection export.

The ledger knows no app: an app registers a source of its signed documents at start-up (as
authority does its Written Authority Documents), and the export writes each document with the
sha256 the app stored for it, so an inspector can check the bytes offline.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class InspectableDocument:
    path: str  # inside the export, e.g. "wad/application-3/v2.pdf"
    content: bytes
    stored_sha256: str
    issued_at: datetime
    meta: dict = field(default_factory=dict)  # ids only, copied into the manifest


@dataclass(frozen=True)
class DocumentSource:
    key: str  # the manifest's key for these documents ("wads": the offline verifier checks it)
    label: str  # how the export's summary counts them ("WAD PDFs")
    model: str  # "app_label.Model", named in the manifest
    documents: Callable[[date | None], Iterable[InspectableDocument]]


_SOURCES: dict[str, DocumentSource] = {}


def register_document_source(source: DocumentSource) -> None:
    _SOURCES[source.key] = source


def document_sources() -> list[DocumentSource]:
    return list(_SOURCES.values())
