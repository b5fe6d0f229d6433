"""Probe and check photos are read into memory only, never onto disk.

Django spools an upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file; an RFR
probe or an OIFR photo must never be stored, not even there. The pages and the API install this
handler alone, before the request body is read: the file is held in memory up to
``WA_MAX_IMAGE_BYTES`` (the engine's own limit) and a larger one is dropped as it streams in,
leaving only its size, so the form or serializer refuses it as too large.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def probe_limit() -> int:
    return int(settings.WA_MAX_IMAGE_BYTES)


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Every uploaded file kept in memory, never in a temporary file; over the limit, dropped."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= probe_limit():
            self.buffer.write(raw_data)
        else:
            self.buffer = io.BytesIO()  # too large: keep nothing, only the count
        return None

    def file_complete(self, file_size):
        data = self.buffer if self.received <= probe_limit() else io.BytesIO()
        data.seek(0)
        return InMemoryUploadedFile(
            file=data,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def memory_only(request) -> None:
    """Install the handler on a Django request whose body has not been read yet."""
    request.upload_handlers = [MemoryOnlyUploadHandler(request)]


def read_probe(upload) -> bytes:
    """The upload's bytes (a form or serializer already refused one over the limit)."""
    upload.seek(0)
    return upload.read()
