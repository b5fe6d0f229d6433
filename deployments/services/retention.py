"""Alert crops kept only for their retention period (DOMAIN: alert images deleted immediately
after use or within 24 hours), deleted by a scheduled job that attests what it deleted.

``delete_expired_alert_images`` (hourly, django-celery-beat) deletes the crop of every alert
raised ``WA_ALERT_IMAGE_RETENTION_HOURS`` ago or more, and at once (its next run) the crop of
every alert adjudicated no match: that crop's use is over. The alert row stays, with its score,
box, decisions and the crop's SHA-256 (a bias study needs scores, not only alerts); its
``crop_deleted_at`` is set. Per deployment, ``deployment.alert_images_deleted`` on the ledger
carries the counts and the SHA-256 of each file deleted, read from the file itself before it
was deleted.

Files go first, then the rows and the attestation in one transaction: a job that dies between
the two leaves rows whose files are already gone, which the next run marks deleted (counted
``already_missing``, attested with the SHA-256 recorded when the alert was raised). The ledger
never says a file was deleted that still exists.
"""

import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deployments.models import AdjudicationDecision, Alert, Deployment
from deployments.rules import alert_image_retention_hours
from oversight.ledger import record_event

logger = logging.getLogger(__name__)


def due_alerts(now=None):
    """Alerts whose crop is still kept and is due for deletion now."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=alert_image_retention_hours())
    return (
        Alert.objects.filter(crop_deleted_at__isnull=True)
        .exclude(crop="")
        .filter(Q(created_at__lte=cutoff) | Q(decision=AdjudicationDecision.NO_MATCH))
    )


def _delete_file(alert: Alert) -> tuple[str, bool]:
    """The file's SHA-256 and whether it was there; the file is gone afterwards."""
    name = alert.crop.name
    try:
        with default_storage.open(name, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return alert.crop_sha256, False
    default_storage.delete(name)
    return digest, True


def delete_expired_alert_images() -> dict:
    """Delete the due crops, deployment by deployment, each with its attestation; the totals."""
    now = timezone.now()
    cutoff = now - timedelta(hours=alert_image_retention_hours())
    by_deployment: dict[int, list[Alert]] = defaultdict(list)
    for alert in due_alerts(now).order_by("pk"):
        by_deployment[alert.deployment_id].append(alert)
    totals = {"deployments": 0, "deleted": 0, "already_missing": 0}
    for deployment_id, alerts in sorted(by_deployment.items()):
        deleted = []
        for alert in alerts:
            try:
                digest, existed = _delete_file(alert)
            except OSError:
                logger.exception(
                    "Could not delete alert %s's crop; the next run tries again", alert.pk
                )
                continue
            deleted.append((alert, digest, existed))
        if not deleted:
            continue
        _attest(deployment_id, deleted, now, cutoff)
        totals["deployments"] += 1
        totals["deleted"] += sum(existed for _, _, existed in deleted)
        totals["already_missing"] += sum(not existed for _, _, existed in deleted)
    return totals


@transaction.atomic
def _attest(deployment_id: int, deleted, now, cutoff) -> None:
    Alert.objects.filter(pk__in=[alert.pk for alert, _, _ in deleted]).update(
        crop="", crop_deleted_at=now
    )
    deployment = Deployment.objects.get(pk=deployment_id)
    no_match = sum(a.decision == AdjudicationDecision.NO_MATCH for a, _, _ in deleted)
    record_event(
        actor=None,
        action="deployment.alert_images_deleted",
        subject=deployment,
        payload={
            "deployment_id": deployment_id,
            "run_id": deployment.run_id,
            "retention_hours": alert_image_retention_hours(),
            "alert_ids": sorted(a.pk for a, _, _ in deleted),
            "deleted": sum(existed for _, _, existed in deleted),
            "already_missing": sum(not existed for _, _, existed in deleted),
            "no_match_count": no_match,
            "past_retention_count": sum(a.created_at <= cutoff for a, _, _ in deleted),
            "sha256": sorted(digest for _, digest, _ in deleted),
        },
    )
