"""Staff pages for composing and signing off watchlists. Views translate forms into service
calls and show a refused rule's sentence on the field it names; the services decide."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from authority.selectors import scope_decision
from common.errors import DomainError
from common.refusals import show_refusal
from oversight.redaction import hidden_fields, shown_value
from watchlists import forms, selectors
from watchlists.models import (
    DuplicateFlag,
    Watchlist,
    WatchlistEntry,
    WatchlistStatus,
)
from watchlists.roles import VIEW
from watchlists.services.composition import (
    add_entry,
    create_watchlist,
    open_new_version,
    remove_entry,
)
from watchlists.services.entries import EntryDetails
from watchlists.services.sign_off import (
    approve_under_18_justification,
    decide_duplicate,
    sign_off_watchlist,
)


def _posted(request: HttpRequest) -> tuple:
    """The form's data and files on a POST (even an empty one: a button alone), else none."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _url_or_none(name: str, *args) -> str | None:
    """A page another part of the app brings (the import pages), if it is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied


def _require_compose(request: HttpRequest) -> None:
    if not selectors.may_compose(request.user):
        raise PermissionDenied


def _visible(request: HttpRequest, pk: int) -> Watchlist:
    _require_view(request)
    return get_object_or_404(selectors.watchlists_visible_to(request.user), pk=pk)


def _entry(request: HttpRequest, pk: int) -> WatchlistEntry:
    _require_view(request)
    return get_object_or_404(WatchlistEntry.objects.select_related("watchlist"), pk=pk)


def _decision_of(watchlist: Watchlist):
    return scope_decision(watchlist.authority)


def entry_rows(user, entries) -> tuple[list[dict], bool]:
    """Each entry with its restricted fields as this reader may see them (oversight.redaction),
    and whether the reader may see the images (the same rule)."""
    entries = list(entries)
    if not entries:
        return [], False
    # The rule depends on the list, not the person: judged once for the page.
    hidden = hidden_fields(user, WatchlistEntry, entries[0])
    rows = [
        {
            "entry": entry,
            "name": shown_value(entry.name, field="name", hidden=hidden),
            "date_of_birth": shown_value(entry.date_of_birth, field="date_of_birth", hidden=hidden),
        }
        for entry in entries
    ]
    return rows, not hidden


@login_required
def watchlist_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    watchlists = selectors.watchlists_visible_to(request.user)
    status = request.GET.get("status")
    if status in WatchlistStatus.values:
        watchlists = watchlists.filter(status=status)
    authority = request.GET.get("authority", "")
    if authority.isdigit():
        watchlists = watchlists.filter(authority_id=int(authority))
    rows = [
        {"watchlist": w, "maximum": getattr(_decision_of(w), "max_watchlist_size", None)}
        for w in watchlists[:200]
    ]
    authorities = (
        selectors.watchlists_visible_to(request.user)
        .order_by()
        .values_list("authority_id", "authority__reference")
        .distinct()
    )
    return render(
        request,
        "watchlists/watchlist_list.html",
        {
            "rows": rows,
            "statuses": WatchlistStatus.choices,
            "current_status": status,
            "authorities": sorted(set(authorities), key=lambda a: a[1]),
            "current_authority": int(authority) if authority.isdigit() else None,
            "can_compose": selectors.may_compose(request.user),
        },
    )


@login_required
def watchlist_create(request: HttpRequest) -> HttpResponse:
    _require_compose(request)
    form = forms.WatchlistForm(_posted(request)[0], user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            watchlist = create_watchlist(
                application=data["authority"],
                by=request.user,
                name=data["name"],
                deployment_start=data["deployment_start"],
                deployment_end=data["deployment_end"],
                location=data["location"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Watchlist “{watchlist.name}” created.")
            return redirect("watchlists:watchlist-detail", pk=watchlist.pk)
    return render(request, "watchlists/watchlist_form.html", {"form": form})


@login_required
def watchlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _visible(request, pk)
    user = request.user
    rows, shows_images = entry_rows(user, selectors.entries_of(watchlist))
    composing = watchlist.status == WatchlistStatus.COMPOSING
    may_compose = selectors.may_compose(user)
    decision = _decision_of(watchlist)
    return render(
        request,
        "watchlists/watchlist_detail.html",
        {
            "watchlist": watchlist,
            "decision": decision,
            "rows": rows,
            "shows_images": shows_images,
            "may_compose": may_compose and composing,
            "may_open_version": may_compose and watchlist.status == WatchlistStatus.SIGNED_OFF,
            "may_sign_off": composing and selectors.is_signing_officer(user, watchlist),
            "open_flags": selectors.flags_to_decide(watchlist).count(),
            "import_url": _url_or_none("watchlists:import-start", watchlist.pk)
            if may_compose and composing
            else None,
        },
    )


def _details_from(data: dict) -> EntryDetails:
    return EntryDetails(
        record_id=data["record_id"],
        source_system=data["source_system"],
        category=data["category"],
        reason=data["reason"],
        image_source_system=data["image_source_system"],
        legal_basis=data["legal_basis"],
        most_recent_suitable=data["most_recent_suitable"],
        still_sought_confirmed=data["still_sought_confirmed"],
        name=data["name"],
        date_of_birth=data["date_of_birth"],
        capture_date=data["capture_date"],
        under_18_justification=data["under_18_justification"],
    )


@login_required
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _visible(request, pk)
    _require_compose(request)
    form = forms.EntryForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["image"]
        try:
            entry = add_entry(
                watchlist=watchlist,
                by=request.user,
                details=_details_from(form.cleaned_data),
                image=upload.read() if upload else b"",
                image_name=upload.name if upload else "",
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            flagged = entry.flags.count()
            messages.success(
                request,
                f"Record {entry.record_id} added."
                + (
                    f" It looks like {flagged} other record(s): decide each pair."
                    if flagged
                    else ""
                ),
            )
            if flagged:
                return redirect("watchlists:duplicates", pk=watchlist.pk)
            return redirect("watchlists:watchlist-detail", pk=watchlist.pk)
    return render(
        request,
        "watchlists/entry_form.html",
        {"watchlist": watchlist, "form": form, "decision": _decision_of(watchlist)},
    )


@login_required
def entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    _require_compose(request)
    form = forms.RemoveEntryForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        try:
            remove_entry(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Record {entry.record_id} removed.")
            return redirect("watchlists:watchlist-detail", pk=entry.watchlist_id)
    return render(
        request,
        "watchlists/entry_remove.html",
        {"entry": entry, "watchlist": entry.watchlist, "form": form},
    )


@login_required
def entry_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The entry's image, only for a reader who may see restricted fields; never public media."""
    entry = _entry(request, pk)
    if not selectors.may_read_restricted(request.user, entry):
        raise PermissionDenied
    if not entry.image or not entry.image.storage.exists(entry.image.name):
        raise Http404
    content_type = mimetypes.guess_type(entry.image.name)[0] or "application/octet-stream"
    response = FileResponse(entry.image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def entry_approve(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    try:
        approve_under_18_justification(entry=entry, by=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, f"The justification for record {entry.record_id} is approved.")
    return redirect("watchlists:sign-off", pk=entry.watchlist_id)


def _flag_rows(request: HttpRequest, watchlist: Watchlist, failed: tuple | None = None):
    rows = []
    flags = list(selectors.flags_to_decide(watchlist))
    _, shows_images = entry_rows(request.user, [flag.entry for flag in flags[:1]])
    for flag in flags:
        if failed and failed[0] == flag.pk:
            form = failed[1]
        else:
            form = forms.DuplicateDecisionForm(prefix=f"flag-{flag.pk}")
        rows.append({"flag": flag, "form": form})
    return rows, shows_images


@login_required
def duplicates(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _visible(request, pk)
    _require_compose(request)
    rows, shows_images = _flag_rows(request, watchlist)
    return render(
        request,
        "watchlists/duplicates.html",
        {"watchlist": watchlist, "rows": rows, "shows_images": shows_images},
    )


@login_required
@require_POST
def flag_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    _require_compose(request)
    flag = get_object_or_404(DuplicateFlag.objects.select_related("watchlist"), pk=pk)
    form = forms.DuplicateDecisionForm(request.POST, prefix=f"flag-{flag.pk}")
    if form.is_valid():
        try:
            decide_duplicate(
                flag=flag,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("watchlists:duplicates", pk=flag.watchlist_id)
    rows, shows_images = _flag_rows(request, flag.watchlist, failed=(flag.pk, form))
    return render(
        request,
        "watchlists/duplicates.html",
        {
            "watchlist": flag.watchlist,
            "rows": rows,
            "shows_images": shows_images,
            "form": form,
        },
    )


@login_required
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _visible(request, pk)
    return render(
        request,
        "watchlists/versions.html",
        {
            "watchlist": watchlist,
            "versions": watchlist.versions.select_related("opened_by", "signed_off_by").order_by(
                "-number"
            ),
        },
    )


@login_required
@require_POST
def version_open(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = _visible(request, pk)
    _require_compose(request)
    try:
        version = open_new_version(watchlist=watchlist, by=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request, f"Version {version.number} opened: it needs its own sign-off before use."
        )
    return redirect("watchlists:watchlist-detail", pk=pk)


@login_required
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """The list beside its authorised criteria; the sign-off button asks the service."""
    watchlist = _visible(request, pk)
    if not selectors.may_sign_off_any(request.user):
        raise PermissionDenied
    form = forms.ConfirmForm(_posted(request)[0])
    if request.method == "POST" and form.is_valid():
        try:
            version = sign_off_watchlist(watchlist=watchlist, by=request.user)
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(
                request, f"Version {version.number} signed off and frozen ({version.entry_count})."
            )
            return redirect("watchlists:watchlist-detail", pk=pk)
    watchlist.refresh_from_db()
    rows, shows_images = entry_rows(request.user, selectors.entries_of(watchlist))
    picture = selectors.sign_off_picture(watchlist)
    authority = watchlist.authority
    return render(
        request,
        "watchlists/sign_off.html",
        {
            "watchlist": watchlist,
            "authority": authority,
            "picture": picture,
            "rows": rows,
            "shows_images": shows_images,
            "form": form,
            "composing": watchlist.status == WatchlistStatus.COMPOSING,
            "window_inside": authority.valid_from <= watchlist.deployment_start
            and watchlist.deployment_end <= authority.valid_until,
        },
    )
