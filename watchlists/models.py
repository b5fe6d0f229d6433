"""Who is on a watchlist or in a reference gallery, and why: entries with their provenance.

The engine holds only each entry's template (``biometric_engine.EnrolledFace``) in the gallery
this app created for it; everything that makes an entry lawful lives here. After deployment the
images and templates are deleted and only the record ids, categories and composition times stay
(``data_deleted_at``), so a list can be reconstructed for audit and subject access.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from authority.models import WatchlistCategory


class SourceSystem(models.TextChoices):
    PNC = "pnc", "Police National Computer (PNC)"
    CUSTODY = "custody", "Custody imaging system"
    INTELLIGENCE = "intelligence", "Intelligence system"
    MISSING_PERSONS = "missing_persons", "Missing persons system"


class WatchlistStatus(models.TextChoices):
    COMPOSING = "composing", "Being composed"
    SIGNED_OFF = "signed_off", "Signed off"
    DATA_DELETED = "data_deleted", "Images and templates deleted"


class Watchlist(models.Model):
    """A bespoke list for one planned deployment under one LFR authority."""

    authority = models.ForeignKey(
        "authority.Application", on_delete=models.PROTECT, related_name="watchlists"
    )
    name = models.CharField(max_length=200)
    gallery = models.OneToOneField(
        "biometric_engine.Gallery", on_delete=models.PROTECT, related_name="watchlist"
    )
    # The planned deployment (the deployments app runs it): when, and where among the
    # authority's authorised locations.
    deployment_start = models.DateTimeField()
    deployment_end = models.DateTimeField()
    # When the deployment actually ended (completed or halted), if before its planned end: the
    # list's data falls due for deletion from then (DOMAIN: after the deployment).
    deployment_ended_at = models.DateTimeField(null=True, blank=True)
    location = models.ForeignKey(
        "authority.Location", on_delete=models.PROTECT, related_name="watchlists"
    )
    status = models.CharField(
        max_length=20, choices=WatchlistStatus.choices, default=WatchlistStatus.COMPOSING
    )
    # The version being composed, or in force once signed off.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    data_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deployment_start", "-pk"]
        permissions = [
            ("compose_watchlist", "Can compose watchlists and import entries"),
            ("sign_off_watchlist", "Can sign off a watchlist under an authority"),
            ("view_subject_access", "Can answer a subject access request"),
        ]
        constraints = [
            models.CheckConstraint(
                name="watchlist_deployment_ends_after_it_starts",
                condition=Q(deployment_end__gt=models.F("deployment_start")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WatchlistVersion(models.Model):
    """One version of a list: opened, composed, then signed off and frozen; any change after
    sign-off opens the next version, which needs its own sign-off."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What was signed off: the size, the count per category, and a digest of the entries
    # (record id, category, image SHA-256 in record-id order) so the list can be proved later.
    entry_count = models.PositiveIntegerField(default=0)
    category_counts = models.JSONField(default=dict, blank=True)
    entries_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["watchlist", "number"]
        constraints = [
            models.UniqueConstraint(fields=["watchlist", "number"], name="one_row_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.watchlist} v{self.number}"


class WatchlistEntry(models.Model):
    """One person on a list, with the image's provenance and who confirmed them still sought."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="entries")
    added_in = models.PositiveIntegerField(help_text="The version the entry was added in.")
    removed_in = models.PositiveIntegerField(null=True, blank=True)
    removal_reason = models.CharField(max_length=500, blank=True)
    record_id = models.CharField(
        max_length=120, help_text="The person's record id in the source system."
    )
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    # Restricted: shown only to those composing, signing off or answering subject access.
    name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=40, choices=WatchlistCategory.choices)
    reason = models.CharField(max_length=500, help_text="Why they are sought (e.g. warrant ref).")
    image = models.FileField(upload_to="watchlists/images/", blank=True, max_length=300)
    image_source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    legal_basis = models.CharField(max_length=300)
    capture_date = models.DateField(null=True, blank=True)
    most_recent_suitable = models.BooleanField(default=False)
    quality = models.FloatField(null=True, blank=True)
    image_sha256 = models.CharField(max_length=64)
    still_sought_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    still_sought_confirmed_at = models.DateTimeField()
    under_18_justification = models.TextField(blank=True)
    justification_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    justification_approved_at = models.DateTimeField(null=True, blank=True)
    enrolled_face = models.OneToOneField(
        "biometric_engine.EnrolledFace",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="watchlist_entry",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    data_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["watchlist", "record_id", "pk"]
        verbose_name_plural = "watchlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["watchlist", "record_id"],
                condition=Q(removed_in__isnull=True),
                name="a_record_once_on_a_list",
            ),
            models.UniqueConstraint(
                fields=["watchlist", "image_sha256"],
                condition=Q(removed_in__isnull=True) & ~Q(image_sha256=""),
                name="an_image_once_on_a_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} on {self.watchlist_id}"

    @property
    def is_current(self) -> bool:
        return self.removed_in is None


class DuplicateDecision(models.TextChoices):
    MERGE = "merge", "Same person: keep the earlier entry, remove this one"
    KEEP_BOTH = "keep_both", "Different people: keep both"


class DuplicateFlag(models.Model):
    """Two record ids whose faces score above the high-similarity threshold: a human decides."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="flags")
    entry = models.ForeignKey(WatchlistEntry, on_delete=models.PROTECT, related_name="flags")
    other = models.ForeignKey(WatchlistEntry, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    raised_at = models.DateTimeField()
    decision = models.CharField(max_length=20, choices=DuplicateDecision.choices, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["watchlist", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} ~ {self.other_id} ({self.score:.3f})"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A bulk import (a CSV of entries and a ZIP of images), run by a Celery task, row by row."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    csv_file = models.FileField(upload_to="watchlists/imports/", blank=True, max_length=300)
    zip_file = models.FileField(upload_to="watchlists/imports/", blank=True, max_length=300)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    zip_sha256 = models.CharField(max_length=64, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    kept_rows = models.PositiveIntegerField(default=0)
    # One object per row: {"row", "record_id", "outcome": "kept"|"refused", "code", "detail"}.
    results = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved at every row: a running job whose heartbeat has stopped lost its worker, and the
    # task's redelivery resumes it after the last row recorded.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.watchlist_id}"


class ReferenceGallery(models.Model):
    """A standing gallery searched by RFR and OIFR: custody images, missing-person images."""

    gallery = models.OneToOneField(
        "biometric_engine.Gallery", on_delete=models.PROTECT, related_name="reference"
    )
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "reference galleries"
        permissions = [("manage_reference_gallery", "Can add and review reference images")]

    def __str__(self) -> str:
        return self.name


class ReferenceImage(models.Model):
    """One lawfully held reference image, with its retention review (DOMAIN: a custody image
    of a person never convicted is searched only after a recorded review)."""

    gallery = models.ForeignKey(ReferenceGallery, on_delete=models.PROTECT, related_name="images")
    record_id = models.CharField(max_length=120)
    source_system = models.CharField(max_length=20, choices=SourceSystem.choices)
    image_sha256 = models.CharField(max_length=64, blank=True)
    # The image file is held only while it awaits the retention review of a person never
    # convicted (nothing of it is searchable meanwhile); a review to retain enrols its template
    # and deletes the file, one to delete (or an overdue review) deletes both.
    image = models.FileField(upload_to="watchlists/reference/", blank=True, max_length=300)
    never_convicted = models.BooleanField(default=False)
    retention_review_due = models.DateField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.CharField(max_length=1000, blank=True)
    enrolled_face = models.OneToOneField(
        "biometric_engine.EnrolledFace",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reference_image",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["gallery", "record_id", "pk"]

    def __str__(self) -> str:
        return f"{self.record_id} in {self.gallery_id}"
