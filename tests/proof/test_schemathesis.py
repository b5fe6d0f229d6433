"""Fuzzing the API from its own schema (/api/schema/) with schemathesis, in-process through the
WSGI application, as three roles: no response is a 5xx and every response matches the schema.

Bounded and deterministic for CI: a few examples per operation, derandomized."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

# Fuzzing only, with a fixed seed: the examples and coverage phases would add hundreds of
# requests per operation, past what CI can spend here.
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 21,
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

# An applicant officer, an authorising officer and an LFR operator: between them they reach
# every app's API (drafting, deciding, the deployment and its alerts).
FUZZ_ROLES = ("applicant", "authoriser", "operator")
CHECKS = [not_a_server_error, response_schema_conformance]

# The world's objects each resource's id may name: half the cases reach a real object (as the
# roles' own work would), the rest keep the generated id (not found, or not a number at all).
REAL_IDS = {
    "applications": ("draft", "submitted", "lfr", "rfr"),
    "watchlists": ("watchlist", "open_watchlist"),
    "watchlist-entries": ("entry", "open_entry"),
    "watchlist-flags": ("flag",),
    "watchlist-imports": ("import",),
    "deployments": ("deployment",),
    "alerts": ("alert",),
    "searches": ("search",),
    "checks": ("check",),
}


def real_id(world, path: str, data) -> int | None:
    resource = path.removeprefix("/api/v1/").split("/", 1)[0]
    if resource == "officers":
        return data.draw(st.sampled_from(sorted(u.pk for u in world.others.values())))
    if resource == "ledger":
        return world.objects["ledger_seq"]
    keys = REAL_IDS.get(resource)
    return world.objects[data.draw(st.sampled_from(keys))].pk if keys else None


@pytest.fixture(scope="module")
def served(world):
    """The world, served through the WSGI handler on the test's own connection: the handler
    must not close it between requests (Django's test client disconnects the same signal)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("who", FUZZ_ROLES)
@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@schema.given(data=st.data())
def test_the_api_answers_every_fuzzed_request_as_its_schema_says(case, data, who, served):
    name = next(iter(case.path_parameters or {}), None)
    if name and data.draw(st.booleans(), label="a real object"):
        found = real_id(served, case.operation.path, data)
        if found is not None:
            case.path_parameters[name] = found
    # Each example in a savepoint of its own, rolled back: no example sees another's writes, and
    # on PostgreSQL a failed statement cannot poison the examples after it.
    atomic = transaction.atomic()
    atomic._from_testcase = True  # the gate's one exemption, as for the test's own transaction
    with atomic:
        response = case.call(headers={"Authorization": f"Token {served.tokens[who]}"})
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)
