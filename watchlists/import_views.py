"""Staff pages for bulk import: the upload form, the job's page with its progress bar and
per-row results, and the progress as JSON for the page's script. Views call the service."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from common.errors import DomainError
from common.refusals import refuse_if_forbidden
from watchlists.import_forms import ImportForm
from watchlists.import_selectors import imports_visible_to, may_import, watchlists_open_to_import
from watchlists.models import ImportJob, ImportStatus
from watchlists.services.imports import FINISHED, start_import


@login_required
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_import(request.user):
        raise PermissionDenied
    watchlist = get_object_or_404(watchlists_open_to_import(request.user), pk=pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_import(
                watchlist=watchlist,
                by=request.user,
                csv_bytes=form.cleaned_data["csv_file"].read(),
                zip_bytes=form.cleaned_data["zip_file"].read(),
            )
        except DomainError as error:
            refuse_if_forbidden(error)
            field = error.field if error.field in form.fields else None
            form.add_error(field, f"{error.detail} ({error.code})")
        else:
            return redirect("watchlists:import-detail", pk=job.pk)
    return render(
        request,
        "watchlists/import_start.html",
        {"watchlist": watchlist, "form": form, "recent": watchlist.imports.all()[:10]},
    )


def progress_of(job: ImportJob) -> dict:
    total = job.total_rows or 0
    return {
        "id": job.pk,
        "watchlist": job.watchlist_id,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.status in FINISHED,
        "total_rows": total,
        "processed_rows": job.processed_rows,
        "kept_rows": job.kept_rows,
        "refused_rows": job.processed_rows - job.kept_rows,
        "percent": round(100 * job.processed_rows / total) if total else 0,
        "error_code": job.error_code,
        "error": job.error,
    }


@require_safe
@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(imports_visible_to(request.user), pk=pk)
    results = job.results or []
    return render(
        request,
        "watchlists/import_detail.html",
        {
            "job": job,
            "progress": progress_of(job),
            "refused": [r for r in results if r.get("outcome") == "refused"],
            "results": results,
            "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        },
    )


@require_safe
@login_required
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(imports_visible_to(request.user), pk=pk)
    return JsonResponse(progress_of(job))
