"""The ledger: one append-only table of domain events, and its signed checkpoints; and the
inspection exports oversight asks for.

The ledger's two models are unmanaged: their tables, indexes and the triggers that refuse
UPDATE and DELETE come from ``oversight.schema`` through migration 0001. Write entries only
with ``oversight.ledger.record_event``.
"""

import json
from datetime import datetime

from django.conf import settings
from django.db import models

from oversight.canonical import parse_time
from oversight.schema import CHECKPOINT_TABLE, ENTRY_TABLE


class AppendOnly(models.Model):
    """Refuses changes in Python too, so a mistake fails before it reaches the trigger."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{self._meta.verbose_name} is append-only; it cannot change")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self._meta.verbose_name} is append-only; it cannot be deleted")


class LedgerEntry(AppendOnly):
    seq = models.BigIntegerField("sequence number", primary_key=True)
    recorded_at = models.CharField("time (UTC)", max_length=27)
    # Not a database foreign key: the ledger outlives accounts and is never cascaded.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    role = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    payload = models.TextField(help_text="Canonical JSON, exactly as hashed.")
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        managed = False
        db_table = ENTRY_TABLE
        ordering = ["seq"]
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger entries"
        default_permissions = ("view",)
        permissions = [("inspect_ledger", "Can inspect the ledger and verify its integrity")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def time(self) -> datetime:
        return parse_time(self.recorded_at)

    @property
    def object_app_label(self) -> str:
        return self.object_type.split(".", 1)[0]

    @property
    def object_model_name(self) -> str:
        return self.object_type.split(".", 1)[-1]

    @property
    def data(self) -> dict:
        return json.loads(self.payload)

    @property
    def reason(self) -> str:
        data = self.data
        return str(data.get("reason") or data.get("code") or "")

    @property
    def compliance_exception(self) -> str | None:
        value = self.data.get("compliance_exception")
        return str(value) if value else None

    def as_row(self) -> tuple:
        return (
            self.seq,
            self.recorded_at,
            self.actor_id,
            self.role,
            self.action,
            self.object_type,
            self.object_id,
            self.payload,
            self.prev_hash,
            self.entry_hash,
        )


class LedgerCheckpoint(AppendOnly):
    """An Ed25519 signature over (tree size, head hash, time). The key is never stored here:
    only the public key it verifies with."""

    tree_size = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.CharField("signed at (UTC)", max_length=27)
    key_id = models.CharField(max_length=16)
    public_key = models.CharField(max_length=64, help_text="Raw Ed25519 public key, base64.")
    signature = models.CharField(max_length=128, help_text="Base64.")

    class Meta:
        managed = False
        db_table = CHECKPOINT_TABLE
        ordering = ["tree_size", "id"]
        verbose_name = "ledger checkpoint"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size} entries signed at {self.signed_at}"

    @property
    def time(self) -> datetime:
        return parse_time(self.signed_at)

    def as_document(self) -> dict:
        """The checkpoint as the JSON an oversight body saves (see offline_verifier)."""
        from oversight.offline_verifier import CHECKPOINT_DOMAIN

        return {
            "format": CHECKPOINT_DOMAIN,
            "tree_size": self.tree_size,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }


class ExportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    BUILT = "built", "Ready to download"
    FAILED = "failed", "Failed"


class InspectionExport(models.Model):
    """One inspection export an oversight user asked for: built by a Celery task
    (oversight.tasks.build_inspection_export) into storage, with the SHA-256 of its zip."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    since = models.DateField(null=True, blank=True, help_text="Entries from this UTC date on.")
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    archive = models.FileField(upload_to="oversight/exports/", blank=True, max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    entries = models.BigIntegerField(null=True, blank=True)
    first_seq = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"inspection export {self.pk} ({self.state})"

    @property
    def file_name(self) -> str:
        return f"inspection-export-{self.pk}.zip"
