"""What reviews hands oversight for the inspection export: each approved review's PDF, each
published results record (canonical JSON), whose figures the offline verifier recomputes from
the ledger, and each published deployment's public PDF, which it checks against the pdf_sha256
on the ledger."""

from collections.abc import Iterator
from datetime import date

from oversight.documents import DocumentSource, InspectableDocument
from reviews.models import PublicationStatus, PublishedDeployment, Review, ReviewStatus


def reviews_for_inspection(since: date | None) -> Iterator[InspectableDocument]:
    reviews = Review.objects.filter(status=ReviewStatus.APPROVED).order_by("approved_at", "pk")
    if since is not None:
        reviews = reviews.filter(approved_at__date__gte=since)
    for review in reviews.iterator(chunk_size=50):
        yield InspectableDocument(
            path=f"reviews/deployment-{review.deployment_id}.pdf",
            content=bytes(review.pdf),
            stored_sha256=review.pdf_sha256,
            issued_at=review.approved_at,
            meta={"review_id": review.pk, "deployment_id": review.deployment_id},
        )


REVIEW_SOURCE = DocumentSource(
    key="reviews",
    label="Review PDFs",
    model="reviews.Review",
    documents=reviews_for_inspection,
)


def _published_since(since: date | None, *, chunk_size: int) -> Iterator[PublishedDeployment]:
    published = PublishedDeployment.objects.filter(status=PublicationStatus.PUBLISHED)
    if since is not None:
        published = published.filter(published_at__date__gte=since)
    return published.order_by("published_at", "pk").iterator(chunk_size=chunk_size)


def publications_for_inspection(since: date | None) -> Iterator[InspectableDocument]:
    from reviews.services.publication import record_bytes

    for publication in _published_since(since, chunk_size=50):
        yield InspectableDocument(
            path=f"publications/{publication.reference}.json",
            content=record_bytes(publication.record),
            stored_sha256=publication.record_sha256,
            issued_at=publication.published_at,
            meta={"reference": publication.reference, "deployment_id": publication.deployment_id},
        )


PUBLICATION_SOURCE = DocumentSource(
    key="publications",
    label="published records",
    model="reviews.PublishedDeployment",
    documents=publications_for_inspection,
)


def publication_pdfs_for_inspection(since: date | None) -> Iterator[InspectableDocument]:
    for publication in _published_since(since, chunk_size=20):  # PDFs: smaller chunks
        yield InspectableDocument(
            path=f"publications/{publication.reference}.pdf",
            content=bytes(publication.pdf),
            stored_sha256=publication.pdf_sha256,
            issued_at=publication.published_at,
            meta={"reference": publication.reference, "deployment_id": publication.deployment_id},
        )


PUBLICATION_PDF_SOURCE = DocumentSource(
    key="publication_pdfs",  # the offline verifier reads this key
    label="publication PDFs",
    model="reviews.PublishedDeployment",
    documents=publication_pdfs_for_inspection,
)
