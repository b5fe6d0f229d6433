"""A full disk (a real tmpfs filled to the last byte): a file that cannot be written leaves no
record pointing at it, and the caller gets a clear, specific error."""

import pytest

from common.errors import DomainError
from deployments.models import Alert, VideoJob
from deployments.services.frames import process_frame
from deployments.services.video import upload_video
from oversight.models import LedgerEntry
from oversight.verification import verify_database
from tests.deployments.videos import astronaut_video
from tests.watchlists import images


def stored_files(mount) -> list[str]:
    return [str(path) for path in (mount / "media").rglob("*") if path.is_file()]


def test_an_alert_whose_crop_cannot_be_written_is_not_raised_and_the_failure_is_ledgered(
    running, camera, operator, listed, full_disk
):
    with pytest.raises(DomainError) as refused:
        process_frame(
            deployment=running,
            camera=camera,
            sequence=1,
            image=images.astronaut_again(),
            by=operator,
        )
    assert refused.value.code == "storage_full"
    assert "full" in refused.value.detail
    assert not Alert.objects.exists()  # no alert pointing at a crop that is not there
    assert stored_files(full_disk) == []  # nor a part of one
    failed = LedgerEntry.objects.get(action="engine.caller_failed")
    assert failed.data["error"] == "StorageFull"
    # The match's own events rolled back with the alert: the ledger holds only what stands.
    assert not LedgerEntry.objects.filter(action__in=["engine.candidates_found", "alert.raised"])
    assert verify_database().ok


def test_a_video_that_cannot_be_stored_is_refused_with_no_job(
    running, camera, operator, tmp_path, full_disk
):
    data = astronaut_video(tmp_path / "v.avi", 10)
    with pytest.raises(DomainError) as refused:
        upload_video(deployment=running, camera=camera, by=operator, data=data)
    assert refused.value.code == "storage_full"
    assert not VideoJob.objects.exists() and stored_files(full_disk) == []
    refusal = LedgerEntry.objects.get(action="deployment.video_refused")
    assert refusal.data["code"] == "storage_full"
