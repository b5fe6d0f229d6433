"""Staff pages for the authority lifecycle. Views translate forms into service calls."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from authority import forms, policies, selectors, services
from authority.errors import IncompleteApplication
from authority.models import LIVE_STATUSES, Application, ApplicationStatus, ConditionKind
from authority.rules import ConditionSpec, missing_items
from biometric_engine.expectation import expectation
from common.errors import DomainError
from common.refusals import refuse_if_forbidden, show_refusal

DECISION_ACTS = frozenset({"authorise", "urgently_authorise", "refuse", "return"})


def _visible(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)


def _fail(request: HttpRequest, form, error: DomainError, formset=None) -> None:
    """Show a broken rule's sentence on the form, against its field where it names one (and
    on its row, for a row of a formset)."""
    refuse_if_forbidden(error)
    row = getattr(error, "row", None)
    if formset is not None and row is not None and 0 <= row < len(formset.forms):
        form = formset.forms[row]
    elif formset is not None and formset.forms:
        form = formset.forms[0]
    if form is not None and error.field and error.field in form.fields:
        form.add_error(error.field, error.detail)
    elif form is not None:
        form.add_error(None, error.detail)
    else:
        messages.error(request, error.detail)


def _section_of(field: str) -> str | None:
    """The drafting section where ``field`` (or a kind of row) is entered."""
    if field in forms.ROW_FORMS:
        return field
    for slug, _, fields in forms.SECTIONS:
        if field in fields:
            return slug
    return None


def _where_entered(application: Application, field: str | None) -> str:
    """A link to the field in its section of the draft, for the error summary."""
    section = _section_of(field) if field else None
    if section is None:
        return ""
    url = reverse("authority:application-edit", args=[application.pk, section])
    return url if section in forms.ROW_FORMS else f"{url}#id_{field}"


LIST_COLUMNS = (
    "id", "reference", "operation_name", "mode", "status", "applicant", "submitted_to",
    "start_at", "end_at", "created_at",
)  # fmt: skip


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    # A list shows no statement: never load them (a row may hold tens of thousands of
    # characters in each).
    applications = selectors.applications_visible_to(request.user).only(*LIST_COLUMNS)
    status = request.GET.get("status")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    return render(
        request,
        "authority/application_list.html",
        {
            "applications": applications[:200],
            "statuses": ApplicationStatus.choices,
            "current_status": status,
            "can_draft": request.user.has_perm("authority.draft_application"),
        },
    )


@login_required
def application_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("authority.draft_application"):
        raise PermissionDenied
    form_class = forms.section_form_class("basics")
    form = form_class(request.POST or None, applicant=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.save_draft(by=request.user, fields=form.cleaned_data)
        except DomainError as error:
            _fail(request, form, error)
        else:
            messages.success(request, f"Draft {application.reference} saved.")
            return redirect("authority:application-edit", pk=application.pk, section="case")
    return render(
        request,
        "authority/application_section.html",
        {
            "form": form,
            "section": "basics",
            "sections": forms.SECTIONS,
            "application": None,
        },
    )


@login_required
def application_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    application = _visible(request, pk)
    if section not in forms.SECTION_SLUGS:
        raise Http404
    if request.user.pk != application.applicant_id or not application.is_editable:
        messages.error(request, "This application cannot be changed now.")
        return redirect("authority:application-detail", pk=pk)
    if section == "submit":
        return _submit_page(request, application)
    if section in forms.ROW_FORMS:
        form = None
        initial = list(getattr(application, section).values())
        formset = forms.row_formset(section, data=request.POST or None, initial=initial)
    else:
        formset = None
        form = forms.section_form_class(section)(request.POST or None, instance=application)
    if request.method == "POST" and (formset.is_valid() if formset else form.is_valid()):
        try:
            if formset is not None:
                services.save_draft(
                    by=request.user,
                    application=application,
                    fields={},
                    **{section: forms.rows_from(section, formset)},
                )
            else:
                services.save_draft(
                    by=request.user, application=application, fields=form.cleaned_data
                )
        except DomainError as error:
            _fail(request, form, error, formset)
        else:
            messages.success(request, "Saved.")
            index = forms.SECTION_SLUGS.index(section)
            if "save_and_continue" in request.POST and index + 1 < len(forms.SECTION_SLUGS):
                return redirect(
                    "authority:application-edit", pk=pk, section=forms.SECTION_SLUGS[index + 1]
                )
            return redirect("authority:application-edit", pk=pk, section=section)
    application.refresh_from_db()
    context = {
        "application": application,
        "section": section,
        "sections": forms.SECTIONS,
        "form": form,
        "formset": formset,
    }
    if section == "matching":
        context["equitability"] = selectors.model_equitability(application.model_version)
    return render(request, "authority/application_section.html", context)


def _submit_page(request: HttpRequest, application: Application) -> HttpResponse:
    """Choose the authorising officer and submit: one form, one action. What is still missing
    is listed with a link to where each is entered, before and after a refused submission."""
    form = forms.SubmitForm(request.POST or None, application=application)
    page_errors: list[dict] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_application(
                application=application,
                by=request.user,
                submitted_to=form.cleaned_data["submitted_to"],
            )
        except IncompleteApplication:
            page_errors = [
                {
                    "text": f"Complete the {item.label}",
                    "href": _where_entered(application, item.field),
                }
                for item in missing_items(application, now=timezone.now())
                if item.field != "submitted_to" or not form.cleaned_data["submitted_to"]
            ]
            if not form.cleaned_data["submitted_to"] and not application.submitted_to_id:
                form.add_error("submitted_to", "Choose the authorising officer to submit to.")
        except DomainError as error:
            if error.field in form.fields or not _section_of(error.field or ""):
                _fail(request, form, error)
            else:
                page_errors = [
                    {"text": error.detail, "href": _where_entered(application, error.field)}
                ]
        else:
            messages.success(
                request, f"{application.reference} submitted to the authorising officer."
            )
            return redirect("authority:application-detail", pk=application.pk)
    application.refresh_from_db()
    missing = [
        {"label": item.label, "href": _where_entered(application, item.field)}
        for item in missing_items(application, now=timezone.now())
        if item.field != "submitted_to"
    ]
    return render(
        request,
        "authority/application_section.html",
        {
            "application": application,
            "section": "submit",
            "sections": forms.SECTIONS,
            "form": form,
            "formset": None,
            "missing": missing,
            "page_errors": page_errors,
            "equitability": selectors.model_equitability(application.model_version),
        },
    )


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The submit page's form posts here too (older links): the same one action."""
    return application_edit(request, pk=pk, section="submit")


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page: the application and its history side by side, and what you may do."""
    application = _visible(request, pk)
    user = request.user
    actions = selectors.permitted_actions(user, application)
    return render(
        request,
        "authority/application_detail.html",
        {
            "application": application,
            "restricted": selectors.may_read_restricted(user, application),
            "history": selectors.application_history(application, reader=user),
            "decisions": application.decisions.select_related("decided_by").prefetch_related(
                "conditions", "authorised_locations"
            ),
            "documents": application.documents.defer("content"),
            "flags": application.similarity_flags.select_related("other_application"),
            "consultations": application.consultations.select_related("chief_officer"),
            "actions": actions,
            "can_decide": bool(actions & DECISION_ACTS),
            "equitability": selectors.model_equitability(application.model_version),
            # The continuing equality duty: shown on every authority about to run or running.
            **(
                selectors.equality_evidence(application)
                if application.status in (ApplicationStatus.SUBMITTED, *LIVE_STATUSES)
                else {}
            ),
        },
    )


def _conditions_from(form: forms.DecisionForm, application: Application) -> list[ConditionSpec]:
    data, specs = form.cleaned_data, []
    if data.get("max_watchlist_size"):
        specs.append(
            ConditionSpec(
                ConditionKind.WATCHLIST_SIZE,
                f"The watchlist holds at most {data['max_watchlist_size']}.",
                data["max_watchlist_size"],
            )
        )
    if data.get("threshold") is not None:
        specs.append(
            ConditionSpec(
                ConditionKind.THRESHOLD,
                f"The threshold is at least {data['threshold']}.",
                data["threshold"],
            )
        )
    if data.get("window_start") or data.get("window_end"):
        start = data.get("window_start") or application.start_at
        end = data.get("window_end") or application.end_at
        specs.append(
            ConditionSpec(
                ConditionKind.WINDOW,
                f"Only between {start:%d %b %Y %H:%M} and {end:%d %b %Y %H:%M}.",
                (start, end),
            )
        )
    if data.get("locations"):
        names = ", ".join(
            application.locations.filter(pk__in=data["locations"]).values_list("name", flat=True)
        )
        specs.append(
            ConditionSpec(
                ConditionKind.LOCATIONS, f"Only at: {names}.", [int(v) for v in data["locations"]]
            )
        )
    if data.get("categories"):
        specs.append(
            ConditionSpec(
                ConditionKind.CATEGORIES, "Only the categories named.", data["categories"]
            )
        )
    for line in (data.get("safeguards") or "").splitlines():
        if line.strip():
            specs.append(ConditionSpec(ConditionKind.SAFEGUARD, line.strip()))
    return specs


@login_required
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    permitted = selectors.permitted_actions(request.user, application)
    if not permitted & DECISION_ACTS:
        raise PermissionDenied
    form = forms.DecisionForm(request.POST or None, application=application, permitted=permitted)
    equitability = selectors.model_equitability(application.model_version)
    if equitability.minimum is not None:
        form.fields["threshold"].help_text = (
            f"The latest equitability report for this model shows every group's false-alert "
            f"rate to be close from {equitability.minimum}: no authority may use less."
        )
    if request.method == "POST" and form.is_valid():
        data, by = form.cleaned_data, request.user
        try:
            choice = data["decision"]
            if choice == "authorise":
                services.authorise_application(
                    application=application,
                    by=by,
                    reasons=data["reasons"],
                    conditions=_conditions_from(form, application),
                    mitigation_response=data["mitigation_response"],
                )
            elif choice == "urgent":
                services.urgently_authorise_application(
                    application=application,
                    by=by,
                    reasons=data["reasons"],
                    superintendent_unavailable_reason=data["superintendent_unavailable_reason"],
                    conditions=_conditions_from(form, application),
                    mitigation_response=data["mitigation_response"],
                )
            elif choice == "refuse":
                services.refuse_application(application=application, by=by, reasons=data["reasons"])
            else:
                services.return_application(application=application, by=by, reasons=data["reasons"])
        except DomainError as error:
            _fail(request, form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("authority:application-detail", pk=pk)
    return render(
        request,
        "authority/application_action.html",
        {
            "application": application,
            "form": form,
            "title": "Decide the application",
            "history": selectors.application_history(application, reader=request.user),
            "restricted": True,
            "equitability": equitability,
            "expected": _expected_false_alerts(request, application),
            **selectors.equality_evidence(application),
        },
    )


DEFAULT_FOOTFALL = 10_000


def _expected_false_alerts(request: HttpRequest, application) -> dict:
    """What the model's own 1:N figures predict for the asked watchlist size and threshold,
    at a footfall: the one the officer enters (GET ``footfall``) to try another figure, else
    the applicant's stated one, else 10,000 faces, said as "footfall not stated"."""
    footfall, source = application.expected_footfall, "stated"
    entered = request.GET.get("footfall")
    if entered:
        with contextlib.suppress(ValueError):
            footfall, source = max(1, min(int(entered), 10**8)), "entered"
    if footfall is None:
        footfall, source = DEFAULT_FOOTFALL, "not_stated"
    return {
        **expectation(
            model_version=application.model_version,
            threshold=application.requested_threshold,
            watchlist_size=application.max_watchlist_size or 0,
            faces=footfall,
        ),
        "footfall": footfall,
        "footfall_source": source,
        "stated_footfall": application.expected_footfall,
    }


