"""Subject access pages: a record id in, every list and gallery it was on out, as a page or a
PDF report. Each answer is ledgered by ``answer_subject_access``."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.errors import DomainError
from watchlists.subject_access import (
    PERMISSION,
    RECORD_ID_MAX,
    answer_subject_access,
    render_subject_access_pdf,
)


class SubjectAccessForm(forms.Form):
    record_id = forms.CharField(
        label="Record id",
        max_length=RECORD_ID_MAX,
        help_text="The person's record id in its source system (PNC, custody, intelligence).",
    )


def _require_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied("Only oversight and administrators answer subject access requests.")


@never_cache
@require_GET
@login_required
def subject_access(request: HttpRequest) -> HttpResponse:
    _require_permission(request)
    form = SubjectAccessForm(request.GET or None)
    report = None
    if form.is_bound and form.is_valid():
        try:
            report = answer_subject_access(
                by=request.user, record_id=form.cleaned_data["record_id"], channel="page"
            )
        except DomainError as error:
            form.add_error("record_id", error.detail)
    return render(
        request,
        "watchlists/subject_access.html",
        {"form": form, "report": report, "tz": timezone.get_current_timezone_name()},
    )


@never_cache
@require_GET
@login_required
def subject_access_report(request: HttpRequest) -> HttpResponse:
    _require_permission(request)
    form = SubjectAccessForm(request.GET)
    if form.is_valid():
        try:
            report = answer_subject_access(
                by=request.user, record_id=form.cleaned_data["record_id"], channel="report_pdf"
            )
        except DomainError as error:
            form.add_error("record_id", error.detail)
        else:
            content = render_subject_access_pdf(report, by=request.user)
            response = HttpResponse(content, content_type="application/pdf")
            name = f"subject-access-{report.record_id_sha256[:12]}.pdf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    response = render(
        request,
        "watchlists/subject_access.html",
        {"form": form, "report": None, "tz": timezone.get_current_timezone_name()},
    )
    response.status_code = 400
    return response
