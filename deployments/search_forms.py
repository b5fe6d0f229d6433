"""Staff forms for RFR searches and OIFR checks: they check shape; the services check rules.

Fields are optional in the form where the service states the rule, so one sentence (the
service's) is shown whichever way the request came in.
"""

from django import forms

from authority.forms import GovukForm
from deployments import search_selectors as selectors
from deployments.models import CandidateDecision, ImageProvenance, Offence, OifrJustification
from deployments.uploads import probe_limit


def _authority_label(application) -> str:
    return (
        f"{application.reference} · {application.operation_name} "
        f"(until {application.valid_until:%d %b %Y %H:%M} UTC)"
    )


class ProbeField(forms.FileField):
    """An image held in memory only (deployments.uploads), within the engine's size limit."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"class": "govuk-file-upload", "accept": "image/*"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is not None and upload.size > probe_limit():
            raise forms.ValidationError(
                f"The image is larger than the {probe_limit():,} bytes allowed."
            )
        return upload


class SearchForm(GovukForm):
    authority = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a live RFR authority", label="RFR authority"
    )
    crime_reference = forms.CharField(max_length=60, required=False, label="Crime reference")
    offence = forms.ChoiceField(
        choices=[("", "Choose the offence"), *Offence.choices], required=False, label="Offence"
    )
    offence_other = forms.CharField(max_length=200, required=False, label="The offence, if other")
    image_provenance = forms.ChoiceField(
        choices=[("", "Choose where the image came from"), *ImageProvenance.choices],
        required=False,
        label="Where the image came from",
    )
    provenance_detail = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="The image's provenance",
        help_text="Who captured it, when, and how it reached you (exhibit reference).",
    )
    lawful_basis = forms.CharField(widget=forms.Textarea, required=False, label="Lawful basis")
    necessity = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Necessity",
        help_text="Why this search is necessary for the case, not merely desirable.",
    )
    proportionality = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Proportionality",
        help_text="Why the intrusion on the people in the gallery is justified by the benefit.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = selectors.rfr_authorities()
        self.fields["authority"].label_from_instance = _authority_label


class DecisionForm(GovukForm):
    reasons = forms.CharField(widget=forms.Textarea, required=False, label="Your reasons")


class RunForm(GovukForm):
    image = ProbeField(
        label="The probe image",
        help_text="One face, clear and large enough (enough pixels between the eyes). It is "
        "searched once and not kept.",
    )


class CandidateReviewForm(GovukForm):
    decision = forms.ChoiceField(
        choices=CandidateDecision.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Your decision",
    )
    reason = forms.CharField(widget=forms.Textarea, required=False, label="Why")


class CheckForm(GovukForm):
    authority = forms.ModelChoiceField(
        queryset=None, empty_label="Choose the standing OIFR authority", label="OIFR authority"
    )
    justification = forms.ChoiceField(
        choices=OifrJustification.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Why you need to check this person's identity",
    )
    justification_detail = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Your grounds",
        help_text="What you saw or were told, and why it is a genuine policing purpose.",
    )
    less_intrusive_considered = forms.BooleanField(
        required=False,
        label="I considered a less intrusive way to establish identity first",
    )
    no_force_used = forms.BooleanField(required=False, label="No force was used to take the photo")
    image = ProbeField(
        label="The photo",
        help_text="Searched at once against custody and missing-person images, then deleted.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = selectors.oifr_authorities()
        self.fields["authority"].label_from_instance = _authority_label
