"""Oversight pages: read only, for the oversight role; timeline, object history, registers and
the verification button."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from common.roles import Role
from oversight.checkpoints import create_checkpoint
from tests.factories import LedgerEventFactory, OversightFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "oversight:timeline",
    "oversight:urgent-register",
    "oversight:compliance-register",
    "oversight:refused-engine-register",
    "oversight:verify",
]


@pytest.fixture
def inspector(client):
    user = OversightFactory()
    client.force_login(user)
    return user


def at(monkeypatch, when):
    monkeypatch.setattr("django.utils.timezone.now", lambda: when)


@pytest.mark.parametrize("page", PAGES)
def test_oversight_pages_need_sign_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.OVERSIGHT])
def test_only_the_oversight_role_sees_the_oversight_pages(client, role):
    client.force_login(UserFactory(roles=[role]))
    for page in PAGES:
        assert client.get(reverse(page)).status_code == 403, (role, page)
    assert client.get("/oversight/objects/authority/user/1/").status_code == 403
    assert client.post(reverse("oversight:verify")).status_code == 403


def test_the_oversight_role_holds_only_view_and_inspect_permissions():
    user = OversightFactory()
    assert user.has_perm("oversight.inspect_ledger")
    assert {p.split(".")[1].split("_")[0] for p in user.get_all_permissions()} <= {
        "view",
        "inspect",
    }


@pytest.mark.parametrize("page", PAGES)
def test_each_page_is_accessible_for_an_inspector(client, inspector, page):
    LedgerEventFactory()
    response = client.get(reverse(page))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">' in html
    assert html.count("<table") == html.count("<caption")  # every table has a caption
    assert 'href="#main-content"' in html


def test_the_navigation_links_the_timeline_for_oversight(client, inspector):
    assert b'href="/oversight/"' in client.get("/").content


def test_pages_are_read_only(client, inspector):
    for page in PAGES[:4]:
        assert client.post(reverse(page)).status_code == 405


def test_the_timeline_filters_by_object_actor_action_and_date(client, inspector, monkeypatch):
    officer = UserFactory(username="dsupt-ray", roles=[Role.AUTHORISING_OFFICER])
    at(monkeypatch, datetime(2024, 3, 1, 10, tzinfo=UTC))
    old = LedgerEventFactory(action="application.submitted", subject=("authority.application", 901))
    monkeypatch.undo()
    authorised = LedgerEventFactory(
        actor=officer,
        action="application.authorised",
        subject=("authority.application", 901),
    )
    other = LedgerEventFactory(action="engine.search_run", subject=("authority.application", 902))

    def shown(**query):
        html = client.get(reverse("oversight:timeline"), query).content.decode()
        return {e.seq for e in (old, authorised, other) if f">{e.seq}</td>" in html}

    assert shown(object_type="authority.application", object_id="901") == {old.seq, authorised.seq}
    assert shown(actor="dsupt-ray") == {authorised.seq}
    assert shown(actor=str(officer.pk)) == {authorised.seq}
    assert shown(action="application.") == {old.seq, authorised.seq}
    assert shown(action="engine.search_run") == {other.seq}
    assert shown(date_from="2024-03-01", date_to="2024-03-01") == {old.seq}
    assert shown(actor="system", object_id="902") == {other.seq}


def test_the_timeline_shows_who_acted_in_which_role(client, inspector):
    officer = UserFactory(roles=[Role.AUTHORISING_OFFICER], last_name="Okafor")
    LedgerEventFactory(actor=officer, role=Role.AUTHORISING_OFFICER)
    html = client.get(reverse("oversight:timeline")).content.decode()
    assert "Okafor" in html and "authorising_officer" in html


def test_an_invalid_date_range_is_explained(client, inspector):
    response = client.get(
        reverse("oversight:timeline"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert b"There is a problem" in response.content


def test_an_objects_history_shows_field_level_differences(client, inspector):
    admin = StaffFactory(roles=[Role.ADMINISTRATOR])
    officer = UserFactory(command_unit="Central West BCU")
    officer.command_unit = "Met Operations"
    officer._history_user = admin
    officer.save()
    LedgerEventFactory(actor=admin, action="officer.updated", subject=officer)
    html = client.get(
        reverse("oversight:object-history", args=["authority", "user", officer.pk])
    ).content.decode()
    assert "Field-level history" in html
    assert "Created" in html and "Changed" in html
    assert "Command unit" in html and "Central West BCU" in html and "Met Operations" in html
    assert "officer.updated" in html
    assert "password" not in html.lower().replace("password_", "")


def test_the_history_of_an_object_known_only_to_the_ledger(client, inspector):
    entry = LedgerEventFactory(action="watchlist.signed_off", subject=("watchlists.watchlist", 5))
    html = client.get(
        reverse("oversight:object-history", args=["watchlists", "watchlist", 5])
    ).content.decode()
    assert entry.action in html and "keeps no field-level history" in html


def test_an_unknown_object_is_not_found(client, inspector):
    url = reverse("oversight:object-history", args=["nothing", "here", 1])
    assert client.get(url).status_code == 404


def test_the_urgent_register_shows_what_followed_each_urgent_authority(
    client, inspector, monkeypatch
):
    start = datetime(2025, 6, 1, 8, tzinfo=UTC)
    at(monkeypatch, start)
    LedgerEventFactory(
        action="application.urgently_authorised", subject=("authority.application", 11)
    )
    LedgerEventFactory(
        action="application.urgently_authorised", subject=("authority.application", 12)
    )
    LedgerEventFactory(
        action="application.urgently_authorised", subject=("authority.application", 13)
    )
    at(monkeypatch, start + timedelta(hours=10))
    LedgerEventFactory(action="application.ratified", subject=("authority.application", 11))
    at(monkeypatch, start + timedelta(hours=80))
    LedgerEventFactory(action="application.ratified", subject=("authority.application", 12))
    monkeypatch.undo()
    html = client.get(reverse("oversight:urgent-register")).content.decode()
    rows = {
        n: html.split(f"authority.application {n}</a>")[1].split("</tr>")[0] for n in (11, 12, 13)
    }
    assert "Ratified" in rows[11] and "Late ratification" not in rows[11]
    assert "Ratified" in rows[12] and "Late ratification" in rows[12]
    assert "Awaiting ratification" in rows[13]


def test_the_compliance_register_lists_exceptions_from_the_ledger(client, inspector):
    expired = LedgerEventFactory(
        action="application.expired",
        payload={"compliance_exception": "expired_without_cancellation"},
    )
    late = LedgerEventFactory(
        action="application.ratified", payload={"compliance_exception": "late_ratification"}
    )
    nested = LedgerEventFactory(payload={"detail": {"compliance_exception": "not_top_level"}})
    html = client.get(reverse("oversight:compliance-register")).content.decode()
    assert "Expired without cancellation" in html and "Late ratification" in html
    assert f"(#{nested.seq})" not in html
    only = client.get(
        reverse("oversight:compliance-register"), {"code": "late_ratification"}
    ).content.decode()
    assert f"(#{late.seq})" in only and f"(#{expired.seq})" not in only


def test_the_register_of_refused_engine_calls(client, inspector):
    operator = UserFactory(roles=[Role.LFR_OPERATOR])
    refused = LedgerEventFactory(
        actor=operator,
        action="engine.search_refused",
        payload={"reason": "authority_expired", "gallery_id": 3},
    )
    enrolment = LedgerEventFactory(
        actor=UserFactory(roles=[Role.WATCHLIST_OFFICER]),
        action="engine.enrolment_refused",
        payload={"reason": "watchlist_frozen", "gallery_id": 3},
    )
    LedgerEventFactory(action="engine.search_run")
    html = client.get(reverse("oversight:refused-engine-register")).content.decode()
    assert "authority_expired" in html and f">{refused.seq}</td>" in html
    assert "watchlist_frozen" in html and f">{enrolment.seq}</td>" in html
    assert "engine.search_run" not in html


def test_the_verify_button_runs_the_verification(client, inspector, events):
    response = client.post(reverse("oversight:verify"))
    html = response.content.decode()
    assert "The ledger is intact" in html and "ledger intact:" in html


def test_the_verify_page_says_how_much_no_checkpoint_covers(client, inspector, events):
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    later = LedgerEventFactory()
    html = client.post(reverse("oversight:verify")).content.decode()
    assert (
        f"Entries {checkpoint.tree_size + 1:,}\N{EN DASH}{later.seq:,} (1) are after the "
        "latest checkpoint and protected only by the chain."
    ) in html
    assert reverse("ledger-public-checkpoint") in html


def test_the_verify_button_reports_the_first_bad_sequence_number(client, inspector, events, tamper):
    tamper.edit_payload(events[1].seq)
    html = client.post(reverse("oversight:verify")).content.decode()
    assert "The ledger is not intact" in html
    assert f"First bad sequence number: <strong>{events[1].seq}</strong>" in html


def test_the_verify_page_checks_an_uploaded_checkpoint(client, inspector, events):
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    document = checkpoint.as_document()
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = "saved.json"
    html = client.post(reverse("oversight:verify"), {"checkpoint": upload}).content.decode()
    assert "saved checkpoint (tree size" in html
    forged = io.BytesIO(json.dumps({**document, "head_hash": "f" * 64}).encode())
    forged.name = "forged.json"
    html = client.post(reverse("oversight:verify"), {"checkpoint": forged}).content.decode()
    assert "bad signature" in html


def test_an_inspector_downloads_the_latest_signed_checkpoint(client, inspector, events):
    checkpoint, _ = create_checkpoint(only_if_moved=False)
    response = client.get(reverse("oversight:checkpoint"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.json()["tree_size"] == checkpoint.tree_size == events[-1].seq


def test_the_verify_page_offers_no_signing_button(client, inspector, events):
    html = client.get(reverse("oversight:verify")).content.decode()
    assert f'action="{reverse("oversight:checkpoint")}"' not in html
    assert "ledger_checkpoint" in html  # points administrators at the management command


def upload(content: bytes, name: str = "probe.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/json")


@pytest.mark.parametrize(
    "body",
    [b"[" * 5000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000],
    ids=["probe", "closed", "objects"],
)
def test_a_deeply_nested_upload_is_a_form_error_not_a_500(client, inspector, events, body):
    response = client.post(reverse("oversight:verify"), {"checkpoint": upload(body)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The checkpoint file nests deeper than a checkpoint does" in html
    assert "govuk-error-summary" in html and "The ledger is intact" not in html


def test_an_upload_over_64_kib_is_a_form_error(client, inspector, events):
    body = b'{"padding": "' + b"x" * (64 * 1024) + b'"}'
    response = client.post(reverse("oversight:verify"), {"checkpoint": upload(body)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The checkpoint file is larger than 64 KiB" in html
    assert "The ledger is intact" not in html


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (b"not json", "The checkpoint file is not JSON"),
        (b"\xff\xfe", "The checkpoint file is not JSON"),
        (b"[1, 2]", "The checkpoint file holds no checkpoint"),
    ],
)
def test_an_upload_that_is_no_checkpoint_is_explained(client, inspector, events, body, sentence):
    response = client.post(reverse("oversight:verify"), {"checkpoint": upload(body)})
    assert response.status_code == 200
    assert sentence in response.content.decode()


def test_the_whole_timeline_counts_from_the_head_and_a_filtered_one_by_counting(client, inspector):
    """Unfiltered, the count is the head's sequence number (no COUNT(*) over millions of
    rows): it must equal the real count; a filter counts its rows."""
    from oversight.models import LedgerEntry
    from oversight.views import PAGE_SIZE

    for n in range(PAGE_SIZE + 1):
        LedgerEventFactory(action="application.submitted" if n % 2 else "wad.issued")
    total = LedgerEntry.objects.count()
    page = client.get(reverse("oversight:timeline")).context["page"]
    assert page.paginator.count == total
    filtered = client.get(reverse("oversight:timeline"), {"action": "wad.issued"})
    wanted = LedgerEntry.objects.filter(action="wad.issued").count()
    assert filtered.context["page"].paginator.count == wanted
