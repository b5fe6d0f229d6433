"""Every rule of composition broken, each with its stable code (common.errors)."""

from common.errors import InvalidInput, NotPermitted, WrongState


class CategoryNotAuthorised(InvalidInput):
    code = "category_not_authorised"


class WatchlistTooLarge(WrongState):
    code = "watchlist_too_large"


class OutsideCompositionWindow(WrongState):
    code = "outside_composition_window"


class CurrencyNotConfirmed(InvalidInput):
    code = "currency_not_confirmed"


class NotMostRecentImage(InvalidInput):
    code = "not_most_recent_image"


class UnderEighteenUnjustified(InvalidInput):
    code = "under_18_without_justification"


class DuplicateRecord(WrongState):
    code = "duplicate_record"


class DuplicateImage(WrongState):
    code = "duplicate_image"


class WatchlistFrozen(WrongState):
    code = "watchlist_frozen"


class WatchlistDataDeleted(WrongState):
    code = "watchlist_data_deleted"


class LocationNotAuthorised(InvalidInput):
    code = "location_not_authorised"


class DeploymentOutsideAuthority(InvalidInput):
    code = "deployment_outside_authority"


class NotAWatchlistOfficer(NotPermitted):
    code = "not_a_watchlist_officer"


class SignOffBlocked(WrongState):
    code = "sign_off_blocked"


class DuplicatesUndecided(SignOffBlocked):
    code = "duplicates_undecided"


class UnderEighteenUnapproved(SignOffBlocked):
    code = "under_18_unapproved"


class WatchlistEmpty(SignOffBlocked):
    code = "watchlist_empty"


class CurrencyStale(SignOffBlocked):
    code = "currency_stale"


class ImageRefused(InvalidInput):
    """The engine refused the image (no face, several faces, low quality, unreadable): the
    engine's own code is kept, so a row's result says exactly why."""

    code = "image_refused"

    def __init__(self, detail: str, *, code: str, field: str | None = "image") -> None:
        super().__init__(detail, field=field)
        self.code = code


# Bulk import: a hostile or broken upload is refused whole, before anything is written.


class ArchiveRefused(InvalidInput):
    code = "archive_refused"

    def __init__(self, detail: str | None = None, *, field: str | None = "zip_file") -> None:
        super().__init__(detail, field=field)


class ArchiveCorrupt(ArchiveRefused):
    code = "archive_corrupt"


class ArchiveTooLarge(ArchiveRefused):
    code = "archive_too_large"


class ArchivePathTraversal(ArchiveRefused):
    code = "archive_path_traversal"


class ArchiveSymlink(ArchiveRefused):
    code = "archive_symlink"


class ArchiveTooManyMembers(ArchiveRefused):
    code = "archive_too_many_members"


class ArchiveMemberTooLarge(ArchiveRefused):
    code = "archive_member_too_large"


class ArchiveBomb(ArchiveRefused):
    code = "archive_bomb"


class ArchiveEncrypted(ArchiveRefused):
    code = "archive_encrypted"


class ArchiveDuplicateName(ArchiveRefused):
    code = "archive_duplicate_name"


class ImageMissing(InvalidInput):
    """A row names an image the archive does not hold."""

    code = "image_missing"


class CsvRefused(InvalidInput):
    code = "csv_refused"

    def __init__(self, detail: str | None = None, *, field: str | None = "csv_file") -> None:
        super().__init__(detail, field=field)


class CsvNotUtf8(CsvRefused):
    code = "csv_not_utf8"


class CsvTooLarge(CsvRefused):
    code = "csv_too_large"


class CsvTooManyRows(CsvRefused):
    code = "csv_too_many_rows"


class CsvEmpty(CsvRefused):
    code = "csv_empty"


class CsvBadHeader(CsvRefused):
    code = "csv_bad_header"


class CsvBadValue(InvalidInput):
    """One cell of one row cannot be read (a date, a yes or no): that row is refused."""

    code = "csv_bad_value"
