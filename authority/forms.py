"""Staff forms: they check shape; the services check the rules."""

from django import forms
from django.db.models import Q

from authority import selectors
from authority.models import (
    AlternativeOutcome,
    Application,
    AssessmentKind,
    ConsultationOutcome,
    LegalBasis,
    LocationType,
    ReviewOutcome,
    User,
    WatchlistCategory,
)
from authority.models.limits import (
    FOOTFALL_TOO_LARGE,
    FOOTFALL_TOO_SMALL,
    MAX_FOOTFALL,
    NOTE_CHARS,
    REASONS_CHARS,
)
from authority.policies import decider_minimum
from authority.rules import NAMED_OFFICERS
from authority.services.drafting import MAX_ROWS, check_window
from common.errors import InvalidInput

WIDGET_CLASSES = {
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
}


class GovukForm(forms.Form):
    """Give every widget its GOV.UK class, so the Design System styles apply."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.apply_govuk_classes()

    def apply_govuk_classes(self) -> None:
        for field in self.fields.values():
            css = WIDGET_CLASSES.get(type(field.widget), "govuk-input")
            field.widget.attrs.setdefault("class", css)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def nameable(field: str, application: Application | None, applicant: User | None):
    """The officers the picker for ``field`` offers: those the rules allow (by rank and role,
    never the applicant), and the one named now even if no longer eligible, so that saving
    another field of the page never silently clears it (the service refuses it at submission).
    """
    eligible = selectors.officers_eligible_for(field, applicant=applicant)
    if field == "submitted_to" and application is not None:
        # Who may decide this one: the rank its urgency needs, and no one in its command.
        eligible = eligible.filter(rank__gte=decider_minimum(application)).exclude(
            pk__in=[
                pk
                for pk in (
                    application.gold_commander_id,
                    application.silver_commander_id,
                    application.bronze_commander_id,
                )
                if pk
            ]
        )
    current = getattr(application, f"{field}_id", None) if application else None
    if current:
        eligible = User.objects.filter(Q(pk__in=eligible.values("pk")) | Q(pk=current)).order_by(
            "-rank", "last_name", "first_name"
        )
    return eligible


def model_choices(current: str = "") -> list[tuple[str, str]]:
    """The models the engine knows, each with what its equitability report allows."""
    choices = [("", "Choose a model")]
    known = selectors.known_models()
    choices += [(m.version, f"{m.version} — {m.summary}") for m in known]
    if current and current not in {m.version for m in known}:
        choices.append((current, f"{current} — not a model the engine knows"))
    return choices


def footfall_field() -> forms.IntegerField:
    """The expected footfall, refused in the form's own words (0, negative, not a whole
    number, over the bound) rather than Django's, the same as the model and the API say."""
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_FOOTFALL,
        label="Expected footfall (live facial recognition only, optional)",
        help_text=(
            "How many people you expect to pass the cameras over the whole window. The "
            "authorising officer sees the false alerts the model predicts at this footfall; "
            "leave it blank if you cannot estimate it."
        ),
        error_messages={
            "invalid": FOOTFALL_TOO_SMALL,
            "min_value": FOOTFALL_TOO_SMALL,
            "max_value": FOOTFALL_TOO_LARGE,
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


# Drafting sections, in order: (slug, title, fields). Rows have their own sections.
SECTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "basics",
        "What and why",
        (
            "mode",
            "operation_name",
            "aim",
            "legitimate_aim",
            "legal_bases",
            "schedule_8_condition",
            "is_urgent",
            "urgency_reason",
        ),
    ),
    (
        "case",
        "Intelligence case, necessity and proportionality",
        ("intelligence_case", "necessity", "proportionality"),
    ),
    ("alternatives", "Alternatives considered", ()),
    (
        "watchlist",
        "Watchlist",
        ("watchlist_rationale", "requested_categories", "max_watchlist_size", "expected_footfall"),
    ),
    ("locations", "Locations", ()),
    (
        "timing",
        "Time, notice and assemblies",
        (
            "start_at",
            "end_at",
            "advance_notice",
            "notice_details",
            "no_notice_reason",
            "no_notice_explanation",
            "affects_assembly",
            "article_10_11_assessment",
        ),
    ),
    (
        "command",
        "Command, resourcing and safeguards",
        (
            "gold_commander",
            "silver_commander",
            "bronze_commander",
            "resourcing",
            "safeguards",
            "equality_considerations",
            "training_confirmed",
        ),
    ),
    ("matching", "Matching", ("model_version", "requested_threshold")),
    ("assessments", "Impact assessments", ()),
    ("submit", "Submit", ("submitted_to",)),
]
SECTION_SLUGS = [slug for slug, _, _ in SECTIONS]


