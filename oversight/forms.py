"""Filters on the oversight pages (GET forms: they change nothing), and the checkpoint upload
of the verification page."""

import json

from django import forms

# A saved checkpoint is one flat JSON object of under 1 KiB; these bounds leave room for a
# pretty-printed one and keep a hostile upload from costing memory or Python's stack.
CHECKPOINT_MAX_BYTES = 64 * 1024
CHECKPOINT_MAX_DEPTH = 8


class DateRangeForm(forms.Form):
    date_from = forms.DateField(
        label="From (UTC date)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To (UTC date)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The 'from' date must be on or before the 'to' date.")
        return cleaned


class TimelineFilterForm(DateRangeForm):
    object_type = forms.CharField(
        label="Object type", required=False, max_length=100, help_text="For example authority.user"
    )
    object_id = forms.CharField(label="Object id", required=False, max_length=64)
    actor = forms.CharField(
        label="Actor",
        required=False,
        max_length=150,
        help_text="A user id, a username, or system",
    )
    action = forms.CharField(
        label="Action",
        required=False,
        max_length=100,
        help_text="For example application.authorised; end with a full stop for all of one kind",
    )
    field_order = ["object_type", "object_id", "actor", "action", "date_from", "date_to"]


class ComplianceFilterForm(DateRangeForm):
    code = forms.CharField(label="Exception code", required=False, max_length=100)


class VerifyForm(forms.Form):
    checkpoint = forms.FileField(
        label="A checkpoint you saved earlier (optional)",
        required=False,
        help_text="The JSON file downloaded from this page or the API; the ledger must match it.",
    )

    NOT_JSON = "The checkpoint file is not JSON; choose the file you saved."

    def clean_checkpoint(self):
        """Read and parse the upload within bounds; the document is ``saved_checkpoint``."""
        self.saved_checkpoint = None
        upload = self.cleaned_data.get("checkpoint")
        if not upload:
            return upload
        if upload.size > CHECKPOINT_MAX_BYTES:
            raise forms.ValidationError(
                f"The checkpoint file is larger than {CHECKPOINT_MAX_BYTES // 1024} KiB, and a "
                "saved checkpoint is under 1 KiB; choose the JSON file you downloaded from this "
                "page or the API.",
                code="checkpoint_too_large",
            )
        try:
            text = upload.read(CHECKPOINT_MAX_BYTES + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(self.NOT_JSON, code="checkpoint_not_json") from None
        # Checked before parsing: json.loads recurses once per level, and thousands of nested
        # brackets would exhaust the stack (a RecursionError, a 500).
        if nesting_exceeds(text, CHECKPOINT_MAX_DEPTH):
            raise forms.ValidationError(
                "The checkpoint file nests deeper than a checkpoint does (more than "
                f"{CHECKPOINT_MAX_DEPTH} levels of brackets); choose the file you saved.",
                code="checkpoint_too_deep",
            )
        try:
            document = json.loads(text)
        except ValueError:
            raise forms.ValidationError(self.NOT_JSON, code="checkpoint_not_json") from None
        if not isinstance(document, dict):
            raise forms.ValidationError(
                "The checkpoint file holds no checkpoint (a JSON object with tree_size, "
                "head_hash and signature); choose the file you saved.",
                code="not_a_checkpoint",
            )
        self.saved_checkpoint = document
        return upload


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether JSON text opens more than ``limit`` arrays or objects inside one another
    (brackets inside strings do not count). A linear scan, no recursion."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class RoleHoldingFilterForm(forms.Form):
    role = forms.CharField(label="Role code", required=False, max_length=64)
    account = forms.IntegerField(label="Account id", required=False, min_value=1)
    at = forms.DateField(
        label="Held on (UTC date)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class InspectionExportForm(forms.Form):
    """The request for an export; the service checks the date (not in the future, a real
    year)."""

    since = forms.DateField(
        label="Entries since (UTC date, optional)",
        required=False,
        help_text="Leave empty for the whole ledger. An export since a date starts earlier "
        "where a publication in it needs its deployment's earlier entries.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
