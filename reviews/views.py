"""Staff pages for post-deployment reviews: the list, a review with its figures, the
narrative form, submission, approval and return, and the approved review's PDF.

Views translate forms into service calls and show a refused rule's sentence; the services
decide. Pages work without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from common.refusals import refuse_if_forbidden, show_refusal
from reviews import selectors
from reviews.documents import review_context
from reviews.forms import NarrativeForm, PurposeForm, ReturnForm
from reviews.models import Review, ReviewStatus
from reviews.services.reviewing import (
    NARRATIVE_FIELDS,
    approve_review,
    return_review,
    submit_review,
    update_review_narrative,
)


def _visible(request: HttpRequest, pk: int) -> Review:
    if not request.user.has_perm(selectors.VIEW):
        raise PermissionDenied
    return get_object_or_404(selectors.reviews_visible_to(request.user), pk=pk)


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(selectors.VIEW):
        raise PermissionDenied
    reviews = selectors.reviews_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in ReviewStatus.values:
        reviews = reviews.filter(status=status)
    return render(
        request,
        "reviews/review_list.html",
        {"reviews": reviews[:200], "statuses": ReviewStatus.choices, "current_status": status},
    )


def _detail(request: HttpRequest, review: Review, *, form=None, return_form=None, status=200):
    actions = selectors.review_actions(request.user, review)
    if form is None and actions["write"]:
        form = NarrativeForm(initial={name: getattr(review, name) for name in NARRATIVE_FIELDS})
    context = review_context(review) | {
        "actions": actions,
        "form": form,
        "return_form": return_form or (ReturnForm() if actions["approve"] else None),
        "narrative": [(label, getattr(review, name)) for name, label in NARRATIVE_FIELDS.items()],
    }
    return render(request, "reviews/review_detail.html", context, status=status)


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible(request, pk)
    if request.method != "POST":
        return _detail(request, review)
    form = NarrativeForm(request.POST)
    if not form.is_valid():
        return _detail(request, review, form=form, status=400)
    try:
        update_review_narrative(review=review, by=request.user, **form.cleaned_data)
    except DomainError as error:
        show_refusal(request, error, form)
        return _detail(request, review, form=form, status=400)
    if "submit" in request.POST:
        try:
            submit_review(review=review, by=request.user)
        except DomainError as error:
            refuse_if_forbidden(error)
            messages.error(request, f"Saved, not submitted: {error.detail}")
            return redirect("reviews:review-detail", pk=review.pk)
        messages.success(request, "Review submitted for approval.")
    else:
        messages.success(request, "Review saved.")
    return redirect("reviews:review-detail", pk=review.pk)


@login_required
@require_POST
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible(request, pk)
    try:
        approve_review(review=review, by=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, "Review approved; its PDF is stored with its SHA-256.")
    return redirect("reviews:review-detail", pk=review.pk)


@login_required
@require_POST
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _detail(request, review, return_form=form, status=400)
    try:
        return_review(review=review, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        show_refusal(request, error, form)
        return _detail(request, review, return_form=form, status=400)
    messages.success(request, "Review returned to its author.")
    return redirect("reviews:review-detail", pk=review.pk)


@login_required
@require_GET
def review_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible(request, pk)
    if review.status != ReviewStatus.APPROVED or not review.pdf:
        raise Http404("The review's PDF is rendered when it is approved.")
    response = HttpResponse(bytes(review.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="review-{review.deployment_id}.pdf"'
    response["X-Content-SHA256"] = review.pdf_sha256
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def publications(request: HttpRequest) -> HttpResponse:
    """The publisher's page: planned deployments to announce, approved results to publish."""
    if not selectors.may_publish_any(request.user):
        raise PermissionDenied
    return render(
        request,
        "reviews/publications.html",
        {
            "to_announce": selectors.to_announce(request.user),
            "to_publish": selectors.to_publish(request.user),
        },
    )


def _publish_action(request: HttpRequest, service, deployment_pk: int, done: str):
    from deployments.models import Deployment

    if not selectors.may_publish_any(request.user):
        raise PermissionDenied
    deployment = get_object_or_404(Deployment, pk=deployment_pk)
    form = PurposeForm(request.POST)
    purpose = form.cleaned_data["purpose"] if form.is_valid() else ""
    try:
        service(deployment=deployment, by=request.user, purpose=purpose)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, done)
    return redirect("reviews:publications")


@login_required
@require_POST
def announce(request: HttpRequest, pk: int) -> HttpResponse:
    from reviews.services.publication import announce_planned_deployment

    return _publish_action(
        request, announce_planned_deployment, pk, "Announced on the transparency site."
    )


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    from reviews.services.publication import publish_deployment_results

    return _publish_action(
        request, publish_deployment_results, pk, "Results published on the transparency site."
    )
