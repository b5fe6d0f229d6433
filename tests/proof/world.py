"""One world for the permissions matrix and the fuzzing: every kind of object the URLs reach,
made through the real services, with a principal and a second, uninvolved user for every role.

Built once per test module inside a transaction marked as a test case's (as Django's
``TestCase.setUpClass`` does), so the gate accepts engine calls made while building it, each
test's savepoint rolls back whatever its request changed, and the module's rollback leaves the
database as it found it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from common.roles import Role

# Restricted values, each its own, so a response holding one names the object it came from.
ENTRY_PEOPLE = {
    "PNC-1": ("Zebedee Quartermaine", date(1971, 3, 14)),  # the signed list: the alert's match
    "PNC-2": ("Ottoline Fairweather", date(1983, 11, 2)),
    "CUST-9": ("Barnaby Thistlewood", date(1990, 7, 29)),
}

# The matrix's columns: anonymous, then one principal per role.
ROLE_COLUMNS: dict[str, Role | None] = {
    "anon": None,
    "applicant": Role.APPLICANT,
    "authoriser": Role.AUTHORISING_OFFICER,
    "chief": Role.CHIEF_OFFICER,
    "watchlist": Role.WATCHLIST_OFFICER,
    "operator": Role.LFR_OPERATOR,
    "engagement": Role.ENGAGEMENT_OFFICER,
    "silver": Role.SILVER_COMMANDER,
    "investigator": Role.INVESTIGATOR,
    "reviewer": Role.REVIEWER,
    "publisher": Role.PUBLISHER,
    "oversight": Role.OVERSIGHT,
    "admin": Role.ADMINISTRATOR,
}


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)  # column -> principal
    others: dict[str, Any] = field(default_factory=dict)  # column -> same role, uninvolved
    tokens: dict[str, str] = field(default_factory=dict)  # "column" or "other:column" -> key
    sessions: dict[str, str] = field(default_factory=dict)  # the same -> session cookie value
    objects: dict[str, Any] = field(default_factory=dict)

    def user(self, who: str):
        if who.startswith("other:"):
            return self.others[who.removeprefix("other:")]
        return self.users[who]


def _people(world: World) -> None:
    from authority.models import Rank
    from tests.factories import OversightFactory, StaffFactory, UserFactory

    ranks = {
        "applicant": Rank.INSPECTOR,
        "authoriser": Rank.SUPERINTENDENT,
        "chief": Rank.COMMANDER,
        "watchlist": Rank.SERGEANT,
        "engagement": Rank.SERGEANT,
        "silver": Rank.CHIEF_INSPECTOR,
        "investigator": Rank.CONSTABLE,
        "reviewer": Rank.CHIEF_INSPECTOR,
    }
    for column, role in ROLE_COLUMNS.items():
        if role is None:
            continue
        for prefix, bucket in (("", world.users), ("other-", world.others)):
            username = f"proof-{prefix}{column}"
            if role == Role.OVERSIGHT:
                user = OversightFactory(username=username)
            elif column in ranks:
                user = UserFactory(username=username, rank=ranks[column], roles=[role])
            else:
                user = StaffFactory(username=username, roles=[role])
            bucket[column] = user
    world.users["gold"] = UserFactory(
        username="proof-gold", rank=Rank.CHIEF_SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER]
    )
    world.users["bronze"] = UserFactory(username="proof-bronze", rank=Rank.INSPECTOR)
    # An Inspector who may decide urgently: the urgent authority the Superintendent ratifies.
    world.users["inspector"] = UserFactory(
        username="proof-inspector", rank=Rank.INSPECTOR, roles=[Role.AUTHORISING_OFFICER]
    )


def _authorities(world: World) -> None:
    from authority import builders, services
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    u = world.users
    report = synthetic_report((0.3, 0.5, 0.6), b_highest=0.55)
    world.objects["report"] = record_equitability_report(report=report, dataset="synthetic")
    commanders = {
        "gold_commander": u["gold"],
        "silver_commander": u["silver"],
        "bronze_commander": u["bronze"],
    }

    def drafted(mode: str, name: str, decider=None, **overrides):
        return builders.build_draft(
            applicant=u["applicant"],
            decider=decider or u["authoriser"],
            commanders=commanders,
            mode=mode,
            operation_name=name,
            locations=builders.LOCATIONS if mode == "lfr" else [],
            intelligence_case=f"RESTRICTED: proof source reporting for {name}.",
            **overrides,
        )

    world.objects["draft"] = drafted("lfr", "Operation Proof Draft")
    submitted = drafted("lfr", "Operation Proof Submitted")
    world.objects["submitted"] = services.submit_application(
        application=submitted, by=u["applicant"]
    )
    urgent = {
        "is_urgent": True,
        "urgency_reason": "Risk to life; no time for the usual process.",
        "advance_notice": False,
        "notice_details": "",
        "no_notice_reason": "critical_threat_to_life",
    }
    # Submitted as urgent to the Superintendent: the urgent decision is theirs to make.
    world.objects["urgent_submitted"] = services.submit_application(
        application=drafted("lfr", "Operation Proof Urgent", **urgent), by=u["applicant"]
    )
    # Urgently authorised by an Inspector: the Superintendent's to ratify.
    ratifiable = drafted("lfr", "Operation Proof Ratify", decider=u["inspector"], **urgent)
    services.submit_application(application=ratifiable, by=u["applicant"])
    services.consult_chief_officer(
        application=ratifiable, by=u["chief"], outcome="noted", comments="Proceed."
    )
    services.urgently_authorise_application(
        application=ratifiable,
        by=u["inspector"],
        reasons="Immediate risk to life.",
        superintendent_unavailable_reason="Duty Superintendent at a firearms incident.",
    )
    ratifiable.refresh_from_db()
    world.objects["urgent_authorised"] = ratifiable
    lfr = drafted("lfr", "Operation Proof")
    services.submit_application(application=lfr, by=u["applicant"])
    services.consult_chief_officer(
        application=lfr, by=u["chief"], outcome="noted", comments="Proportionate; proceed."
    )
    services.authorise_application(
        application=lfr, by=u["authoriser"], reasons="Necessary and proportionate."
    )
    lfr.refresh_from_db()
    world.objects["lfr"] = lfr
    for mode, name in (("rfr", "Operation Proof RFR"), ("oifr", "Operation Proof OIFR")):
        app = drafted(mode, name, requested_categories=[], max_watchlist_size=None)
        services.submit_application(application=app, by=u["applicant"])
        services.authorise_application(
            application=app, by=u["authoriser"], reasons="Serious crime; search justified."
        )
        app.refresh_from_db()
        world.objects[mode] = app
    # The reviews' own authority (see _reviews), authorised now, as the others are.
    world.objects["reviewed"] = builders.build_authorised(
        applicant=u["applicant"],
        decider=u["authoriser"],
        chief=u["chief"],
        commanders=commanders,
        operation_name="Operation Proof Reviewed",
        locations=builders.LOCATIONS,
        intelligence_case="RESTRICTED: proof source reporting for Operation Proof Reviewed.",
    )


def _watchlists(world: World) -> None:
    from tests.watchlists import images
    from tests.watchlists.conftest import details
    from watchlists.models import DuplicateFlag, ImportJob
    from watchlists.services.composition import add_entry, create_watchlist
    from watchlists.services.sign_off import sign_off_watchlist

    u, lfr = world.users, world.objects["lfr"]

    def planned(name):
        return create_watchlist(
            application=lfr,
            by=u["watchlist"],
            name=name,
            deployment_start=lfr.valid_from,
            deployment_end=lfr.valid_until,
            location=lfr.locations.first(),
        )

    def add(watchlist, record_id, image):
        name, born = ENTRY_PEOPLE[record_id]
        return add_entry(
            watchlist=watchlist,
            by=u["watchlist"],
            details=details(record_id, name=name, date_of_birth=born),
            image=image(),
            image_name="face.png",
        )

    signed = planned("Proof deployment list")
    world.objects["entry"] = add(signed, "PNC-1", images.astronaut)
    sign_off_watchlist(watchlist=signed, by=u["authoriser"])
    signed.refresh_from_db()
    world.objects["watchlist"] = signed

    open_list = planned("Proof open list")
    world.objects["open_entry"] = add(open_list, "PNC-2", images.astronaut)
    world.objects["open_entry2"] = add(open_list, "CUST-9", images.astronaut_again)
    world.objects["open_watchlist"] = open_list
    world.objects["flag"] = DuplicateFlag.objects.get(watchlist=open_list)
    world.objects["import"] = ImportJob.objects.create(
        watchlist=open_list, created_by=u["watchlist"], created_at=timezone.now()
    )


def _deployment(world: World) -> None:
    from deployments.models import Alert
    from deployments.services.cameras import register_camera
    from deployments.services.frames import process_frame
    from deployments.services.lifecycle import plan_deployment, start_deployment
    from tests.watchlists import images

    u = world.users
    deployment = plan_deployment(
        watchlist=world.objects["watchlist"],
        by=u["silver"],
        operators=[u["operator"]],
        engagement_officers=[u["engagement"]],
    )
    deployment = start_deployment(deployment=deployment, by=u["silver"])
    camera, _token = register_camera(deployment=deployment, by=u["operator"], name="North gate")
    (pk,) = process_frame(
        deployment=deployment,
        camera=camera,
        sequence=1,
        image=images.astronaut_again(),
        by=u["operator"],
    ).alert_ids
    world.objects["deployment"] = deployment
    world.objects["camera"] = camera
    world.objects["alert"] = Alert.objects.get(pk=pk)


def _searches(world: World) -> None:
    from biometric_engine.models import GalleryKind
    from deployments.services import searches
    from deployments.services.checks import run_operator_check
    from tests.deployments.searches_fixtures import CASE, add_image
    from tests.deployments.test_oifr import GROUNDS
    from tests.watchlists import images
    from watchlists.services import reference

    u = world.users
    custody = reference.create_reference_gallery(
        name="Proof custody", kind=GalleryKind.CUSTODY, by=u["admin"]
    )
    reference.create_reference_gallery(
        name="Proof missing", kind=GalleryKind.MISSING_PERSONS, by=u["admin"]
    )
    add_image(custody, u["admin"], images.astronaut(), record_id="CUST-1")
    search = searches.create_search(authority=world.objects["rfr"], by=u["investigator"], **CASE)
    searches.submit_search(search=search, by=u["investigator"])
    searches.approve_search(search=search, by=u["authoriser"], reasons="Necessary; proportionate.")
    search = searches.run_search(
        search=search, by=u["investigator"], image=images.astronaut_again()
    )
    world.objects["search"] = search
    world.objects["check"] = run_operator_check(
        authority=world.objects["oifr"], by=u["investigator"], image=images.astronaut(), **GROUNDS
    )


def _reviews(world: World) -> None:
    """Post-deployment reviews and publication, under an LFR authority of their own (so the
    world's ``lfr`` stays closable): three deployments run and completed inside short
    watchlist windows, then, the clock past the deletion delay, the hourly retention jobs
    run (as beat runs them) and the reviews are written: one submitted (``review``), one
    approved and its results published (``approved_review``, ``publication``), one approved
    and not yet published (``publishable``, its deployment); and a planned deployment not
    yet announced (``planned``)."""
    from deployments.services.alerts import adjudicate_alert
    from deployments.services.cameras import register_camera
    from deployments.services.frames import process_frame
    from deployments.services.lifecycle import (
        complete_deployment,
        plan_deployment,
        start_deployment,
    )
    from deployments.services.retention import delete_expired_alert_images
    from reviews.models import Review
    from reviews.services.publication import publish_deployment_results
    from reviews.services.reviewing import approve_review, submit_review, update_review_narrative
    from tests.watchlists import images
    from tests.watchlists.conftest import details
    from watchlists.rules import deletion_delay
    from watchlists.services.composition import add_entry, create_watchlist
    from watchlists.services.deletion import delete_due_watchlist_data
    from watchlists.services.sign_off import sign_off_watchlist

    u = world.users
    authority = world.objects["reviewed"]
    start = authority.valid_from
    run_end = start + timedelta(minutes=20)

    def signed(name: str, begins, ends, record_id: str):
        watchlist = create_watchlist(
            application=authority,
            by=u["watchlist"],
            name=name,
            deployment_start=begins,
            deployment_end=ends,
            location=authority.locations.first(),
        )
        add_entry(
            watchlist=watchlist,
            by=u["watchlist"],
            details=details(record_id, name=f"Proof person {record_id}"),
            image=images.astronaut(),
            image_name="face.png",
        )
        sign_off_watchlist(watchlist=watchlist, by=u["authoriser"])
        return watchlist

    def ran(watchlist, *, alert: bool):
        deployment = plan_deployment(
            watchlist=watchlist,
            by=u["silver"],
            operators=[u["operator"]],
            engagement_officers=[u["engagement"]],
        )
        deployment = start_deployment(deployment=deployment, by=u["silver"])
        if alert:
            camera, _token = register_camera(deployment=deployment, by=u["operator"], name="Gate")
            (pk,) = process_frame(
                deployment=deployment,
                camera=camera,
                sequence=1,
                image=images.astronaut_again(),
                by=u["operator"],
            ).alert_ids
            adjudicate_alert(
                alert=deployment.alerts.get(pk=pk),
                by=u["operator"],
                decision="no_match",
                reason="Not the person on the list.",
            )
        return complete_deployment(deployment=deployment, by=u["silver"])

    with _clock(start - timedelta(minutes=10)):
        lists = [signed(f"Proof reviewed list {n}", start, run_end, f"PNC-R{n}") for n in (1, 2)]
        lists.append(signed("Proof reviewed list 3", start, run_end, "PNC-R3"))
        later = signed(
            "Proof planned list", start + timedelta(hours=3), authority.valid_until, "PNC-P1"
        )
    with _clock(start + timedelta(minutes=5)):
        ended = [ran(lists[0], alert=True), ran(lists[1], alert=True), ran(lists[2], alert=False)]
        world.objects["planned"] = plan_deployment(
            watchlist=later,
            by=u["silver"],
            operators=[u["operator"]],
            engagement_officers=[u["engagement"]],
        )
    with _clock(run_end + deletion_delay() + timedelta(minutes=5)):
        delete_due_watchlist_data()
        delete_expired_alert_images()
        reviews = [Review.objects.get(deployment=d) for d in ended]
        for review in reviews:
            update_review_narrative(review=review, by=u["reviewer"], **REVIEW_NARRATIVE)
            submit_review(review=review, by=u["reviewer"])
        for review in reviews[1:]:
            approve_review(review=review, by=u["authoriser"])
        world.objects["publication"] = publish_deployment_results(
            deployment=ended[1], by=u["publisher"], purpose="To find people wanted by the courts."
        )
    for key, review in zip(
        ("review", "approved_review", "publishable_review"), reviews, strict=True
    ):
        review.refresh_from_db()
        world.objects[key] = review
    world.objects["publishable"] = ended[2]


REVIEW_NARRATIVE = {
    "system_performance": "The camera ran for the whole window.",
    "safeguards": "The alert was adjudicated before any engagement.",
    "equality": "Too few alerts to show anything by group.",
    "lessons": "None this time.",
    "deletion_attestation": "Non-matched faces never stored; watchlist data deleted.",
}


@contextlib.contextmanager
def built_world(media_root):
    """The world, inside a transaction rolled back on exit, the clock inside every window."""
    from config.tokens import issue_token
    from oversight.models import LedgerEntry

    world = World()
    with contextlib.ExitStack() as stack:
        stack.enter_context(override_settings(MEDIA_ROOT=media_root))
        atomic = transaction.atomic()
        atomic._from_testcase = True  # as TestCase.setUpClass: the gate's only exemption
        atomic.__enter__()
        try:
            _people(world)
            _authorities(world)
            inside = world.objects["lfr"].valid_from + timedelta(minutes=30)
            stack.enter_context(_clock(inside))
            _watchlists(world)
            _deployment(world)
            _searches(world)
            _reviews(world)
            world.objects["ledger_seq"] = LedgerEntry.objects.order_by("-seq").first().seq
            for bucket, prefix in ((world.users, ""), (world.others, "other:")):
                for column in ROLE_COLUMNS:
                    if column in bucket:
                        world.tokens[prefix + column] = issue_token(user=bucket[column]).key
                        world.sessions[prefix + column] = _session(bucket[column])
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _session(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@contextlib.contextmanager
def _clock(moment):
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield moment
