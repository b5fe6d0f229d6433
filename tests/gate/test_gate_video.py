"""A recorded video through the gate: a file cut short is refused before any frame is
searched, and the refusal is on the ledger with the frames read of those declared."""

import json

import pytest

from biometric_engine.core.errors import VideoTruncated
from gate.search import search_video
from oversight.models import LedgerEntry
from tests.biometric_engine.test_video import cut_short, write_noisy_video
from tests.gate.test_gate import CountingBackend


def test_a_truncated_video_is_refused_and_recorded_before_any_frame_is_searched(
    scope, live, watchlist, operator, tmp_path
):
    video = tmp_path / "camera.avi"
    write_noisy_video(video)
    cut_short(video, 0.2)
    backend = CountingBackend()
    frames = search_video(
        scope=scope,
        video=video,
        gallery_id=watchlist.pk,
        location_id=live.locations.first().pk,
        by=operator,
        backend=backend,
    )
    with pytest.raises(VideoTruncated) as caught:
        next(frames)
    assert backend.calls == 0, "no frame of a partial video may be searched"
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()
    rejected = LedgerEntry.objects.filter(action="engine.probe_rejected").get()
    payload = json.loads(rejected.payload)
    assert payload["reason"] == "video_truncated"
    assert payload["frames_declared"] == 30
    assert payload["frames_read"] == caught.value.facts["frames_read"] < 30
    assert rejected.role == "lfr_operator"
