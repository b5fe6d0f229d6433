"""The watchlist officer's and authorising officer's pages: each renders for its role and is
refused to others; a refused rule shows the service's own sentence on the field it names."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory
from tests.watchlists import images
from tests.watchlists.test_composition import add
from watchlists.models import DuplicateFlag, Watchlist, WatchlistEntry, WatchlistStatus
from watchlists.services.sign_off import sign_off_watchlist

pytestmark = pytest.mark.django_db


def entry_form(record_id="PNC-1", image=images.astronaut, **overrides) -> dict:
    data = {
        "record_id": record_id,
        "source_system": "pnc",
        "name": "A Person",
        "date_of_birth": "1980-05-01",
        "category": "wanted_by_courts",
        "reason": "Warrant WR-2026-0142 (failing to appear)",
        "image": SimpleUploadedFile("face.png", image(), content_type="image/png"),
        "image_source_system": "custody",
        "legal_basis": "PACE 1984 s.64A custody image",
        "capture_date": "2025-01-10",
        "under_18_justification": "",
        "most_recent_suitable": "on",
        "still_sought_confirmed": "on",
    }
    return {k: v for k, v in (data | overrides).items() if v is not None}


def field_error(html: str, field: str) -> str:
    """The error message shown against ``field`` (forms/_hint_and_errors.html)."""
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no error on {field}"
    return match.group(1)


def _minute(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


# --- the whole path through the pages ------------------------------------------------------


def test_create_add_sign_off_freeze_and_open_a_new_version(
    client, live, watchlist_officer, superintendent
):
    client.force_login(watchlist_officer)
    assert client.get("/watchlists/new/").status_code == 200
    location = live.locations.first()
    response = client.post(
        "/watchlists/new/",
        {
            "authority": live.pk,
            "name": "Kestrel deployment 1",
            # datetime-local has minutes: stay inside the window once the seconds are dropped.
            "deployment_start": _minute(live.valid_from + timedelta(minutes=1)),
            "deployment_end": _minute(live.valid_until - timedelta(minutes=1)),
            "location": location.pk,
        },
    )
    watchlist = Watchlist.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/watchlists/{watchlist.pk}/"

    response = client.post(f"/watchlists/{watchlist.pk}/entries/new/", entry_form("PNC-ASTRO"))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = WatchlistEntry.objects.get()
    detail = client.get(f"/watchlists/{watchlist.pk}/").content.decode()
    assert "PNC-ASTRO" in detail and "A Person" in detail
    assert f"/watchlists/entries/{entry.pk}/image/" in detail
    image = client.get(f"/watchlists/entries/{entry.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert "no-store" in image["Cache-Control"]
    assert b"".join(image.streaming_content) == images.astronaut()
    # No sign-off for the watchlist officer.
    assert client.get(f"/watchlists/{watchlist.pk}/sign-off/").status_code == 403

    client.force_login(superintendent)
    page = client.get(f"/watchlists/{watchlist.pk}/sign-off/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "What the authority allows" in html and "Wanted by the courts" in html
    assert "A Person" in html  # the signing officer reads the restricted fields
    response = client.post(f"/watchlists/{watchlist.pk}/sign-off/")
    assert response.status_code == 302, re.findall(
        r"govuk-error-message.*", response.content.decode()
    )
    watchlist.refresh_from_db()
    assert watchlist.status == WatchlistStatus.SIGNED_OFF
    versions = client.get(f"/watchlists/{watchlist.pk}/versions/").content.decode()
    assert watchlist.versions.get().entries_sha256 in versions

    client.force_login(watchlist_officer)
    detail = client.get(f"/watchlists/{watchlist.pk}/").content.decode()
    assert "signed off and frozen" in detail and "Open a new version" in detail
    refused = client.post(f"/watchlists/{watchlist.pk}/entries/new/", entry_form("PNC-2"))
    assert refused.status_code == 200
    assert "is signed off and frozen; open a new version" in refused.content.decode()
    assert WatchlistEntry.objects.count() == 1

    response = client.post(f"/watchlists/{watchlist.pk}/open-version/")
    assert response.status_code == 302
    watchlist.refresh_from_db()
    assert watchlist.status == WatchlistStatus.COMPOSING and watchlist.version == 2


def test_the_list_filters_by_authority_and_status(client, planned, watchlist_officer):
    client.force_login(watchlist_officer)
    html = client.get("/watchlists/").content.decode()
    assert "Kestrel deployment 1" in html and "0 of 40" in html
    assert planned.authority.reference in html
    signed = client.get("/watchlists/?status=signed_off").content.decode()
    assert "Kestrel deployment 1" not in signed
    mine = client.get(f"/watchlists/?authority={planned.authority_id}").content.decode()
    assert "Kestrel deployment 1" in mine


# --- a refused rule shows the service's sentence on its field -------------------------------


def test_a_category_not_authorised_is_refused_on_its_field(client, planned, watchlist_officer):
    client.force_login(watchlist_officer)
    response = client.post(
        f"/watchlists/{planned.pk}/entries/new/",
        entry_form(category="missing_at_increased_risk"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The authority does not allow the category" in field_error(html, "category")
    assert "govuk-error-summary" in html and html.count("<title>Error: ") == 1
    assert not WatchlistEntry.objects.exists()


def test_an_under_18_without_justification_is_refused_then_approved(
    client, planned, watchlist_officer, superintendent
):
    born = (planned.deployment_start - timedelta(days=365 * 15)).date().isoformat()
    client.force_login(watchlist_officer)
    response = client.post(f"/watchlists/{planned.pk}/entries/new/", entry_form(date_of_birth=born))
    assert "under 18 at the deployment" in field_error(
        response.content.decode(), "under_18_justification"
    )
    response = client.post(
        f"/watchlists/{planned.pk}/entries/new/",
        entry_form(date_of_birth=born, under_18_justification="Missing child at risk."),
    )
    assert response.status_code == 302
    entry = WatchlistEntry.objects.get()

    client.force_login(superintendent)
    page = client.get(f"/watchlists/{planned.pk}/sign-off/").content.decode()
    assert "Under-18 justifications to approve" in page and "Missing child at risk." in page
    refused = client.post(f"/watchlists/{planned.pk}/sign-off/").content.decode()
    assert "Approve (or have removed) every under-18 entry" in refused
    client.post(f"/watchlists/entries/{entry.pk}/approve-justification/")
    entry.refresh_from_db()
    assert entry.justification_approved_by == superintendent
    assert client.post(f"/watchlists/{planned.pk}/sign-off/").status_code == 302


def test_missing_confirmation_shows_the_services_sentence(client, planned, watchlist_officer):
    client.force_login(watchlist_officer)
    data = entry_form()
    del data["still_sought_confirmed"]
    html = client.post(f"/watchlists/{planned.pk}/entries/new/", data).content.decode()
    assert "Confirm the person is still sought" in field_error(html, "still_sought_confirmed")


def test_an_empty_list_is_not_signed_off(client, planned, superintendent):
    client.force_login(superintendent)
    html = client.post(f"/watchlists/{planned.pk}/sign-off/").content.decode()
    assert "An empty watchlist is not signed off." in html
    assert "The list is empty." in html


def test_removing_an_entry_needs_a_reason(client, planned, watchlist_officer):
    entry = add(planned, watchlist_officer)
    client.force_login(watchlist_officer)
    assert client.get(f"/watchlists/entries/{entry.pk}/remove/").status_code == 200
    html = client.post(f"/watchlists/entries/{entry.pk}/remove/", {"reason": ""}).content
    assert "Give the reason for removing the entry" in field_error(html.decode(), "reason")
    response = client.post(f"/watchlists/entries/{entry.pk}/remove/", {"reason": "Arrested."})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.removed_in == 1 and entry.removal_reason == "Arrested."


def test_flagged_duplicates_side_by_side_and_decided(client, planned, watchlist_officer):
    first = add(planned, watchlist_officer, "PNC-A")
    second = add(planned, watchlist_officer, "PNC-B", image=images.astronaut_again)
    flag = DuplicateFlag.objects.get()
    client.force_login(watchlist_officer)
    page = client.get(f"/watchlists/{planned.pk}/duplicates/").content.decode()
    assert f"/watchlists/entries/{first.pk}/image/" in page
    assert f"/watchlists/entries/{second.pk}/image/" in page
    assert f"{flag.score:.3f}" in page
    prefix = f"flag-{flag.pk}"
    refused = client.post(
        f"/watchlists/flags/{flag.pk}/decide/", {f"{prefix}-decision": "keep_both"}
    ).content.decode()
    assert "Give the reason for the decision" in field_error(refused, f"{prefix}-reason")
    client.post(
        f"/watchlists/flags/{flag.pk}/decide/",
        {f"{prefix}-decision": "keep_both", f"{prefix}-reason": "Twins: custody records differ."},
    )
    flag.refresh_from_db()
    assert flag.decision == "keep_both" and flag.decided_by == watchlist_officer


# --- who may open which page ----------------------------------------------------------------


def test_a_reader_without_the_right_sees_no_name_date_of_birth_or_image(
    client, planned, watchlist_officer, operator
):
    entry = add(planned, watchlist_officer)
    client.force_login(operator)
    html = client.get(f"/watchlists/{planned.pk}/").content.decode()
    assert "PNC-1" in html and "[restricted]" in html
    assert "A Person" not in html and "/image/" not in html
    assert client.get(f"/watchlists/entries/{entry.pk}/image/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/watchlists/new/",
        "/watchlists/{pk}/entries/new/",
        "/watchlists/{pk}/duplicates/",
        "/watchlists/{pk}/sign-off/",
    ],
)
def test_composing_and_sign_off_pages_are_refused_to_an_operator(client, planned, operator, path):
    client.force_login(operator)
    assert client.get(path.format(pk=planned.pk)).status_code == 403


def test_no_watchlist_page_for_someone_without_a_watchlist_role(client, planned, applicant):
    client.force_login(applicant)
    assert client.get("/watchlists/").status_code == 403
    assert client.get(f"/watchlists/{planned.pk}/").status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client, planned):
    assert client.get("/watchlists/")["Location"].startswith("/accounts/login/")


def test_another_authorising_officer_may_not_sign_off(client, planned, watchlist_officer):
    from authority.models import Rank
    from common.roles import Role

    add(planned, watchlist_officer)
    other = UserFactory(
        username="supt-other", rank=Rank.SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER]
    )
    client.force_login(other)
    assert "A Person" not in client.get(f"/watchlists/{planned.pk}/sign-off/").content.decode()
    html = client.post(f"/watchlists/{planned.pk}/sign-off/").content.decode()
    assert "Only the authorising officer who decided" in html
    planned.refresh_from_db()
    assert planned.status == WatchlistStatus.COMPOSING


def test_the_import_link_appears_only_once_its_page_exists(client, planned, watchlist_officer):
    client.force_login(watchlist_officer)
    html = client.get(f"/watchlists/{planned.pk}/").content.decode()
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("watchlists:import-start", args=[planned.pk])
    except NoReverseMatch:
        assert "Import entries (CSV + ZIP)" not in html
    else:
        assert "Import entries (CSV + ZIP)" in html


# --- the role homes -------------------------------------------------------------------------


def test_homes_list_watchlists_to_compose_and_to_sign_off(
    client, planned, watchlist_officer, superintendent
):
    client.force_login(watchlist_officer)
    home = client.get("/").content.decode()
    assert "Watchlists to compose" in home and "Kestrel deployment 1" in home
    assert "Coming next" not in home
    client.force_login(superintendent)
    assert "Kestrel deployment 1" not in client.get("/").content.decode()  # empty: nothing yet
    add(planned, watchlist_officer)
    home = client.get("/").content.decode()
    assert "Watchlists to sign off" in home and f"/watchlists/{planned.pk}/sign-off/" in home
    sign_off_watchlist(watchlist=planned, by=superintendent)
    assert f"/watchlists/{planned.pk}/sign-off/" not in client.get("/").content.decode()
