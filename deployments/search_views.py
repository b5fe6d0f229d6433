"""Staff pages for RFR searches and OIFR checks. Views turn forms into service calls and show a
refused rule's sentence on the field it names; the services decide.

The two pages that take an image (running a search, running a check) read it into memory only
(``deployments.uploads``): they are exempt from the CSRF middleware, which would otherwise parse
the body first with Django's default handlers, and check the token themselves once the
memory-only handler is installed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.refusals import show_refusal
from deployments import search_selectors as selectors
from deployments.models import LEAD_NOT_IDENTIFICATION, SearchStatus
from deployments.search_forms import (
    CandidateReviewForm,
    CheckForm,
    DecisionForm,
    RunForm,
    SearchForm,
)
from deployments.services import checks, searches
from deployments.uploads import memory_only, read_probe


def _search(request: HttpRequest, pk: int):
    if not selectors.may_see_searches(request.user):
        raise PermissionDenied
    return get_object_or_404(selectors.searches_visible_to(request.user), pk=pk)


@login_required
def search_list(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_searches(request.user):
        raise PermissionDenied
    return render(
        request,
        "deployments/searches/search_list.html",
        {
            "searches": selectors.searches_visible_to(request.user)[:200],
            "may_request": selectors.may_request(request.user),
            "to_approve": selectors.searches_to_approve(request.user)[:50],
            "to_review": selectors.searches_to_review(request.user)[:50],
        },
    )


@login_required
def search_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_request(request.user):
        raise PermissionDenied
    form = SearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            search = searches.create_search(
                authority=data["authority"],
                by=request.user,
                crime_reference=data["crime_reference"],
                offence=data["offence"],
                offence_other=data["offence_other"],
                image_provenance=data["image_provenance"],
                provenance_detail=data["provenance_detail"],
                lawful_basis=data["lawful_basis"],
                necessity=data["necessity"],
                proportionality=data["proportionality"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, "Search request drafted: check it, then submit it.")
            return redirect("deployments:search-detail", pk=search.pk)
    return render(request, "deployments/searches/search_form.html", {"form": form})


@login_required
def search_detail(request: HttpRequest, pk: int) -> HttpResponse:
    search = _search(request, pk)
    user = request.user
    return render(
        request,
        "deployments/searches/search_detail.html",
        {
            "search": search,
            "candidates": selectors.candidates_visible_to(user, search),
            "lead_notice": LEAD_NOT_IDENTIFICATION,
            "may_submit": user.pk == search.requested_by_id and search.status == SearchStatus.DRAFT,
            "may_decide": searches.may_approve(user)
            and user.pk != search.requested_by_id
            and search.status == SearchStatus.SUBMITTED,
            "may_run": user.pk == search.requested_by_id and search.status == SearchStatus.APPROVED,
            "may_review": selectors.may_review_search(user, search),
            "awaiting_release": user.pk == search.requested_by_id
            and search.status == SearchStatus.RUN,
        },
    )


@login_required
@require_POST
def search_submit(request: HttpRequest, pk: int) -> HttpResponse:
    search = _search(request, pk)
    try:
        searches.submit_search(search=search, by=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, "Submitted for approval.")
    return redirect("deployments:search-detail", pk=search.pk)


@login_required
def search_decide(request: HttpRequest, pk: int) -> HttpResponse:
    search = _search(request, pk)
    if not searches.may_approve(request.user):
        raise PermissionDenied
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            searches.approve_search
            if request.POST.get("decision") == "approve"
            else searches.refuse_search
        )
        try:
            decide(search=search, by=request.user, reasons=form.cleaned_data["reasons"])
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, "Your decision is recorded.")
            return redirect("deployments:search-detail", pk=search.pk)
    return render(
        request, "deployments/searches/search_decide.html", {"search": search, "form": form}
    )


@csrf_exempt
@login_required
def search_run(request: HttpRequest, pk: int) -> HttpResponse:
    memory_only(request)
    return _search_run(request, pk)


@csrf_protect
def _search_run(request: HttpRequest, pk: int) -> HttpResponse:
    search = _search(request, pk)
    if request.user.pk != search.requested_by_id:
        raise PermissionDenied
    form = RunForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            searches.run_search(
                search=search, by=request.user, image=read_probe(form.cleaned_data["image"])
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(
                request,
                "Searched. The probe image was not kept. The candidates go to a trained "
                "reviewer before any is released to you.",
            )
            return redirect("deployments:search-detail", pk=search.pk)
    return render(
        request,
        "deployments/searches/search_run.html",
        {"search": search, "form": form, "cap": searches.max_candidates()},
    )


@login_required
def search_review(request: HttpRequest, pk: int) -> HttpResponse:
    search = _search(request, pk)
    if not selectors.may_review_search(request.user, search):
        raise PermissionDenied
    candidates = list(selectors.candidates_visible_to(request.user, search))
    form = CandidateReviewForm(request.POST or None)
    failed_on = None
    if request.method == "POST" and form.is_valid():
        candidate = get_object_or_404(search.candidates, pk=request.POST.get("candidate"))
        try:
            searches.review_candidate(
                candidate=candidate,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
            failed_on = candidate.pk
        else:
            search.refresh_from_db()
            if search.status == SearchStatus.REVIEWED:
                messages.success(request, "Every candidate is reviewed: the leads are released.")
                return redirect("deployments:search-detail", pk=search.pk)
            return redirect("deployments:search-review", pk=search.pk)
    return render(
        request,
        "deployments/searches/search_review.html",
        {
            "search": search,
            "candidates": candidates,
            "form": form if failed_on else CandidateReviewForm(),
            "failed_form": form if failed_on else None,
            "failed_on": failed_on,
            "lead_notice": LEAD_NOT_IDENTIFICATION,
        },
    )


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    if not (selectors.may_check(request.user) or request.user.has_perm(selectors.VIEW_CHECKS)):
        raise PermissionDenied
    return render(
        request,
        "deployments/searches/check_list.html",
        {
            "checks": selectors.checks_visible_to(request.user)[:200],
            "may_check": selectors.may_check(request.user),
        },
    )


@csrf_exempt
@login_required
def check_create(request: HttpRequest) -> HttpResponse:
    memory_only(request)
    return _check_create(request)


@csrf_protect
def _check_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_check(request.user):
        raise PermissionDenied
    form = CheckForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = checks.run_operator_check(
                authority=data["authority"],
                by=request.user,
                image=read_probe(data["image"]),
                justification=data["justification"],
                justification_detail=data["justification_detail"],
                less_intrusive_considered=data["less_intrusive_considered"],
                no_force_used=data["no_force_used"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            return redirect("deployments:check-detail", pk=check.pk)
    return render(request, "deployments/searches/check_form.html", {"form": form})


@login_required
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(selectors.checks_visible_to(request.user), pk=pk)
    return render(
        request,
        "deployments/searches/check_detail.html",
        {
            "check": check,
            "candidates": check.candidates.all(),
            "lead_notice": LEAD_NOT_IDENTIFICATION,
        },
    )
