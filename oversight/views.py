"""Oversight pages: read only, for the oversight role (permission oversight.inspect_ledger).
The verification's POST only reads; the one write is asking for an inspection export (its
request row and ledger event, oversight.inspection_exports). Checkpoints are signed with every
N-th entry, hourly by beat, or by an administrator with ``manage.py ledger_checkpoint``.

Plus two public views: the ledger's public key, so anyone can check a checkpoint's signature,
and the latest checkpoint, so anyone can keep copies and catch a later rewrite.
"""

from __future__ import annotations

import json
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from common.errors import DomainError
from common.refusals import show_refusal
from oversight import keys, selectors
from oversight.checkpoints import latest_checkpoint
from oversight.forms import (
    ComplianceFilterForm,
    DateRangeForm,
    InspectionExportForm,
    RoleHoldingFilterForm,
    TimelineFilterForm,
    VerifyForm,
)
from oversight.inspection_exports import request_inspection_export
from oversight.models import ExportState, InspectionExport
from oversight.registers import compliance_labels
from oversight.verification import verify_database

INSPECT_PERMISSION = "oversight.inspect_ledger"
PAGE_SIZE = 50


def inspector_required(view):
    """Signed in, and holding oversight.inspect_ledger (granted to the oversight role only)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(INSPECT_PERMISSION):
            raise PermissionDenied("Only oversight accounts may inspect the ledger.")
        return view(request, *args, **kwargs)

    return wrapper


class _CountedPaginator(Paginator):
    """A paginator told its count: the whole ledger's is its head's sequence number (entries
    are numbered 1, 2, 3... with no gap), where COUNT(*) reads millions of rows."""

    def __init__(self, items, per_page: int, count: int) -> None:
        super().__init__(items, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _page(request: HttpRequest, items, *, count: int | None = None):
    paginator = (
        Paginator(items, PAGE_SIZE) if count is None else _CountedPaginator(items, PAGE_SIZE, count)
    )
    return paginator.get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _with_actors(entries) -> list:
    entries = list(entries)
    actors = selectors.actors_for(entries)
    for entry in entries:
        entry.actor_user = actors.get(entry.actor_id)
    return entries


SUMMARY_KEYS = 4  # payload keys a timeline row shows; the whole payload is one click away
# Keys that say most about an event, shown first when present; then the rest, by name.
SUMMARY_FIRST = (
    "compliance_exception", "reference", "reason", "code", "outcome", "role", "version",
    "mode", "fields", "rows", "count", "submitted_to", "urgent",
)  # fmt: skip


def _summary_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "none"
    if isinstance(value, list):
        if len(value) <= 3 and all(isinstance(v, str | int | float) for v in value):
            return ", ".join(str(v) for v in value) or "none"
        return f"{len(value)} items"
    if isinstance(value, dict):
        return f"{len(value)} fields"
    text = str(value)
    return text if len(text) <= 40 else f"{text[:12]}…{text[-8:]}"


def _with_summaries(entries: list) -> list:
    """Each entry's payload as a few readable "key: value" pairs, and indented for reading
    in full (the stored canonical JSON is what is hashed; this only displays it)."""
    for entry in entries:
        data = entry.data
        keys = sorted(data, key=lambda k: (SUMMARY_FIRST.index(k) if k in SUMMARY_FIRST else 99, k))
        pairs = [(key.replace("_", " "), _summary_value(data[key])) for key in keys[:SUMMARY_KEYS]]
        entry.summary = pairs
        entry.summary_more = max(0, len(data) - SUMMARY_KEYS)
        entry.payload_pretty = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    return entries


@require_safe
@inspector_required
def timeline(request: HttpRequest) -> HttpResponse:
    form = TimelineFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    unfiltered = not any(filters.values())
    page = _page(
        request,
        selectors.timeline(**filters),
        count=selectors.ledger_head_seq() if unfiltered else None,
    )
    page.object_list = _with_summaries(_with_actors(page.object_list))
    return render(
        request,
        "oversight/timeline.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_safe
@inspector_required
def object_history(request: HttpRequest, app_label: str, model_name: str, object_id: str):
    object_type = f"{app_label}.{model_name}".lower()
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        model = None
    events = _with_actors(selectors.object_events(object_type, object_id))
    history = (
        selectors.field_history(model, object_id, reader=request.user)
        if model is not None and selectors.has_history(model)
        else None
    )
    if not events and not history and model is None:
        raise Http404("Nothing is recorded for this object.")
    current = None
    if model is not None:
        current = model._default_manager.filter(pk=object_id).first() if history else None
    return render(
        request,
        "oversight/object_history.html",
        {
            "object_type": object_type,
            "object_id": object_id,
            "model": model,
            "current": current,
            "events": events,
            "history": history,
            "tracks_history": model is not None and selectors.has_history(model),
        },
    )


@require_safe
@inspector_required
def urgent_register(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, selectors.urgent_authorities(**filters))
    actors = selectors.actors_for([row.entry for row in page.object_list])
    for row in page.object_list:
        row.entry.actor_user = actors.get(row.entry.actor_id)
    return render(
        request,
        "oversight/register_urgent.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_safe
@inspector_required
def compliance_register(request: HttpRequest) -> HttpResponse:
    form = ComplianceFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, selectors.compliance_exceptions(**filters))
    page.object_list = _with_actors(page.object_list)
    return render(
        request,
        "oversight/register_compliance.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "labels": compliance_labels(),
        },
    )


@require_safe
@inspector_required
def refused_engine_register(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page(request, selectors.refused_engine_calls(**filters))
    page.object_list = _with_actors(page.object_list)
    return render(
        request,
        "oversight/register_refused.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_safe
@inspector_required
def role_register(request: HttpRequest) -> HttpResponse:
    form = RoleHoldingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("account"):
        filters["account"] = str(filters["account"])
    page = _page(request, selectors.role_holdings(**{k: v for k, v in filters.items() if v}))
    users = get_user_model().objects.in_bulk(
        {int(h.account_id) for h in page.object_list if h.account_id.isdigit()}
    )
    for holding in page.object_list:
        holding.account = (
            users.get(int(holding.account_id)) if holding.account_id.isdigit() else None
        )
        _with_actors([holding.granted, *([holding.withdrawn] if holding.withdrawn else [])])
    return render(
        request,
        "oversight/register_roles.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@inspector_required
def verify(request: HttpRequest) -> HttpResponse:
    """Run the verification on demand (POST: it reads everything and changes nothing)."""
    result = None
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("checkpoint")
            result = verify_database(
                saved_checkpoint=form.saved_checkpoint,
                saved_label=f"checkpoint file {upload.name}" if upload else "",
            )
    return render(
        request,
        "oversight/verify.html",
        {
            "form": form,
            "result": result,
            "latest": latest_checkpoint(),
            "key_id": keys.key_id(),
            "checkpoint_every": settings.LEDGER_CHECKPOINT_EVERY,
        },
    )


@require_safe
@inspector_required
def checkpoint_document(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint as JSON to save (GET only: oversight signs nothing)."""
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        raise Http404("No checkpoint has been signed yet.")
    response = JsonResponse(checkpoint.as_document(), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = (
        f'attachment; filename="ledger-checkpoint-{checkpoint.tree_size}.json"'
    )
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@inspector_required
def exports(request: HttpRequest) -> HttpResponse:
    """The inspection exports asked for, and the form to ask for one (built by a task: the
    page shows each one's state; refreshing it shows progress, no JavaScript needed)."""
    form = InspectionExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            export = request_inspection_export(by=request.user, since=form.cleaned_data["since"])
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Inspection export {export.pk} requested.")
            return redirect("oversight:exports")
    page = _page(request, InspectionExport.objects.select_related("requested_by"))
    return render(
        request,
        "oversight/exports.html",
        {
            "form": form,
            "page": page,
            "pending": any(e.state in PENDING_STATES for e in page.object_list),
        },
    )


PENDING_STATES = (ExportState.QUEUED, ExportState.BUILDING)


@require_safe
@inspector_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """A built export's zip. Any oversight user may download any export (see
    oversight.inspection_exports); the SHA-256 the ledger recorded is in X-Content-SHA256."""
    export = get_object_or_404(InspectionExport, pk=pk, state=ExportState.BUILT)
    if not export.archive or not export.archive.storage.exists(export.archive.name):
        raise Http404("This export's file is no longer in storage.")
    response = FileResponse(
        export.archive.open("rb"),
        as_attachment=True,
        filename=export.file_name,
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = export.sha256
    return response


@require_safe
@cache_control(public=True, max_age=300)
def ledger_public_key(request: HttpRequest) -> HttpResponse:
    """Public (no sign-in): the Ed25519 key the ledger's checkpoints verify with."""
    response = HttpResponse(keys.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="ledger-key.pem"'
    response["X-Key-Id"] = keys.key_id()
    return response


@require_safe
@cache_control(public=True, max_age=60)
def ledger_public_checkpoint(request: HttpRequest) -> HttpResponse:
    """Public (no sign-in): the latest signed checkpoint. Copies held outside the platform are
    what catch a rewrite by someone able to delete the checkpoints stored here."""
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return JsonResponse(
            {
                "code": "no_checkpoint",
                "detail": "No checkpoint has been signed yet: one is signed with the ledger's "
                "first entry; try again after it.",
            },
            status=404,
        )
    response = JsonResponse(checkpoint.as_document(), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'inline; filename="ledger-checkpoint.json"'
    response["X-Key-Id"] = checkpoint.key_id
    return response
