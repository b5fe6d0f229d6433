import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError

from authority import services
from authority.documents import NoNetworkFetcher
from authority.models import ConditionKind, WrittenAuthorityDocument
from authority.rules import ConditionSpec


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_wad_opens_and_holds_reasons_conditions_and_signatory(consulted, superintendent):
    services.authorise_application(
        application=consulted,
        by=superintendent,
        reasons="Necessary to arrest three violent suspects; proportionate as conditioned.",
        conditions=[
            ConditionSpec(
                ConditionKind.THRESHOLD, "Use a threshold of 0.70 or higher.", Decimal("0.70")
            ),
            ConditionSpec(ConditionKind.SAFEGUARD, "Brief every engagement officer in person."),
        ],
    )
    document = WrittenAuthorityDocument.objects.get(application=consulted)
    content = bytes(document.content)
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == document.sha256
    text = pdf_text(content)
    assert "Necessary to arrest three violent suspects" in text
    assert "Use a threshold of 0.70 or higher." in text
    assert "Brief every engagement officer in person." in text
    assert superintendent.get_full_name() in text and "Superintendent" in text
    assert consulted.reference in text
    assert "RESTRICTED: source reporting" not in text, "the intelligence case stays out"


def test_a_later_change_makes_a_new_version_never_an_overwrite(authorised, superintendent):
    first = authorised.documents.get()
    first_bytes, first_hash = bytes(first.content), first.sha256
    services.cancel_authority(
        application=authorised,
        by=superintendent,
        reasons="Done.",
        report="Suspects arrested on the first day.",
    )
    first.refresh_from_db()
    assert bytes(first.content) == first_bytes and first.sha256 == first_hash
    second = authorised.documents.get(version=2)
    assert first_hash in pdf_text(bytes(second.content)).replace(" ", "")


def test_weasyprint_is_never_allowed_to_fetch_from_the_network():
    with pytest.raises(URLFetchingError, match="disabled"):
        NoNetworkFetcher().fetch("https://example.org/logo.png")
