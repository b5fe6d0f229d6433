"""What the engine keeps in the database: galleries and their enrolled face templates.

The database is the source of truth; FAISS indexes are rebuilt from these rows (see
``biometric_engine.indexes``). No image is stored: only a template (the L2-normalised
embedding) and the record id of the lawfully held image in its source system.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class GalleryKind(models.TextChoices):
    WATCHLIST = "watchlist", "LFR watchlist (bespoke to one authority)"
    CUSTODY = "custody", "Custody images"
    MISSING_PERSONS = "missing_persons", "Missing-person images"


# Which galleries each mode may search (DOMAIN: OIFR searches custody and missing persons only).
GALLERY_KINDS_FOR_MODE: dict[str, frozenset[str]] = {
    "lfr": frozenset({GalleryKind.WATCHLIST}),
    "rfr": frozenset({GalleryKind.CUSTODY}),
    "oifr": frozenset({GalleryKind.CUSTODY, GalleryKind.MISSING_PERSONS}),
}


class Gallery(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=GalleryKind.choices)
    model_version = models.CharField(max_length=120)
    # A watchlist is bespoke to one LFR authority, composed for one deployment and signed off.
    authority = models.ForeignKey(
        "authority.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="galleries",
    )
    deployment_start = models.DateTimeField(null=True, blank=True)
    composed_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Bumped on every enrolment or removal, so cached indexes know they are stale.
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "galleries"
        permissions = [
            ("enrol_face", "Can enrol face templates into a gallery"),
            ("search_gallery", "Can search a gallery under an authority"),
        ]
        constraints = [
            models.CheckConstraint(
                name="watchlist_belongs_to_an_authority",
                condition=~models.Q(kind="watchlist") | models.Q(authority__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class EnrolledFace(models.Model):
    """One face template; its primary key is its id in the gallery's FAISS index."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="faces")
    subject_ref = models.CharField(
        max_length=120, help_text="Record id of the lawfully held image in its source system."
    )
    template = models.BinaryField(help_text="float32 L2-normalised embedding.")
    quality = models.FloatField()
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.subject_ref} in {self.gallery_id}"


class EquitabilityReport(models.Model):
    """FPIR and FNIR per group across thresholds for one model version, and the minimum
    threshold derived from them. A threshold means nothing apart from its model, so an
    authority's threshold is checked against the latest report for its model version.

    Reports are records: written once through ``record_equitability_report``, never changed.
    """

    model_version = models.CharField(max_length=120, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    dataset = models.CharField(
        max_length=300, help_text="What the report was measured on: images, identities, groups."
    )
    thresholds = models.JSONField(help_text="The scores the rates were measured at, ascending.")
    # Same scale and precision as an authority's threshold; null when the report cannot
    # determine one (no groups given, a group with too few searches to decide, or FPIR not
    # shown close at any threshold: biometric_engine.core.equity).
    minimum_threshold = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    # How many groups the report compares, over all its groupings; with none, no minimum can
    # be derived from it.
    group_count = models.PositiveIntegerField(default=0)
    # The rule the floor was derived under (core.identification.REPORT_VERSION); a floor from
    # a superseded rule (1: "no significant difference") is shown but never enforced.
    report_version = models.PositiveSmallIntegerField(default=1)
    report = models.JSONField(help_text="The full report, as biometric_engine.core.evaluate.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Equitability report {self.pk} for {self.model_version}"