ACTIONS = {
    "consult": (
        "Chief Officer consultation",
        forms.ConsultationForm,
        services.consult_chief_officer,
    ),
    "ratify": ("Ratify the urgent authority", forms.ReasonsForm, services.ratify_urgent_authority),
    "cancel": ("Cancel the authority", forms.CancelForm, services.cancel_authority),
    "renew": ("Renew the authority", forms.RenewForm, services.renew_authority),
    "halt": ("Halt the engine", forms.ReasonsForm, services.halt_authority),
    "resume": ("Resume the engine", forms.ReasonsForm, services.resume_authority),
    "review": ("Review the authority", forms.ReviewForm, services.review_authority),
}


@login_required
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    application = _visible(request, pk)
    title, form_class, service = ACTIONS[action]
    try:
        # Only what the user may do now is offered: say why not instead of showing a form.
        policies.require_permitted(action, by=request.user, application=application)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("authority:application-detail", pk=pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(application=application, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _fail(request, form, error)
        else:
            messages.success(request, f"{title}: done.")
            return redirect("authority:application-detail", pk=pk)
    return render(
        request,
        "authority/application_action.html",
        {
            "application": application,
            "form": form,
            "title": title,
        },
    )


@login_required
def wad_pdf(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    application = _visible(request, pk)
    document = get_object_or_404(application.documents, version=version)
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    return response
