"""Reading tests/proof/permissions_matrix.txt: the routes' rows, the exclusions and the
restricted fields' readers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

MATRIX_FILE = Path(__file__).with_name("permissions_matrix.txt")

# The file's column codes, in order, and the world's names for them.
COLUMNS = {
    "an": "anon",
    "ap": "applicant",
    "au": "authoriser",
    "ch": "chief",
    "wl": "watchlist",
    "op": "operator",
    "en": "engagement",
    "si": "silver",
    "in": "investigator",
    "re": "reviewer",
    "pu": "publisher",
    "ov": "oversight",
    "ad": "admin",
}
OUTCOME_CODES = set("ORVFNLMU")


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    obj: str
    expected: dict[str, str]  # world column ("anon", "applicant", "other:applicant") -> outcome
    line: int


def who(code: str) -> str:
    """A file code (``ap``, ``other:ap``) as the world names the user."""
    if code.startswith("other:"):
        return "other:" + COLUMNS[code.removeprefix("other:")]
    return COLUMNS[code]


def _sections() -> dict[str, list[tuple[int, str]]]:
    sections: dict[str, list[tuple[int, str]]] = {}
    current = None
    for number, raw in enumerate(MATRIX_FILE.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
            continue
        if current is None:
            raise ValueError(f"{MATRIX_FILE.name}:{number}: a line before any [section]")
        sections[current].append((number, line))
    return sections


def _row(number: int, line: str) -> Row:
    parts = line.split()
    width = 3 + len(COLUMNS) + 1
    if len(parts) < width:
        raise ValueError(f"{MATRIX_FILE.name}:{number}: expected {width} fields, got {parts}")
    name, method, obj = parts[:3]
    cells = parts[3 : 3 + len(COLUMNS)]
    others = parts[3 + len(COLUMNS) :]
    expected = {COLUMNS[code]: cell for code, cell in zip(COLUMNS, cells, strict=True)}
    if others != ["-"]:
        for item in others:
            code, _, cell = item.partition("=")
            if code not in COLUMNS or code == "an" or not cell:
                raise ValueError(f"{MATRIX_FILE.name}:{number}: bad other cell {item!r}")
            expected["other:" + COLUMNS[code]] = cell
    bad = {cell for cell in expected.values() if cell not in OUTCOME_CODES}
    if bad:
        raise ValueError(f"{MATRIX_FILE.name}:{number}: unknown outcome(s) {sorted(bad)}")
    return Row(name, method.upper(), obj, expected, number)


@cache
def rows() -> tuple[Row, ...]:
    found = tuple(_row(number, line) for number, line in _sections().get("routes", []))
    keys = [(row.name, row.method) for row in found]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"{MATRIX_FILE.name}: rows given twice: {sorted(duplicates)}")
    return found


@cache
def excluded() -> tuple[str, ...]:
    return tuple(line.split()[0] for _, line in _sections().get("excluded", []))


@cache
def restricted_readers() -> dict[tuple[str, str], frozenset[str]]:
    """(world object, field) -> the users (world names) who may read it."""
    readers = {}
    for _, line in _sections().get("restricted", []):
        target, *codes = line.split()
        obj, _, field = target.partition(".")
        readers[(obj, field)] = frozenset(who(code) for code in codes)
    return readers
