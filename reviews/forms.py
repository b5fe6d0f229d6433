"""Staff forms for reviews: they check shape; the services check the rules."""

from django import forms

from authority.forms import GovukForm
from reviews.services.reviewing import NARRATIVE_FIELDS, NARRATIVE_LIMIT

HINTS = {
    "system_performance": "How the cameras, the engine and the alert queue performed.",
    "safeguards": "Whether adjudication, engagement and the signage worked as planned.",
    "equality": "Anything seen about the alerts by group (sex, ethnicity, age); say if the "
    "numbers are too small to show anything.",
    "lessons": "What to change next time.",
    "deletion_attestation": "Attest that non-matched faces were never kept and that the "
    "watchlist's images and templates and the alert images were deleted (the deletion jobs' "
    "ledger entries are added when you submit).",
}


class NarrativeForm(GovukForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in NARRATIVE_FIELDS.items():
            self.fields[name] = forms.CharField(
                label=label,
                help_text=HINTS[name],
                required=False,
                max_length=NARRATIVE_LIMIT,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        self.apply_govuk_classes()


class ReturnForm(GovukForm):
    reason = forms.CharField(
        label="Why the review is returned",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PurposeForm(GovukForm):
    purpose = forms.CharField(
        label="Purpose, in plain words",
        help_text="Why the force is deploying here, as the public will read it: no names, no "
        "intelligence, nothing restricted.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