def section_form_class(slug: str) -> type[forms.ModelForm]:
    section_fields = {s: f for s, _, f in SECTIONS}[slug]

    class SectionForm(GovukForm, forms.ModelForm):
        class Meta:
            model = Application
            fields = list(section_fields)
            widgets = {"start_at": DateTimeInput(), "end_at": DateTimeInput()}

        def __init__(self, *args, applicant: User | None = None, **kwargs) -> None:
            self.applicant = applicant
            super().__init__(*args, **kwargs)
            if "legal_bases" in self.fields:
                self.fields["legal_bases"] = forms.MultipleChoiceField(
                    choices=LegalBasis.choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    label="Legal basis",
                    initial=self.instance.legal_bases if self.instance.pk else [],
                )
            if "requested_categories" in self.fields:
                self.fields["requested_categories"] = forms.MultipleChoiceField(
                    choices=WatchlistCategory.choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    label="Watchlist categories requested",
                    initial=self.instance.requested_categories if self.instance.pk else [],
                )
            application = self.instance if self.instance.pk else None
            applicant = application.applicant if application else self.applicant
            for name in ("gold_commander", "silver_commander", "bronze_commander"):
                if name in self.fields:
                    self.fields[name].queryset = nameable(name, application, applicant)
                    self.fields[
                        name
                    ].help_text = f"{NAMED_OFFICERS[name].describe().capitalize()}, not yourself."
                    self.fields[name].empty_label = "Choose an officer"
            if "submitted_to" in self.fields:
                self.fields["submitted_to"].queryset = nameable(
                    "submitted_to", application, applicant
                )
                self.fields["submitted_to"].label = "Authorising officer"
                self.fields["submitted_to"].empty_label = "Choose an authorising officer"
                self.fields["submitted_to"].help_text = (
                    "A Superintendent or above who is not named in the operation's command; "
                    "an Inspector only for an urgent application."
                )
            if "model_version" in self.fields:
                current = application.model_version if application else ""
                self.fields["model_version"] = forms.ChoiceField(
                    choices=model_choices(current),
                    required=False,
                    label="Face model",
                    help_text=(
                        "A threshold means nothing apart from its model. Each model shows the "
                        "lowest threshold its latest equitability report allows."
                    ),
                    initial=current,
                )
            if "expected_footfall" in self.fields:
                self.fields["expected_footfall"] = footfall_field()
            if "requested_threshold" in self.fields:
                self.fields["requested_threshold"].help_text = (
                    "A score between 0 and 1, at least the model's equitable minimum; the "
                    "authorising officer may ask for more, never less."
                )
            for field in self.fields.values():
                field.required = False  # completeness is checked on submission, not per page
            if "mode" in self.fields:
                self.fields["mode"].required = True
            if "operation_name" in self.fields:
                self.fields["operation_name"].required = True
            self.apply_govuk_classes()

        def clean(self):
            data = super().clean()
            if "end_at" in self.fields and "start_at" in self.fields:
                try:
                    check_window(data.get("start_at"), data.get("end_at"))
                except InvalidInput as error:
                    self.add_error(error.field, error.detail)
            return data

    return SectionForm


class SubmitForm(GovukForm):
    """The last step of a draft: name the authorising officer and submit, in one action."""

    submitted_to = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Authorising officer",
        empty_label="Choose an authorising officer",
        help_text=(
            "A Superintendent or above who is not named in the operation's command; an "
            "Inspector only for an urgent application."
        ),
    )

    def __init__(self, *args, application: Application, **kwargs) -> None:
        super().__init__(*args, initial={"submitted_to": application.submitted_to_id}, **kwargs)
        self.fields["submitted_to"].queryset = nameable(
            "submitted_to", application, application.applicant
        )


class AlternativeForm(GovukForm):
    description = forms.CharField(max_length=300, required=False)
    outcome = forms.ChoiceField(choices=AlternativeOutcome.choices, required=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=NOTE_CHARS
    )


