"""An uploaded ZIP of images is read safely: a hostile archive is refused whole, by its code."""

import time
import zipfile

import pytest

from tests.watchlists import zips
from watchlists.archives import ArchiveLimits, _guarded_read, open_archive
from watchlists.errors import ArchiveRefused, ImageMissing


def refused(data: bytes, **limits) -> str:
    base = ArchiveLimits.from_settings()
    with pytest.raises(ArchiveRefused) as error:
        open_archive(data, limits=ArchiveLimits(**(base.__dict__ | limits)))
    return error.value.code


@pytest.mark.parametrize(
    "name",
    ["../evil.jpg", "images/../../evil.jpg", "/etc/cron.d/evil", "C:/Windows/evil.jpg",
     "c:evil.jpg", "images\\..\\evil.jpg", "a\\b.jpg"],
)  # fmt: skip
def test_a_name_that_leaves_the_folder_is_refused(name):
    assert refused(zips.named(name)) == "archive_path_traversal"


def test_a_symlink_is_refused_by_its_mode_bits():
    assert refused(zips.symlink()) == "archive_symlink"


def test_an_encrypted_member_is_refused():
    assert refused(zips.encrypted()) == "archive_encrypted"


def test_two_members_of_one_name_are_refused():
    assert refused(zips.duplicate()) == "archive_duplicate_name"


def test_a_run_of_zeros_is_refused_by_its_ratio():
    data = zips.bomb(8 * 1024 * 1024)
    assert len(data) < 100_000
    assert refused(data) == "archive_bomb"


def test_members_whose_declared_sizes_add_up_past_the_limit_are_refused():
    data = zips.build({f"{n}.jpg": bytes(600_000) for n in range(4)})  # under the ratio floor
    assert refused(data, max_total_bytes=2_000_000) == "archive_bomb"


def test_a_2gb_member_is_refused_by_its_declared_size_without_reading_it():
    data = zips.forged_size(2 * 1024**3)
    assert len(data) < 1000
    started = time.perf_counter()
    assert refused(data) == "archive_member_too_large"
    assert time.perf_counter() - started < 1.0


def test_a_member_over_the_image_limit_is_refused(settings):
    settings.WA_MAX_IMAGE_BYTES = 1000
    assert refused(zips.build({"big.jpg": bytes(range(256)) * 8})) == "archive_member_too_large"


def test_a_member_that_decompresses_past_what_it_declares_is_refused():
    # zipfile stops at the declared size and finds the CRC wrong: refused before any import.
    assert refused(zips.lying_size(bytes(200_000), declared=1000)) == "archive_corrupt"


def test_decompression_reads_at_most_the_limit_plus_one_byte():
    data = zips.build({"a.jpg": bytes(50_000)})
    zf = zipfile.ZipFile(__import__("io").BytesIO(data))
    limits = ArchiveLimits(
        max_members=10, max_total_bytes=10**9, max_ratio=1e9, max_member_bytes=100
    )
    with pytest.raises(ArchiveRefused) as error:
        _guarded_read(zf, zf.getinfo("a.jpg"), limits)
    assert error.value.code == "archive_bomb"


def test_a_hundred_thousand_tiny_files_are_refused_from_the_directory_count():
    data = zips.many(100_000)
    started = time.perf_counter()
    assert refused(data) == "archive_too_many_members"
    assert time.perf_counter() - started < 1.0


def test_the_member_limit_is_a_setting(settings):
    settings.WA_IMPORT_MAX_MEMBERS = 3
    with pytest.raises(ArchiveRefused) as error:
        open_archive(zips.build({f"{n}.jpg": b"x" for n in range(4)}))
    assert error.value.code == "archive_too_many_members"
    open_archive(zips.build({f"{n}.jpg": b"x" for n in range(3)}))


@pytest.mark.parametrize("data", [b"", b"not a zip at all", zips.build({"a.jpg": b"x"})[:-30]])
def test_a_file_that_is_not_a_zip_or_is_damaged_is_refused(data):
    assert refused(data) == "archive_corrupt"


def test_the_archive_itself_is_bounded(settings):
    assert refused(zips.build({"a.jpg": b"x" * 5000}), max_total_bytes=100) == "archive_too_large"


def test_a_good_archive_skips_folders_and_reads_members_by_name():
    archive = open_archive(zips.build({"images/": b"", "images/a.jpg": b"abc", "b.png": b"de"}))
    assert archive.members == {"images/a.jpg": 3, "b.png": 2}
    assert archive.read("images/a.jpg") == b"abc"
    with pytest.raises(ImageMissing):
        archive.read("missing.jpg")
