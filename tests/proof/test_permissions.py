"""The permissions matrix (tests/proof/permissions_matrix.txt): every page and API route, for
every role and anonymous, and another officer of the role reaching the same object by id,
answers as the matrix says; no response holds a restricted value its reader may not see."""

import pytest

from oversight import redaction
from tests.proof import matrix
from tests.proof.requests import outcome, path_for, send
from tests.proof.restricted import body_text, forbidden, values
from tests.proof.urls import routes
from tests.proof.world import ROLE_COLUMNS


def _excluded(route) -> bool:
    return any(
        route.route.startswith(item) if item.endswith("/") else route.name == item
        for item in matrix.excluded()
    )


def _routed() -> dict[str, set[str] | None]:
    """Route name -> the methods its view declares (None: a function view, any method)."""
    found: dict[str, set[str] | None] = {}
    for route in routes():
        if _excluded(route):
            continue
        assert route.name, f"an unnamed route, {route.route!r}: name it or exclude it"
        declared = found.get(route.name)
        methods = set(route.methods) if route.methods is not None else None
        found[route.name] = (
            methods if declared is None else (declared | methods if methods else declared)
        )
    return found


def test_every_route_and_method_has_a_row():
    routed = _routed()
    rows = {(row.name, row.method) for row in matrix.rows()}
    named = {name for name, _ in rows}
    missing = sorted(name for name in routed if name not in named)
    assert not missing, f"routes with no row in {matrix.MATRIX_FILE.name}: {missing}"
    unlisted = sorted(
        (name, method)
        for name, methods in routed.items()
        for method in methods or ()
        if method != "OPTIONS" and (name, method) not in rows
    )
    assert not unlisted, f"methods with no row in {matrix.MATRIX_FILE.name}: {unlisted}"


def test_no_row_is_stale():
    routed = _routed()
    stale = sorted(
        (row.name, row.method, row.line)
        for row in matrix.rows()
        if row.name not in routed
        or (routed[row.name] is not None and row.method not in routed[row.name])
    )
    assert not stale, f"rows naming no route or method (name, method, line): {stale}"


def test_every_column_is_a_role_and_every_role_a_column():
    from common.roles import Role

    assert set(matrix.COLUMNS.values()) == set(ROLE_COLUMNS)
    assert {role for role in ROLE_COLUMNS.values() if role} == set(Role)


CASES = [(row, who) for row in matrix.rows() for who in row.expected]


@pytest.fixture(scope="module")
def hidden_values(world):
    """Per user: the restricted renderings they may not be sent."""
    found = values(world)
    return {
        who: {} if who == "anon" else forbidden(found, world.user(who))
        for who in {who for _, who in CASES}
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "who"), CASES, ids=[f"{row.name}-{row.method}-{who}" for row, who in CASES]
)
def test_matrix(world, hidden_values, row, who):
    path = path_for(world, row.name, row.obj)
    response = send(world, who, row.method, path, row.name)
    got = outcome(response)
    detail = response.content[:300] if not getattr(response, "streaming", False) else b""
    assert got == row.expected[who], (
        f"{row.method} {path} as {who}: matrix line {row.line} says {row.expected[who]}, "
        f"got {got} ({response.status_code}) {detail!r}"
    )
    text = body_text(response)
    leaked = sorted({label for value, label in hidden_values[who].items() if value in text})
    assert not leaked, f"{row.method} {path} shows {who} restricted values: {leaked}"


@pytest.mark.django_db
def test_restricted_readers_are_as_the_matrix_says(world):
    users = [c for c in ROLE_COLUMNS if c != "anon"]
    users += [f"other:{c}" for c in users]
    for (obj, field), expected in matrix.restricted_readers().items():
        instance = world.objects[obj]
        readers = {
            who
            for who in users
            if redaction.may_read_field(world.user(who), type(instance), instance, field)
        }
        assert readers == expected, f"{obj}.{field}: readers {sorted(readers)}"


@pytest.mark.django_db
def test_every_registered_restricted_field_is_in_the_matrix(world):
    covered = {
        (world.objects[obj]._meta.label_lower, field) for obj, field in matrix.restricted_readers()
    }
    registered = {
        (label, field) for label, entry in redaction._REGISTRY.items() for field in entry.fields
    }
    assert registered <= covered, f"restricted fields with no readers row: {registered - covered}"
    assert {(i._meta.label_lower, f) for i, f, _ in values(world)} <= covered


@pytest.mark.django_db
def test_the_search_finds_restricted_values_where_they_are_shown(world, hidden_values):
    """The leak check is not vacuous: readers are sent the very values others are not."""
    from tests.proof.world import ENTRY_PEOPLE

    o = world.objects
    shown = {
        ("watchlist", f"/api/v1/watchlist-entries/{o['entry'].pk}/"): ENTRY_PEOPLE["PNC-1"][0],
        ("applicant", f"/api/v1/applications/{o['lfr'].pk}/"): o["lfr"].intelligence_case,
        ("operator", f"/api/v1/alerts/{o['alert'].pk}/"): ENTRY_PEOPLE["PNC-1"][1].isoformat(),
        ("oversight", f"/applications/{o['lfr'].pk}/"): o["lfr"].intelligence_case,
    }
    for (who, path), value in shown.items():
        response = send(world, who, "GET", path)
        assert response.status_code == 200, path
        assert value in body_text(response), f"{path} as {who} does not show {value!r}"
    assert hidden_values["other:applicant"], "the other applicant should be hidden something"