class LocationForm(GovukForm):
    name = forms.CharField(max_length=200, required=False)
    borough = forms.CharField(max_length=100, required=False)
    location_type = forms.ChoiceField(
        choices=[("", "Choose a type"), *LocationType.choices], required=False
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_CHARS,
        help_text="How this place ties to the intelligence case.",
    )


class AssessmentForm(GovukForm):
    kind = forms.ChoiceField(choices=AssessmentKind.choices, required=False)
    reference = forms.CharField(max_length=200, required=False)
    version = forms.CharField(max_length=20, required=False)
    approved_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    review_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today or later: an assessment past its review date is out of date.",
    )


ROW_FORMS = {
    "alternatives": (AlternativeForm, "description"),
    "locations": (LocationForm, "name"),
    "assessments": (AssessmentForm, "reference"),
}


def row_formset(slug: str, data=None, initial=None):
    form_class, _ = ROW_FORMS[slug]
    formset = forms.formset_factory(
        form_class, extra=2, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
    )
    return formset(data=data, initial=initial, prefix=slug)


def rows_from(slug: str, formset) -> list[dict]:
    """Keep the rows a person filled in; blank rows are ignored."""
    _, key = ROW_FORMS[slug]
    return [
        {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        for form in formset.forms
        if form.cleaned_data.get(key)
    ]


DECISION_CHOICES = [
    ("authorise", "Authorise"),
    ("refuse", "Refuse"),
    ("return", "Return for amendment"),
]
# Each choice's act in authority.policies.
DECISION_ACTS = {
    "authorise": "authorise",
    "urgent": "urgently_authorise",
    "refuse": "refuse",
    "return": "return",
}


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(choices=DECISION_CHOICES, widget=forms.RadioSelect)
    reasons = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=REASONS_CHARS,
        help_text="Mandatory. Recorded on the Written Authority Document.",
    )
    superintendent_unavailable_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASONS_CHARS,
        label="Why a Superintendent could not be reached (urgent authorisation)",
    )
    mitigation_response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASONS_CHARS,
        label="How the Chief Officer's required mitigation is met",
    )
    max_watchlist_size = forms.IntegerField(
        required=False, min_value=1, label="Condition: maximum watchlist size"
    )
    threshold = forms.DecimalField(
        required=False,
        max_digits=4,
        decimal_places=3,
        min_value=0,
        max_value=1,
        label="Condition: threshold at least",
    )
    window_start = forms.DateTimeField(
        required=False, widget=DateTimeInput(), label="Condition: window starts"
    )
    window_end = forms.DateTimeField(
        required=False, widget=DateTimeInput(), label="Condition: window ends"
    )
    locations = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Condition: named locations only"
    )
    categories = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Condition: watchlist categories only",
    )
    safeguards = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASONS_CHARS,
        label="Condition: additional safeguards (one per line)",
    )

    def __init__(
        self, *args, application: Application, permitted: frozenset[str], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locations"].choices = [
            (str(loc.pk), loc.name) for loc in application.locations.all()
        ]
        self.fields["categories"].choices = [
            (c, WatchlistCategory(c).label) for c in application.requested_categories
        ]
        # Only the decisions this officer may make now (policies.permitted_actions): an
        # Inspector deciding an urgent application is not offered a plain authorisation.
        self.fields["decision"].choices = [
            (value, label)
            for value, label in [*DECISION_CHOICES, ("urgent", "Authorise urgently")]
            if DECISION_ACTS[value] in permitted
        ]


class ConsultationForm(GovukForm):
    outcome = forms.ChoiceField(choices=ConsultationOutcome.choices, widget=forms.RadioSelect)
    comments = forms.CharField(widget=forms.Textarea, required=False, max_length=REASONS_CHARS)
    mitigation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASONS_CHARS,
        help_text="If mitigation is required: what.",
    )


class ReasonsForm(GovukForm):
    reasons = forms.CharField(widget=forms.Textarea, required=False, max_length=REASONS_CHARS)


class CancelForm(ReasonsForm):
    report = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=REASONS_CHARS,
        label="Cancellation report",
        help_text="What was done under the authority and what it achieved.",
    )


class RenewForm(ReasonsForm):
    new_end = forms.DateTimeField(widget=DateTimeInput(), label="New end of the authority")


class ReviewForm(GovukForm):
    findings = forms.CharField(widget=forms.Textarea, required=False, max_length=REASONS_CHARS)
    outcome = forms.ChoiceField(choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    next_review_by = forms.DateTimeField(required=False, widget=DateTimeInput())
