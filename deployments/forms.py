"""Staff forms for deployments: they check shape; the services check the rules (so most fields
are optional here and the service's own sentence is shown on the field it names)."""

from django import forms

from authority.forms import GovukForm
from common.roles import Role
from deployments.models import AdjudicationDecision, Alert, EngagementOutcome, EngagementResult
from deployments.selectors import people_with_role, watchlists_to_deploy

REASON_LENGTH = Alert._meta.get_field("decision_reason").max_length


class PlanForm(GovukForm):
    """The Silver commander plans a deployment from a watchlist (it starts only once the list
    is signed off): its window and location are the watchlist's; the operators and engagement
    officers are named now."""

    watchlist = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a watchlist", label="Watchlist"
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        label="Name of the deployment",
        help_text="Leave blank to use the watchlist's name.",
    )
    operators = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="LFR operators"
    )
    engagement_officers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Engagement officers",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["watchlist"].queryset = watchlists_to_deploy(user)
        self.fields["watchlist"].label_from_instance = lambda w: (
            f"{w.name} · {w.get_status_display()} · {w.authority.reference} · {w.location.name} "
            f"({w.deployment_start:%d %b %Y %H:%M} to {w.deployment_end:%d %b %Y %H:%M} UTC)"
        )
        for name, role in (
            ("operators", Role.LFR_OPERATOR),
            ("engagement_officers", Role.ENGAGEMENT_OFFICER),
        ):
            self.fields[name].queryset = people_with_role(role)
            self.fields[name].label_from_instance = lambda u: u.display_name


class HaltForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        label="Why is the deployment halted?",
        help_text="The engine under the authority is halted too; the next frame is refused.",
    )


class CameraForm(GovukForm):
    name = forms.CharField(
        required=False,
        max_length=100,
        label="Camera name",
        help_text="For example, North entrance. Its token is shown once, when it is registered.",
    )


class AdjudicationForm(GovukForm):
    decision = forms.ChoiceField(
        choices=AdjudicationDecision.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Your decision",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASON_LENGTH,
        label="Why you decided so",
    )


ENGAGE_CHOICES = [("yes", "Engage"), ("no", "Do not engage")]


class EngagementForm(GovukForm):
    engage = forms.ChoiceField(
        choices=ENGAGE_CHOICES, widget=forms.RadioSelect, required=False, label="Engage?"
    )
    outcome = forms.ChoiceField(
        choices=[("", "Choose the outcome"), *EngagementOutcome.choices],
        required=False,
        label="Outcome",
    )
    result = forms.ChoiceField(
        choices=[("", "Nothing (not engaged)"), *EngagementResult.choices],
        required=False,
        label="What followed",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="Note",
        help_text="Required when what followed is “other”.",
    )

    def engage_value(self):
        """The decision for the service: True, False, or None when none was chosen."""
        return {"yes": True, "no": False}.get(self.cleaned_data.get("engage"))
