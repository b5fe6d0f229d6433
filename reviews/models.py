"""Post-deployment reviews (DOMAIN: Post-deployment review and transparency).

A review is opened when its deployment completes or is halted. Its figures are computed
(``reviews.figures``), never typed in, and frozen when it is submitted; the reviewer writes the
narrative and the deletion attestation; an officer other than its author approves it, and its
PDF is then rendered and stored with its SHA-256, like the Written Authority Document.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open: being written"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"


class Review(models.Model):
    deployment = models.OneToOneField(
        "deployments.Deployment", on_delete=models.PROTECT, related_name="review"
    )
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_at = models.DateTimeField()
    # The figures as last computed (from records, checked against the ledger); frozen at
    # submission. The expectation the authorising officer saw (``reviews.expected``).
    figures = models.JSONField(default=dict)
    figures_checked_at = models.DateTimeField(null=True, blank=True)
    expected = models.JSONField(default=dict, blank=True)
    # The narrative the reviewer writes.
    system_performance = models.TextField(max_length=8000, blank=True)
    safeguards = models.TextField("Whether the safeguards worked", max_length=8000, blank=True)
    equality = models.TextField("Equality observations", max_length=8000, blank=True)
    lessons = models.TextField(max_length=8000, blank=True)
    deletion_attestation = models.TextField(max_length=4000, blank=True)
    # The ledger sequence numbers of the deletion jobs attested (watchlist data, alert images).
    deletion_refs = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.CharField(max_length=2000, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The approved review as rendered (stored in the database, so it commits with approval).
    pdf = models.BinaryField(editable=False, blank=True, default=b"")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # Field-level history for oversight (the PDF is kept once, with its hash on the ledger).
    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        ordering = ["-opened_at", "-pk"]
        permissions = [
            ("write_review", "Can write and submit a post-deployment review"),
            ("approve_review", "Can approve or return another officer's review"),
        ]
        constraints = [
            models.CheckConstraint(
                name="review_approver_is_not_its_author",
                condition=Q(approved_by__isnull=True)
                | (~Q(approved_by=models.F("author")) & ~Q(approved_by=models.F("submitted_by"))),
            ),
        ]

    def __str__(self) -> str:
        return f"Review of deployment {self.deployment_id}"

    @property
    def is_approved(self) -> bool:
        return self.status == ReviewStatus.APPROVED


class PublicationStatus(models.TextChoices):
    ANNOUNCED = "announced", "Announced in advance"
    PUBLISHED = "published", "Results published"


class PublishedDeployment(models.Model):
    """What the public may see of one deployment, exactly as a publisher approved it.

    The public site reads these records alone, never the live tables: the announcement (date,
    time window, borough, location, purpose in plain words) and, once the review is approved,
    the results record (the published columns, figures from the approved review). Each is
    put on the ledger with its SHA-256 when it goes out.
    """

    deployment = models.OneToOneField(
        "deployments.Deployment", on_delete=models.PROTECT, related_name="publication"
    )
    # The public reference ("LFR-2026-0001"): the public site never shows a database id.
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=20, choices=PublicationStatus.choices)
    announcement = models.JSONField(default=dict, blank=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    announced_at = models.DateTimeField(null=True, blank=True)
    record = models.JSONField(default=dict, blank=True)
    record_sha256 = models.CharField(max_length=64, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(editable=False, blank=True, default=b"")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        ordering = ["-pk"]
        permissions = [("publish_deployment", "Can announce deployments and publish results")]

    def __str__(self) -> str:
        return self.reference
