"""Tracks: boxes only, per camera, matched by overlap, expiring after a few seconds unseen."""

from deployments.tracking import CameraTracks, forget_tracks, iou, load_tracks, save_tracks


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 10, 10)) == 0.0
    assert round(iou((0, 0, 10, 10), (5, 0, 10, 10)), 3) == round(50 / 150, 3)


def test_a_box_that_overlaps_continues_its_track_and_a_far_one_starts_another():
    tracks = CameraTracks()
    first = tracks.observe([(100, 100, 50, 50)], now=0.0)
    assert first.new_tracks == 1
    second = tracks.observe([(104, 102, 50, 50), (400, 100, 50, 50)], now=0.5)
    assert second.new_tracks == 1
    assert second.tracks[0] is first.tracks[0]
    assert second.tracks[1].id != first.tracks[0].id


def test_two_boxes_never_share_one_track():
    tracks = CameraTracks()
    tracks.observe([(100, 100, 50, 50)], now=0.0)
    both = tracks.observe([(101, 100, 50, 50), (103, 100, 50, 50)], now=0.1)
    assert both.new_tracks == 1 and both.tracks[0] is not both.tracks[1]


def test_a_track_expires_after_the_configured_seconds_unseen(settings):
    settings.WA_TRACK_EXPIRY_SECONDS = 3.0
    tracks = CameraTracks()
    tracks.observe([(100, 100, 50, 50)], now=0.0)
    assert tracks.observe([(100, 100, 50, 50)], now=2.9).new_tracks == 0
    assert tracks.observe([(100, 100, 50, 50)], now=6.0).new_tracks == 1


def test_the_cache_holds_boxes_times_and_alerted_ids_per_camera_only():
    tracks = CameraTracks()
    observed = tracks.observe([(1, 2, 30, 40)], now=10.0)
    observed.tracks[0].alerted.add(7)
    save_tracks(5, tracks)
    again = load_tracks(5)
    assert again.as_data() == {"next_id": 2, "tracks": [[1, [1, 2, 30, 40], 10.0, [7]]]}
    assert load_tracks(6).tracks == []  # another camera sees none of them
    forget_tracks([5])
    assert load_tracks(5).tracks == []
