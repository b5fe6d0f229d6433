"""Every rule of composition, each refusal leaving the list, the engine and storage unchanged."""

import contextlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from authority.models import Decision
from biometric_engine.models import EnrolledFace, Gallery
from common.errors import DomainError
from tests.factories import UserFactory
from tests.watchlists import images
from tests.watchlists.conftest import details
from watchlists.models import DuplicateFlag, WatchlistEntry
from watchlists.services.composition import add_entry, create_watchlist, remove_entry


def stored_files(watchlist) -> list[str]:
    folder = f"watchlists/images/{watchlist.pk}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


@contextlib.contextmanager
def nothing_written(watchlist, code: str):
    """The refusal raises ``code`` and leaves entries, templates, flags and files as they were."""
    before = (
        WatchlistEntry.objects.count(),
        EnrolledFace.objects.count(),
        DuplicateFlag.objects.count(),
        sorted(stored_files(watchlist)),
        Gallery.objects.get(pk=watchlist.gallery_id).revision,
    )
    with pytest.raises(DomainError) as refused:
        yield
    assert refused.value.code == code, refused.value.detail
    after = (
        WatchlistEntry.objects.count(),
        EnrolledFace.objects.count(),
        DuplicateFlag.objects.count(),
        sorted(stored_files(watchlist)),
        Gallery.objects.get(pk=watchlist.gallery_id).revision,
    )
    assert after == before


def add(watchlist, by, record_id="PNC-1", image=images.astronaut, **overrides):
    return add_entry(
        watchlist=watchlist,
        by=by,
        details=details(record_id, **overrides),
        image=image() if callable(image) else image,
        image_name="face.png",
    )


def at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- the 24-hour window opens at the deployment's start, not the authority's ---------------


def test_composition_opens_exactly_24_hours_before_the_deployment(
    live, planned, watchlist_officer, monkeypatch
):
    opens = planned.deployment_start - timedelta(hours=24)
    at(monkeypatch, opens - timedelta(seconds=1))
    with nothing_written(planned, "outside_composition_window"):
        add(planned, watchlist_officer)
    at(monkeypatch, opens)
    assert add(planned, watchlist_officer).added_in == 1


def test_the_window_follows_a_deployment_later_in_the_authority(
    live, watchlist_officer, monkeypatch
):
    later = create_watchlist(
        application=live,
        by=watchlist_officer,
        name="Second shift",
        deployment_start=live.valid_from + timedelta(hours=3),
        deployment_end=live.valid_until,
        location=live.locations.first(),
    )
    # Inside the authority's window, but more than 24 h before this deployment? Not possible in a
    # four-hour authority: so move the clock to 24 h before the authority, 27 h before this one.
    at(monkeypatch, live.valid_from - timedelta(hours=24))
    with nothing_written(later, "outside_composition_window"):
        add(later, watchlist_officer)


def test_nothing_is_composed_after_the_deployment_ends(
    live, planned, watchlist_officer, monkeypatch
):
    at(monkeypatch, planned.deployment_end)
    with nothing_written(planned, "outside_composition_window"):
        add(planned, watchlist_officer)


# --- what an entry must carry ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"category": "witness_or_victim"}, "category_not_authorised"),
        ({"category": "not-a-category"}, "invalid_input"),
        ({"still_sought_confirmed": False}, "currency_not_confirmed"),
        ({"most_recent_suitable": False}, "not_most_recent_image"),
        ({"record_id": "  "}, "invalid_input"),
        ({"reason": ""}, "invalid_input"),
        ({"legal_basis": ""}, "invalid_input"),
        ({"source_system": "facebook"}, "invalid_input"),
    ],
)
def test_an_entry_breaking_a_rule_is_refused(planned, watchlist_officer, overrides, code):
    with nothing_written(planned, code):
        add(planned, watchlist_officer, **overrides)


