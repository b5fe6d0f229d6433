"""Staff forms for watchlists: they check shape; the services check the rules."""

from django import forms

from authority.forms import DateTimeInput, GovukForm
from authority.models import Location, WatchlistCategory
from watchlists.models import DuplicateDecision, SourceSystem, WatchlistEntry
from watchlists.selectors import authorised_locations, live_lfr_authorities

MAX_IMAGE_BYTES = 10 * 1024 * 1024


def _limit(name: str) -> int:
    return WatchlistEntry._meta.get_field(name).max_length


class WatchlistForm(GovukForm):
    """A new list for one planned deployment: the authority, when, and where among the places
    its decision authorised (the service checks the place and window belong to the authority)."""

    authority = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a live LFR authority", label="Authority"
    )
    name = forms.CharField(max_length=200, required=False, label="Name of the watchlist")
    deployment_start = forms.DateTimeField(widget=DateTimeInput(), label="Deployment starts (UTC)")
    deployment_end = forms.DateTimeField(widget=DateTimeInput(), label="Deployment ends (UTC)")
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        empty_label="Choose an authorised location",
        label="Location",
        help_text="One of the locations the authority's decision authorised.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        authorities = live_lfr_authorities(user)
        self.fields["authority"].queryset = authorities
        self.fields["authority"].label_from_instance = lambda a: (
            f"{a.reference} · {a.operation_name} "
            f"({a.valid_from:%d %b %Y %H:%M} to {a.valid_until:%d %b %Y %H:%M} UTC)"
        )
        labels: dict[int, str] = {}
        for application, locations in authorised_locations(authorities):
            for location in locations:
                labels[location.pk] = f"{application.reference} · {location.name}"
        self.fields["location"].queryset = Location.objects.filter(pk__in=labels)
        self.fields["location"].label_from_instance = lambda loc: labels.get(loc.pk, str(loc))


def _source_choices():
    return [("", "Choose a source system"), *SourceSystem.choices]


class EntryForm(GovukForm):
    """One person on the list, with the image's provenance and the two confirmations."""

    record_id = forms.CharField(max_length=_limit("record_id"), required=False, label="Record id")
    source_system = forms.ChoiceField(
        choices=_source_choices, required=False, label="Source system of the record"
    )
    name = forms.CharField(max_length=_limit("name"), required=False, label="Name")
    date_of_birth = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Date of birth",
    )
    category = forms.ChoiceField(
        choices=[("", "Choose a category"), *WatchlistCategory.choices],
        required=False,
        label="Category",
    )
    reason = forms.CharField(
        max_length=_limit("reason"),
        required=False,
        label="Why they are sought",
        help_text="For example the warrant reference.",
    )
    image = forms.FileField(
        required=False, label="Image", help_text="One face, the most recent suitable image."
    )
    image_source_system = forms.ChoiceField(
        choices=_source_choices, required=False, label="Source system of the image"
    )
    legal_basis = forms.CharField(
        max_length=_limit("legal_basis"),
        required=False,
        label="Legal basis for holding the image",
    )
    capture_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Date the image was captured",
    )
    under_18_justification = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Justification (under-18s only)",
        help_text="Needed if the person is under 18 when the deployment starts; the "
        "authorising officer must approve it before sign-off.",
    )
    most_recent_suitable = forms.BooleanField(
        required=False, label="The image is the most recent suitable image of the person"
    )
    still_sought_confirmed = forms.BooleanField(
        required=False, label="I have checked now that the person is still sought"
    )

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image is not None and image.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError("The image must be no larger than 10 MB.")
        return image


class RemoveEntryForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=_limit("removal_reason"),
        label="Reason for removing the entry",
    )


class DuplicateDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        choices=DuplicateDecision.choices, widget=forms.RadioSelect, required=False
    )
    reason = forms.CharField(
        widget=forms.Textarea, required=False, max_length=1000, label="Reason for the decision"
    )


class ConfirmForm(GovukForm):
    """An action that takes no fields (sign-off): the service's refusal shows on the form."""
