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


def _structure_roles(node, found=None) -> list[str]:
    found = [] if found is None else found
    node = node.get_object() if hasattr(node, "get_object") else node
    if not hasattr(node, "get"):
        return found
    if node.get("/S"):
        found.append(str(node["/S"]))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        _structure_roles(kid, found)
    return found


@pytest.mark.django_db
def test_the_wad_is_a_tagged_pdf_a_screen_reader_can_follow(authorised):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(bytes(authorised.documents.get().content)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    roles = _structure_roles(root["/StructTreeRoot"])
    assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TH", "/TD"} <= set(roles)
    assert roles.index("/H1") < roles.index("/Table")


@pytest.mark.django_db
def test_rendering_the_wad_prints_no_harfbuzz_notice(
    consulted, superintendent, caplog, monkeypatch
):
    # As on a machine whose HarfBuzz has no subsetting library (WeasyPrint then subsets fonts
    # with fontTools and says so once per document, a dozen lines in `make run`).
    monkeypatch.setattr("weasyprint.pdf.fonts.harfbuzz_subset", None)
    with caplog.at_level("WARNING", logger="weasyprint"):
        services.authorise_application(
            application=consulted, by=superintendent, reasons="Necessary and proportionate."
        )
    assert not [r for r in caplog.records if "HarfBuzz" in r.getMessage()]