def test_an_under_18_needs_a_justification(planned, watchlist_officer):
    child = planned.deployment_start.date().replace(year=planned.deployment_start.year - 15)
    with nothing_written(planned, "under_18_without_justification"):
        add(planned, watchlist_officer, date_of_birth=child)
    entry = add(
        planned,
        watchlist_officer,
        date_of_birth=child,
        under_18_justification="Missing child at risk of sexual exploitation; family consulted.",
    )
    assert entry.under_18_justification and entry.justification_approved_at is None


def test_an_image_under_the_quality_threshold_is_refused(planned, watchlist_officer):
    with nothing_written(planned, "face_too_small"):
        add(planned, watchlist_officer, image=images.tiny(images.astronaut(), 70))


def test_a_watchlist_officer_only(planned):
    other = UserFactory(username="nobody")
    with nothing_written(planned, "not_a_watchlist_officer"):
        add(planned, other)


# --- what the list can take -------------------------------------------------------------------


def test_never_more_entries_than_the_authorised_maximum(live, planned, watchlist_officer):
    Decision.objects.filter(application=live).update(max_watchlist_size=1)
    add(planned, watchlist_officer, "PNC-1", images.astronaut)
    with nothing_written(planned, "watchlist_too_large"):
        add(planned, watchlist_officer, "PNC-2", images.tom_hanks)
    assert WatchlistEntry.objects.filter(watchlist=planned).count() == 1


def test_the_same_record_or_the_same_image_twice_is_refused(planned, watchlist_officer):
    add(planned, watchlist_officer, "PNC-1", images.astronaut)
    with nothing_written(planned, "duplicate_record"):
        add(planned, watchlist_officer, "PNC-1", images.tom_hanks)
    with nothing_written(planned, "duplicate_image"):
        add(planned, watchlist_officer, "PNC-2", images.astronaut)


def test_two_records_with_one_face_are_flagged_for_a_person_to_decide(planned, watchlist_officer):
    first = add(planned, watchlist_officer, "PNC-1", images.astronaut)
    second = add(planned, watchlist_officer, "CUST-9", images.astronaut_again)
    third = add(planned, watchlist_officer, "PNC-3", images.tom_hanks)
    flags = list(DuplicateFlag.objects.filter(watchlist=planned))
    assert [(f.entry_id, f.other_id) for f in flags] == [(second.pk, first.pk)]
    assert flags[0].score >= 0.65 and not flags[0].decision
    assert not DuplicateFlag.objects.filter(entry=third).exists()


def test_a_removed_entry_leaves_its_record_and_loses_its_face(
    planned, watchlist_officer, django_capture_on_commit_callbacks
):
    entry = add(planned, watchlist_officer)
    face_id, image_name = entry.enrolled_face_id, entry.image.name
    with django_capture_on_commit_callbacks(execute=True):
        removed = remove_entry(entry=entry, by=watchlist_officer, reason="Arrested this morning.")
    assert removed.removed_in == 1 and removed.record_id == "PNC-1"
    assert not EnrolledFace.objects.filter(pk=face_id).exists()
    assert not default_storage.exists(image_name)
    # The person may be listed again afterwards (a fresh entry, a fresh confirmation).
    assert add(planned, watchlist_officer).pk != entry.pk


# --- the planned deployment -------------------------------------------------------------------


def test_a_deployment_outside_the_authority_or_at_another_place_is_refused(live, watchlist_officer):
    from authority.models import Location

    base = {
        "application": live,
        "by": watchlist_officer,
        "name": "Out of bounds",
        "deployment_start": live.valid_from,
        "deployment_end": live.valid_until,
        "location": live.locations.first(),
    }
    with pytest.raises(DomainError) as refused:
        create_watchlist(**(base | {"deployment_end": live.valid_until + timedelta(hours=1)}))
    assert refused.value.code == "deployment_outside_authority"
    elsewhere = Location.objects.create(
        application=live, name="Elsewhere", location_type="crime_hotspot"
    )
    with pytest.raises(DomainError) as refused:
        create_watchlist(**(base | {"location": elsewhere}))
    assert refused.value.code == "location_not_authorised"
    assert not live.watchlists.exists()
