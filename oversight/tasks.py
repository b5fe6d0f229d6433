"""Scheduled and queued ledger work. Thin and idempotent: safe to run twice."""

from celery import shared_task

from oversight.checkpoints import create_checkpoint
from oversight.inspection_exports import build_inspection_export


@shared_task(acks_late=True)
def checkpoint_ledger() -> dict:
    """Hourly (django-celery-beat): sign the ledger's head if it moved since the last one."""
    checkpoint, new = create_checkpoint(only_if_moved=True)
    return {"tree_size": checkpoint.tree_size, "head_hash": checkpoint.head_hash, "new": new}


@shared_task(acks_late=True)
def build_inspection_export_task(export_id: int) -> dict:
    """Build a requested inspection export; one built, failed or building is left as it is."""
    export = build_inspection_export(export_id)
    return {"export_id": export.pk, "state": export.state, "sha256": export.sha256}
