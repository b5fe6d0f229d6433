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


def test_the_cache_holds_boxes_times_best_views_and_alerted_ids_per_camera_only():
    tracks = CameraTracks()
    observed = tracks.observe([(1, 2, 30, 40)], now=10.0)
    observed.choose_views([0.5])
    observed.tracks[0].alerted.add(7)
    save_tracks(5, tracks)
    again = load_tracks(5)
    assert again.as_data() == {"next_id": 2, "tracks": [[1, [1, 2, 30, 40], 10.0, [7], 0.5]]}
    assert load_tracks(6).tracks == []  # another camera sees none of them
    forget_tracks([5])
    assert load_tracks(5).tracks == []


def test_a_track_saved_before_best_views_were_kept_searches_its_next_view():
    old = {"next_id": 2, "tracks": [[1, [1, 2, 30, 40], 10.0, [7]]]}
    tracks = CameraTracks.from_data(old)
    assert tracks.tracks[0].best_quality is None and tracks.tracks[0].alerted == {7}


def test_a_followed_face_is_searched_first_then_only_for_a_better_view(settings):
    """Searched once with its best view (DESIGN, Faces not frames): a new track's face is
    searched at once; the same face again only when its quality beats its best by the gain."""
    settings.WA_TRACK_RESEARCH_QUALITY_GAIN = 0.05
    tracks = CameraTracks()
    box = (100, 100, 80, 80)
    assert tracks.observe([box], now=0.0).choose_views([0.50]) == [0]
    assert tracks.observe([box], now=0.04).choose_views([0.54]) == []  # not better enough
    assert tracks.observe([box], now=0.08).choose_views([0.40]) == []  # worse
    assert tracks.observe([box], now=0.12).choose_views([0.56]) == [0]  # a better view
    assert tracks.tracks[0].best_quality == 0.56
    # A second person entering is searched at once; the first is not searched again.
    both = tracks.observe([box, (600, 100, 80, 80)], now=0.16)
    assert both.choose_views([0.57, 0.30]) == [1]


def test_thirty_frames_of_one_steady_face_are_searched_once():
    tracks = CameraTracks()
    searched = 0
    for n in range(30):
        observation = tracks.observe([(100 + n, 100, 80, 80)], now=n / 25)
        searched += len(observation.choose_views([0.6 + 0.001 * (n % 3)]))
    assert searched == 1 and tracks.next_id == 2
