"""Administrators' pages for accounts: each form calls one audited account service."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from authority import services
from authority.models import AccountKind, Rank, User
from authority.services.accounts import account_acts
from common.errors import DomainError
from common.refusals import show_refusal
from common.roles import Role
from oversight.selectors import object_events

REASONS = forms.CharField(
    label="Reasons", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
    help_text="Recorded on the ledger with your name.",
)  # fmt: skip


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    reasons = REASONS


class RankForm(forms.Form):
    rank = forms.TypedChoiceField(choices=Rank.choices, coerce=int)
    reasons = REASONS


class ReasonsForm(forms.Form):
    reasons = REASONS


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=AccountKind.choices)
    rank = forms.TypedChoiceField(
        choices=[("", "No rank (staff and oversight)"), *Rank.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    warrant_number = forms.CharField(max_length=32, required=False)
    command_unit = forms.CharField(max_length=120, required=False)
    organisation = forms.CharField(max_length=120, required=False)
    reasons = REASONS


# action slug → (form, service, message)
ACTIONS = {
    "grant-role": (RoleForm, services.grant_role, "Role granted."),
    "withdraw-role": (RoleForm, services.withdraw_role, "Role withdrawn."),
    "change-rank": (RankForm, services.change_rank, "Rank changed."),
    "disable": (ReasonsForm, services.disable_account, "Account disabled."),
    "enable": (ReasonsForm, services.enable_account, "Account enabled."),
}


def _ids(slug: str) -> str:
    """Each of the page's forms has its own element ids (several have a Reasons field)."""
    return f"id_{slug.replace('-', '_')}_%s"


def _require_administrator(request: HttpRequest) -> None:
    if not (
        request.user.has_role(Role.ADMINISTRATOR) and request.user.has_perm("authority.change_user")
    ):
        raise PermissionDenied


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    accounts = User.objects.prefetch_related("groups").order_by("last_name", "first_name")
    return render(request, "authority/account_list.html", {"accounts": accounts})


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            officer = services.create_account(by=request.user, **form.cleaned_data)
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Account {officer.username} created, with no role yet.")
            return redirect("accounts:account-detail", pk=officer.pk)
    return render(request, "authority/account_new.html", {"form": form})


@login_required
def account_detail(request: HttpRequest, pk: int, forms_with_errors=None) -> HttpResponse:
    _require_administrator(request)
    officer = get_object_or_404(User.objects.prefetch_related("groups"), pk=pk)
    bound = forms_with_errors or {}
    # Only what may be done to this account now, with only the choices that fit it.
    acts = account_acts(officer)
    shown = {}
    for slug, choices in acts.items():
        form = bound.get(slug) or ACTIONS[slug][0](auto_id=_ids(slug))
        if "role" in form.fields:
            form.fields["role"].choices = [(r.value, r.label) for r in choices]
        if "rank" in form.fields:
            form.fields["rank"].choices = [(r.value, r.label) for r in choices]
        shown[slug] = form
    context = {
        "officer": officer,
        "own": officer.pk == request.user.pk,
        "events": object_events("authority.user", str(officer.pk)),
        "forms": shown,
        "form": next(iter(bound.values()), None),  # the failed one, for the error summary
    }
    return render(request, "authority/account_detail.html", context)


@login_required
@require_POST
def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_administrator(request)
    if action not in ACTIONS:
        raise PermissionDenied
    officer = get_object_or_404(User, pk=pk)
    form_class, service, done = ACTIONS[action]
    form = form_class(request.POST, auto_id=_ids(action))
    if form.is_valid():
        try:
            service(by=request.user, officer=officer, **form.cleaned_data)
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, done)
            return redirect("accounts:account-detail", pk=pk)
    return account_detail(request, pk, forms_with_errors={action: form})
