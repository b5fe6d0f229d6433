"""The gate: no face is detected, embedded or searched without a valid, recorded authority."""

import io
import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from authority import services
from authority.scopes import mint_scope
from biometric_engine.core.backends import select_backend
from biometric_engine.engine import default_model_version
from biometric_engine.gate import EngineRefused, search_frame, search_probe
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from biometric_engine.scope import sign_scope
from common.roles import Role
from oversight.models import LedgerEntry
from tests.authority.fixtures import draft_application
from tests.factories import UserFactory


class CountingBackend:
    """The real backend, counting calls, to prove a refused call never reaches it."""

    def __init__(self) -> None:
        self.real = select_backend()
        self.calls = 0

    @property
    def model_version(self) -> str:
        return self.real.model_version

    def detect(self, rgb):
        self.calls += 1
        return self.real.detect(rgb)

    def embed(self, rgb, face):
        self.calls += 1
        return self.real.embed(rgb, face)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def refusals() -> list[str]:
    return [
        json.loads(p)["reason"]
        for p in LedgerEntry.objects.filter(action="engine.search_refused").values_list(
            "payload", flat=True
        )
    ]


def assert_refused(code: str, call, backend: CountingBackend) -> None:
    runs = LedgerEntry.objects.filter(action="engine.search_run").count()
    with pytest.raises(EngineRefused) as info:
        call()
    assert info.value.code == code
    assert backend.calls == 0, "the engine must not run"
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == runs
    assert refusals()[-1] == code


def frame_call(scope, watchlist, live, backend, **overrides):
    from authority.models import User

    holder = User.objects.get(pk=scope.issued_to) if scope else None
    params = {
        "by": holder,
        "scope": scope,
        "image": png_bytes(),
        "gallery_id": watchlist.pk,
        "location_id": live.locations.first().pk,
        "backend": backend,
        **overrides,
    }
    return lambda: search_frame(**params)


@pytest.fixture
def counting():
    return CountingBackend()


def test_no_scope_is_refused(live, watchlist, counting):
    assert_refused("no_scope", frame_call(None, watchlist, live, counting), counting)


def test_a_tampered_scope_is_refused(scope, live, watchlist, counting):
    forged = replace(scope, threshold="0.100")
    assert_refused("bad_signature", frame_call(forged, watchlist, live, counting), counting)


def test_a_cancelled_authority_stops_the_next_call(
    scope, live, watchlist, counting, superintendent
):
    services.cancel_authority(
        application=live, by=superintendent, reasons="Stop.", report="Suspects arrested."
    )
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_a_draft_is_not_a_valid_authority(
    watchlist, live, counting, operator, applicant, superintendent, commanders
):
    draft = draft_application(applicant, superintendent, commanders, operation_name="Op Draft")
    scope = sign_scope(
        replace(mint_scope(application=live, by=operator, gallery=watchlist), authority_id=draft.pk)
    )
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_a_call_outside_the_window_is_refused(scope, live, watchlist, counting, monkeypatch):
    after = live.valid_until + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    assert_refused("scope_expired", frame_call(scope, watchlist, live, counting), counting)


def test_an_expired_authority_is_refused(scope, live, watchlist, counting, monkeypatch):
    from authority.services import expire_authority

    after = live.valid_until + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    expire_authority(application_id=live.pk)
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_the_wrong_mode_is_refused(scope, live, watchlist, counting, operator):
    def call():
        return search_probe(
            scope=replace(scope),
            by=operator,
            image=png_bytes(),
            gallery_id=watchlist.pk,
            backend=counting,
        )

    assert_refused("wrong_mode", call, counting)


def test_another_gallery_is_refused(scope, live, watchlist, counting):
    other = Gallery.objects.create(
        name="Custody", kind=GalleryKind.CUSTODY, model_version=default_model_version()
    )
    call = frame_call(scope, watchlist, live, counting, gallery_id=other.pk)
    assert_refused("wrong_gallery", call, counting)


def test_a_location_outside_the_authority_is_refused(scope, live, watchlist, counting):
    call = frame_call(scope, watchlist, live, counting, location_id=999_999)
    assert_refused("location_not_authorised", call, counting)


def test_a_threshold_below_the_authorised_one_is_refused(scope, live, watchlist, counting):
    call = frame_call(scope, watchlist, live, counting, threshold=Decimal("0.5"))
    assert_refused("threshold_below_authorised", call, counting)


def test_a_watchlist_not_signed_off_is_refused(scope, live, watchlist, counting):
    Gallery.objects.filter(pk=watchlist.pk).update(signed_off_at=None)
    assert_refused(
        "watchlist_not_signed_off", frame_call(scope, watchlist, live, counting), counting
    )


def test_a_watchlist_composed_over_24_hours_before_the_deployment_is_refused(
    scope, live, watchlist, counting
):
    Gallery.objects.filter(pk=watchlist.pk).update(
        composed_at=live.valid_from - timedelta(hours=25)
    )
    assert_refused("watchlist_stale", frame_call(scope, watchlist, live, counting), counting)


def test_an_urgent_authority_that_lapsed_is_refused(scope, live, watchlist, counting):
    from authority.models import Application

    Application.objects.filter(pk=live.pk).update(lapses_at=timezone.now())
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_no_scope_is_minted_for_an_authority_not_live(submitted, operator):
    from common.errors import WrongState

    gallery = Gallery.objects.create(
        name="W",
        kind=GalleryKind.WATCHLIST,
        model_version=default_model_version(),
        authority=submitted,
    )
    with pytest.raises(WrongState, match="submitted"):
        mint_scope(application=submitted, by=operator, gallery=gallery)


def test_only_engine_roles_get_a_scope(live, watchlist, applicant):
    from common.errors import NotPermitted

    with pytest.raises(NotPermitted):
        mint_scope(application=live, by=applicant, gallery=watchlist)


def test_an_admitted_search_is_ledgered_before_it_runs(scope, live, watchlist, counting):
    result = frame_call(scope, watchlist, live, counting)()
    assert result.faces_processed == 0 and result.candidates == ()
    actions = list(
        LedgerEntry.objects.filter(action__startswith="engine.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["engine.search_run"]  # nothing matched: no candidates event
    assert counting.calls == 1  # one detection pass over a blank frame, no face to embed
    assert not EnrolledFace.objects.exists()


def test_a_scope_used_by_someone_it_was_not_issued_to_is_refused(scope, live, watchlist, counting):
    other = UserFactory(username="other-operator", roles=[Role.LFR_OPERATOR])
    call = frame_call(scope, watchlist, live, counting, by=other)
    assert_refused("scope_not_issued_to_caller", call, counting)
