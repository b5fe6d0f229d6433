"""What the engine keeps in the database: galleries, their enrolled face templates, reports.

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


class Gallery(models.Model):
    """A set of templates searched together. What a gallery is for, who composed it and under
    which authority belong to ``watchlists``; the engine keeps only whether it is sealed.

    A watchlist's gallery is sealed when its authorising officer signs it off, at the revision
    signed off and until the deployment's end: the gate searches a watchlist only while it is
    sealed at its current revision, so an unsigned, changed or expired list is refused.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=GalleryKind.choices)
    model_version = models.CharField(max_length=120)
    # Bumped on every enrolment or removal, so cached indexes know they are stale.
    revision = models.PositiveIntegerField(default=0)
    sealed_at = models.DateTimeField(null=True, blank=True)
    sealed_revision = models.PositiveIntegerField(null=True, blank=True)
    sealed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "galleries"
        permissions = [
            ("enrol_face", "Can enrol face templates into a gallery"),
            ("search_gallery", "Can search a gallery under an authority"),
        ]
        constraints = [
            models.CheckConstraint(
                name="a_seal_names_its_revision_and_end",
                condition=models.Q(sealed_at__isnull=True)
                | models.Q(sealed_revision__isnull=False, sealed_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None


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
