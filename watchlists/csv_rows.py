"""Reading an import's CSV: its header checked up front, then one ``CsvRow`` per line.

The file is UTF-8 (a byte-order mark is tolerated), at most ``WA_IMPORT_MAX_CSV_BYTES`` and
``WA_IMPORT_MAX_ROWS`` rows. The header names each column once; a column it does not know, or a
required one it lacks, refuses the whole file before a row is read. A cell that cannot be read
(a date, a yes or no) refuses only its row, at import, as every other rule of an entry does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from watchlists.errors import (
    CsvBadHeader,
    CsvBadValue,
    CsvEmpty,
    CsvNotUtf8,
    CsvTooLarge,
    CsvTooManyRows,
)
from watchlists.services.entries import EntryDetails

REQUIRED_COLUMNS = (
    "record_id",
    "source_system",
    "category",
    "reason",
    "image",
    "image_source_system",
    "legal_basis",
    "most_recent_suitable",
    "still_sought_confirmed",
)
OPTIONAL_COLUMNS = ("name", "date_of_birth", "capture_date", "under_18_justification")
COLUMNS = (
    "record_id",
    "source_system",
    "name",
    "date_of_birth",
    "category",
    "reason",
    "image",
    "image_source_system",
    "legal_basis",
    "capture_date",
    "most_recent_suitable",
    "still_sought_confirmed",
    "under_18_justification",
)
YES = frozenset({"yes", "y"})
NO = frozenset({"no", "n", ""})


@dataclass(frozen=True)
class CsvRow:
    """One line of the CSV: its number (the header is line 1) and its cells by column."""

    number: int
    cells: dict[str, str]

    @property
    def record_id(self) -> str:
        return self.cells.get("record_id", "").strip()

    @property
    def image(self) -> str:
        return self.cells.get("image", "").strip()

    def details(self) -> EntryDetails:
        """The row as an entry's details, or ``CsvBadValue`` naming the cell."""
        if "__extra__" in self.cells:
            raise CsvBadValue("The row has more cells than the header has columns.")
        cell = self.cells.get
        return EntryDetails(
            record_id=cell("record_id", ""),
            source_system=cell("source_system", "").strip().lower(),
            name=cell("name", ""),
            date_of_birth=_date(cell("date_of_birth", ""), "date_of_birth", "date of birth"),
            category=cell("category", "").strip().lower(),
            reason=cell("reason", ""),
            image_source_system=cell("image_source_system", "").strip().lower(),
            legal_basis=cell("legal_basis", ""),
            capture_date=_date(cell("capture_date", ""), "capture_date", "capture date"),
            most_recent_suitable=_yes_no(cell("most_recent_suitable", ""), "most_recent_suitable"),
            still_sought_confirmed=_yes_no(
                cell("still_sought_confirmed", ""), "still_sought_confirmed"
            ),
            under_18_justification=cell("under_18_justification", ""),
            origin=f"row {self.number}",
        )


def _date(value: str, field: str, what: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        # The value is not echoed: a date of birth is restricted.
        raise CsvBadValue(f"The {what} is not a date written YYYY-MM-DD.", field=field) from None


def _yes_no(value: str, field: str) -> bool:
    value = (value or "").strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise CsvBadValue(f"{field} must be yes or no (not {value[:20]!r}).", field=field)


def parse_csv(data: bytes) -> list[CsvRow]:
    """Every row of the file, or the reason the whole file is refused."""
    max_bytes = int(settings.WA_IMPORT_MAX_CSV_BYTES)
    max_rows = int(settings.WA_IMPORT_MAX_ROWS)
    if len(data) > max_bytes:
        raise CsvTooLarge(f"The CSV is larger than the {max_bytes:,} bytes an import takes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvNotUtf8(
            f"The CSV is not UTF-8 (byte {error.start + 1} cannot be read). Save it as "
            "“CSV UTF-8” and upload it again."
        ) from None
    if "\x00" in text:
        raise CsvNotUtf8("The CSV holds NUL characters: it is not a text file.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvEmpty("The CSV is empty: its first line must name the columns.")
        columns = _check_header(header)
        rows: list[CsvRow] = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # a blank line
            if len(rows) >= max_rows:
                raise CsvTooManyRows(
                    f"The CSV has more than the {max_rows:,} rows an import takes."
                )
            rows.append(_row(reader.line_num, columns, values))
    except csv.Error as error:
        raise CsvBadHeader(f"The CSV cannot be read: {error}.") from None
    if not rows:
        raise CsvEmpty("The CSV has a header but no rows.")
    return rows


def _check_header(header: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise CsvBadHeader(
            f"The CSV's header names columns this import does not know: "
            f"{', '.join(repr(c[:40]) for c in unknown[:5])}. The columns are: "
            f"{', '.join(COLUMNS)}."
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise CsvBadHeader(f"The CSV's header names {', '.join(repeated)} more than once.")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise CsvBadHeader(f"The CSV's header lacks the columns: {', '.join(missing)}.")
    return columns


def _row(number: int, columns: list[str], values: list[str]) -> CsvRow:
    cells = dict(zip(columns, values, strict=False))
    if len(values) > len(columns):
        # More cells than columns: kept under a name no column has, so the row is refused.
        cells["__extra__"] = ",".join(values[len(columns) :])
    return CsvRow(number=number, cells=cells)
