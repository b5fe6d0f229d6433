"""Storing a file whole or not at all, the one way every app writes to storage.

Django's ``FileSystemStorage`` leaves a partly written file behind when a write fails, and a
full disk surfaces as a bare ``OSError``. ``store_file`` deletes what was partly written and
turns a full disk (or quota, or file-size limit) into ``StorageFull``: a clear refusal the API
answers 503, so the caller's transaction rolls back and no record points at a missing file.
"""

import errno

from django.core.files.storage import default_storage

from common.errors import StorageFull

FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def store_file(name: str, content) -> str:
    """Save ``content`` under (a free name like) ``name``; its stored name."""
    name = default_storage.get_available_name(default_storage.generate_filename(name))
    try:
        return default_storage.save(name, content)
    except OSError as error:
        try:
            if default_storage.exists(name):
                default_storage.delete(name)  # the part written before the disk filled
        except OSError:
            pass
        if error.errno in FULL:
            raise StorageFull() from error
        raise
