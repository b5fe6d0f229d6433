"""Filters on the oversight pages (GET forms: they change nothing)."""

from django import forms


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


class RoleHoldingFilterForm(forms.Form):
    role = forms.CharField(label="Role code", required=False, max_length=64)
    account = forms.IntegerField(label="Account id", required=False, min_value=1)
    at = forms.DateField(
        label="Held on (UTC date)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
