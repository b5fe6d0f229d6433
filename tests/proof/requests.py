"""Turning a matrix row into a request, and a response into an outcome class."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from tests.proof.world import World

# Outcome classes, one letter each in the matrix.
OUTCOMES = {
    "O": "allowed: 2xx",
    "R": "redirected elsewhere than the sign-in page (e.g. back to the object, with a message)",
    "V": "allowed past the permission check, refused as invalid input or wrong state (400, 409)",
    "F": "forbidden: 403",
    "N": "not found: 404 (the object is hidden from this reader, or the route refuses it)",
    "L": "sign-in required: a redirect to the sign-in page, or 401 from the API",
    "M": "method not allowed: 405",
    "U": "unsupported media type: 415",
}

# Keyword arguments a route needs beyond the object's id, by route name.
EXTRA_KWARGS = {
    "authority:application-edit": {"section": "basics"},
    "authority:wad-pdf": {"version": 1},
    "authority:application-action": {"action": "halt"},
    "accounts:account-action": {"action": "disable"},
    "oversight:export-download": {"pk": 999_999},  # no such export: see the matrix row
}


def object_kwargs(world: World, name: str, obj: str) -> dict:
    if obj == "-":
        return dict(EXTRA_KWARGS.get(name, {}))
    if obj == "history":
        lfr = world.objects["lfr"]
        return {"app_label": "authority", "model_name": "application", "object_id": str(lfr.pk)}
    if obj == "ledger":
        return {"seq": world.objects["ledger_seq"]}
    if obj == "publication":  # the public site names a deployment by its public reference
        reference = world.objects["publication"].reference
        if name == "transparency:year-pdf":
            return {"year": int(reference.split("-")[1])}
        return {"reference": reference}
    if obj == "officer":
        return {"pk": world.others["applicant"].pk, **EXTRA_KWARGS.get(name, {})}
    return {"pk": world.objects[obj].pk, **EXTRA_KWARGS.get(name, {})}


def path_for(world: World, name: str, obj: str) -> str:
    return reverse(name, kwargs=object_kwargs(world, name, obj) or None)


# API routes that take a multipart upload: an empty JSON body would stop at the parser (415).
MULTIPART = {
    "deployment-videos",
    "rfr-search-run",
    "oifr-check-list",
    "watchlist-import-start",
    "watchlist-entries",
}
REASONS = {"reasons": "Proof of who may act."}


def body_for(world: World, name: str) -> dict:
    """A body the API accepts in shape, so what answers is the permission (403/404) or the
    rule (409), not the serializer (400). Routes not named here get an empty body."""
    from tests.deployments.searches_fixtures import CASE
    from tests.deployments.test_oifr import GROUNDS
    from tests.watchlists import images

    o = world.objects
    lfr = o["lfr"]
    window = {
        "deployment_start": lfr.valid_from.isoformat(),
        "deployment_end": lfr.valid_until.isoformat(),
    }

    def image(data: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile("face.png", data, content_type="image/png")

    bodies = {
        "api-token": lambda: {"username": "proof-applicant", "password": "correct-horse-battery"},
        "application-list": lambda: {"mode": "lfr", "operation_name": "Operation Proof API"},
        "application-detail": lambda: {"operation_name": "Operation Proof Renamed"},
        "application-authorise": lambda: REASONS,
        "application-refuse": lambda: REASONS,
        "application-return-for-amendment": lambda: REASONS,
        "application-urgent-authorise": lambda: {
            **REASONS,
            "superintendent_unavailable_reason": "No Superintendent answered for an hour.",
        },
        "application-ratify": lambda: REASONS,
        "application-halt": lambda: REASONS,
        "application-resume": lambda: REASONS,
        "application-cancel": lambda: {**REASONS, "report": "Proof cancellation report."},
        "application-consult": lambda: {"outcome": "noted", "comments": "Proportionate."},
        "application-renew": lambda: {**REASONS, "new_end": lfr.valid_until.isoformat()},
        "application-review": lambda: {"findings": "Still necessary.", "outcome": "continue"},
        "officer-list": lambda: {
            "username": "proof-new",
            "first_name": "New",
            "last_name": "Officer",
            "kind": "officer",
            "rank": "constable",
            "reasons": "Joined the unit.",
        },
        "officer-change-rank": lambda: {"rank": "sergeant", **REASONS},
        "officer-disable": lambda: REASONS,
        "officer-enable": lambda: REASONS,
        "officer-grant-role": lambda: {"role": "reviewer", **REASONS},
        "officer-withdraw-role": lambda: {"role": "applicant_officer", **REASONS},
        "watchlist-list": lambda: {
            "authority": lfr.pk,
            "name": "Proof API list",
            "location": lfr.locations.first().pk,
            **window,
        },
        "watchlist-entries": lambda: {
            "record_id": "PNC-API",
            "source_system": "pnc",
            "category": "wanted_by_courts",
            "reason": "Warrant WR-2026-0142 (failing to appear)",
            "image_source_system": "custody",
            "legal_basis": "PACE 1984 s.64A custody image",
            "most_recent_suitable": "true",
            "still_sought_confirmed": "true",
            "image": image(images.tom_hanks()),
        },
        "watchlist-entry-remove": lambda: {"reason": "No longer sought."},
        "watchlist-flag-decide": lambda: {"decision": "keep_both", "reason": "Different ears."},
        "deployment-list": lambda: {
            "watchlist": o["watchlist"].pk,
            "operators": [world.users["operator"].pk],
            "engagement_officers": [world.users["engagement"].pk],
        },
        "deployment-halt": lambda: {"reason": "Crowd too dense."},
        "deployment-cameras": lambda: {"name": "South gate"},
        "alert-adjudicate": lambda: {"decision": "possible_match", "reason": "Same jawline."},
        "alert-engage": lambda: {"engage": True, "outcome": "true_alert_engaged"},
        "rfr-search-list": lambda: {"authority": o["rfr"].pk, **CASE},
        "rfr-search-approve": lambda: REASONS,
        "rfr-search-refuse": lambda: REASONS,
        "rfr-search-review": lambda: {
            "candidate": o["search"].candidates.first().pk,
            "decision": "possible_lead",
            "reason": "Same scar.",
        },
        "review-return-to-author": lambda: {"reason": "Say more about the safeguards."},
        "rfr-search-run": lambda: {"image": image(images.astronaut_again())},
        "oifr-check-list": lambda: {
            "authority": o["oifr"].pk,
            **GROUNDS,
            "image": image(images.astronaut()),
        },
    }
    return bodies[name]() if name in bodies else {}


def send(world: World, who: str, method: str, path: str, name: str = ""):
    """``who`` is a matrix column (or ``other:<column>``): pages through a signed-in session,
    the API with the user's token, as each is used. Each request carries the user's original
    session (made with the world), so a page that signs out or rotates it changes no later
    case."""
    if path.startswith("/api/"):
        client = Client()
        headers = {} if who == "anon" else {"HTTP_AUTHORIZATION": f"Token {world.tokens[who]}"}
        if method in ("GET", "DELETE"):
            return client.generic(method, path, **headers)
        body = body_for(world, name)
        if name in MULTIPART:
            return client.generic(
                method,
                path,
                encode_multipart(BOUNDARY, body),
                content_type=MULTIPART_CONTENT,
                **headers,
            )
        return client.generic(
            method, path, json.dumps(body), content_type="application/json", **headers
        )
    client = Client()
    if who != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[who]
    if method == "GET":
        return client.get(path)
    return client.generic(method, path, "", content_type="application/x-www-form-urlencoded")


STATUS_CODES = {400: "V", 409: "V", 422: "V", 403: "F", 404: "N", 405: "M", 415: "U"}


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"5xx ({status})"
    if status in (301, 302, 303, 307, 308):
        return "L" if response["Location"].startswith("/accounts/login/") else "R"
    if status == 401:
        return "L"
    if 200 <= status < 300:
        return "O"
    return STATUS_CODES.get(status, str(status))
