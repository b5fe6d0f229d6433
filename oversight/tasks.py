"""Scheduled ledger work. Thin and idempotent: safe to run twice."""

from celery import shared_task

from oversight.checkpoints import create_checkpoint


@shared_task(acks_late=True)
def checkpoint_ledger() -> dict:
    """Hourly (django-celery-beat): sign the ledger's head if it moved since the last one."""
    checkpoint, new = create_checkpoint(only_if_moved=True)
    return {"tree_size": checkpoint.tree_size, "head_hash": checkpoint.head_hash, "new": new}
