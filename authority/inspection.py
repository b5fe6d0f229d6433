"""What authority hands oversight for the inspection export: its Written Authority Documents."""

from collections.abc import Iterator
from datetime import date

from authority.models import WrittenAuthorityDocument
from oversight.documents import DocumentSource, InspectableDocument


def wads_for_inspection(since: date | None) -> Iterator[InspectableDocument]:
    """Every Written Authority Document, oldest first, as the inspection export takes them."""
    documents = WrittenAuthorityDocument.objects.order_by("issued_at", "pk")
    if since is not None:
        documents = documents.filter(issued_at__date__gte=since)
    for document in documents.iterator(chunk_size=50):
        yield InspectableDocument(
            path=f"wad/application-{document.application_id}/v{document.version}.pdf",
            content=bytes(document.content),
            stored_sha256=document.sha256,
            issued_at=document.issued_at,
            meta={"application_id": document.application_id, "version": document.version},
        )


WAD_SOURCE = DocumentSource(
    key="wads",
    label="WAD PDFs",
    model="authority.WrittenAuthorityDocument",
    documents=wads_for_inspection,
)
