"""Sign-off by the authority's authorising officer freezes the list and seals it for the gate;
any change is a new version that the gate refuses until it is signed off in turn."""

import pytest

from common.errors import DomainError
from gate.checks import EngineRefused
from gate.minting import mint_scope
from gate.search import search_frame
from oversight.models import LedgerEntry
from tests.factories import UserFactory
from tests.watchlists import images
from tests.watchlists.test_composition import add
from watchlists.models import WatchlistEntry, WatchlistStatus
from watchlists.services.composition import open_new_version
from watchlists.services.sign_off import (
    approve_under_18_justification,
    decide_duplicate,
    sign_off_watchlist,
)


def refused(code, call):
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code, error.value.detail


def search(planned, live, operator, image):
    scope = mint_scope(application=live, by=operator, gallery=planned.gallery)
    return search_frame(
        scope=scope,
        image=image(),
        gallery_id=planned.gallery_id,
        location_id=planned.location_id,
        by=operator,
        run_id="sign-off-test",
    )


def test_only_the_authoritys_deciding_officer_signs_off(
    planned, watchlist_officer, other_superintendent
):
    from authority.errors import NotTheDecidingOfficer  # noqa: F401 (the code checked below)

    add(planned, watchlist_officer)
    refused("not_permitted", lambda: sign_off_watchlist(watchlist=planned, by=watchlist_officer))
    with pytest.raises(DomainError):
        sign_off_watchlist(watchlist=planned, by=other_superintendent)
    planned.refresh_from_db()
    assert planned.status == WatchlistStatus.COMPOSING
    assert planned.gallery.sealed_at is None


def test_an_empty_list_is_not_signed_off(planned, superintendent):
    refused("watchlist_empty", lambda: sign_off_watchlist(watchlist=planned, by=superintendent))


def test_a_flagged_pair_blocks_sign_off_until_decided(planned, watchlist_officer, superintendent):
    add(planned, watchlist_officer, "PNC-1", images.astronaut)
    add(planned, watchlist_officer, "CUST-9", images.astronaut_again)
    refused(
        "duplicates_undecided", lambda: sign_off_watchlist(watchlist=planned, by=superintendent)
    )
    (flag,) = planned.flags.all()
    refused(
        "invalid_input",
        lambda: decide_duplicate(flag=flag, by=watchlist_officer, decision="merge", reason=""),
    )
    decide_duplicate(
        flag=flag, by=watchlist_officer, decision="merge", reason="Same custody record, re-imaged."
    )
    assert WatchlistEntry.objects.get(record_id="CUST-9").removed_in == 1
    version = sign_off_watchlist(watchlist=planned, by=superintendent)
    assert version.entry_count == 1


def test_keeping_both_of_a_flagged_pair_needs_a_reason_and_then_allows_sign_off(
    planned, watchlist_officer, superintendent
):
    add(planned, watchlist_officer, "PNC-1", images.astronaut)
    add(planned, watchlist_officer, "PNC-2", images.astronaut_again)
    (flag,) = planned.flags.all()
    decide_duplicate(
        flag=flag, by=watchlist_officer, decision="keep_both", reason="Identical twins (PNC)."
    )
    assert sign_off_watchlist(watchlist=planned, by=superintendent).entry_count == 2


def test_an_under_18_entry_needs_the_authorising_officers_approval(
    planned, watchlist_officer, superintendent
):
    child = planned.deployment_start.date().replace(year=planned.deployment_start.year - 16)
    entry = add(
        planned,
        watchlist_officer,
        date_of_birth=child,
        under_18_justification="Missing and at risk; parents and social services consulted.",
    )
    refused("under_18_unapproved", lambda: sign_off_watchlist(watchlist=planned, by=superintendent))
    refused(
        "not_permitted",
        lambda: approve_under_18_justification(entry=entry, by=watchlist_officer),
    )
    approve_under_18_justification(entry=entry, by=superintendent)
    assert sign_off_watchlist(watchlist=planned, by=superintendent).entry_count == 1


def test_a_signed_off_list_is_frozen_searched_and_changed_only_as_a_new_version(
    live, planned, watchlist_officer, superintendent, operator
):
    first = add(planned, watchlist_officer, "PNC-1", images.astronaut)
    with pytest.raises(EngineRefused) as unsigned:
        search(planned, live, operator, images.astronaut_again)
    assert unsigned.value.code == "watchlist_not_signed_off"

    v1 = sign_off_watchlist(watchlist=planned, by=superintendent)
    assert [c.id for c in search(planned, live, operator, images.astronaut_again).candidates] == [
        first.enrolled_face_id
    ]
    refused("watchlist_frozen", lambda: add(planned, watchlist_officer, "PNC-2", images.tom_hanks))

    open_new_version(watchlist=planned, by=watchlist_officer)
    with pytest.raises(EngineRefused) as reopened:
        search(planned, live, operator, images.astronaut_again)
    assert reopened.value.code == "watchlist_not_signed_off"
    second = add(planned, watchlist_officer, "PNC-2", images.tom_hanks)
    assert second.added_in == 2
    v2 = sign_off_watchlist(watchlist=planned, by=superintendent)
    assert (v1.number, v1.entry_count, v2.number, v2.entry_count) == (1, 1, 2, 2)
    assert v1.entries_sha256 != v2.entries_sha256
    hanks = search(planned, live, operator, images.tom_hanks).candidates
    assert [c.id for c in hanks] == [second.enrolled_face_id]


def test_the_sign_off_is_ledgered_with_counts_and_digest_never_names(
    planned, watchlist_officer, superintendent
):
    add(planned, watchlist_officer, "PNC-1", images.astronaut, name="Eileen Example")
    version = sign_off_watchlist(watchlist=planned, by=superintendent)
    event = LedgerEntry.objects.get(action="watchlist.signed_off")
    assert event.data["entry_count"] == 1
    assert event.data["category_counts"] == {"wanted_by_courts": 1}
    assert event.data["entries_sha256"] == version.entries_sha256
    assert "Eileen" not in event.payload and "PNC-1" not in event.payload


def test_a_second_sign_off_of_the_same_version_is_refused(
    planned, watchlist_officer, superintendent
):
    add(planned, watchlist_officer)
    sign_off_watchlist(watchlist=planned, by=superintendent)
    refused("watchlist_frozen", lambda: sign_off_watchlist(watchlist=planned, by=superintendent))


def test_no_one_but_a_watchlist_officer_opens_a_new_version(
    planned, watchlist_officer, superintendent
):
    add(planned, watchlist_officer)
    sign_off_watchlist(watchlist=planned, by=superintendent)
    refused(
        "not_a_watchlist_officer",
        lambda: open_new_version(watchlist=planned, by=UserFactory(username="x")),
    )
