"""Staff pages for LFR deployments: the Silver commander's plan and commands, the cameras, the
live counters, the operator's alert queue and the engagement officer's decisions.

Views translate forms into service calls and show a refused rule's sentence on the field it
names; the services decide. Alerts, their crops and the matched entry's image are shown only to
the people on the deployment and oversight (``selectors.may_see_alerts``); images are served by
permission-checked views with ``Cache-Control: private, no-store``, never as public media.
"""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError
from common.refusals import show_refusal
from deployments import forms, selectors
from deployments.links import deployment_links
from deployments.models import Alert, Deployment, DeploymentStatus
from deployments.services.alerts import adjudicate_alert, decide_engagement
from deployments.services.cameras import register_camera
from deployments.services.lifecycle import (
    complete_deployment,
    halt_deployment,
    pause_deployment,
    plan_deployment,
    resume_deployment,
    start_deployment,
)
from oversight.redaction import hidden_fields, shown_value

COMMANDS = {
    "start": (start_deployment, "started"),
    "pause": (pause_deployment, "paused"),
    "resume": (resume_deployment, "resumed"),
    "complete": (complete_deployment, "completed"),
}


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _visible(request: HttpRequest, pk: int) -> Deployment:
    if not request.user.has_perm(selectors.VIEW):
        raise PermissionDenied
    return get_object_or_404(selectors.deployments_visible_to(request.user), pk=pk)


def _with_alerts(request: HttpRequest, pk: int) -> Deployment:
    deployment = _visible(request, pk)
    if not selectors.may_see_alerts(request.user, deployment):
        raise PermissionDenied
    return deployment


def _alert(request: HttpRequest, pk: int) -> Alert:
    alert = get_object_or_404(
        Alert.objects.select_related("deployment__authority", "camera", "entry"), pk=pk
    )
    if not selectors.may_see_alerts(request.user, alert.deployment):
        raise PermissionDenied
    return alert


def alert_rows(user, alerts, form_for=None) -> list[dict]:
    """Each alert with the matched person's restricted fields as this reader may see them."""
    rows = []
    for alert in alerts:
        hidden = hidden_fields(user, Alert, alert)
        rows.append(
            {
                "alert": alert,
                "name": shown_value(alert.entry.name, field="entry_name", hidden=hidden),
                "date_of_birth": shown_value(
                    alert.entry.date_of_birth, field="entry_date_of_birth", hidden=hidden
                ),
                "shows_images": "crop" not in hidden,
                "form": form_for(alert) if form_for else None,
            }
        )
    return rows


def _counter_rows(deployment: Deployment) -> list[dict]:
    live = selectors.counters(deployment).as_dict()
    ledger = selectors.ledger_counters(deployment).as_dict()
    return [
        {"key": key, "label": label, "value": live[key], "ledger": ledger[key]}
        for key, label in selectors.COUNTER_LABELS.items()
    ]


@login_required
def deployment_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(selectors.VIEW):
        raise PermissionDenied
    deployments = selectors.deployments_visible_to(request.user)
    status = request.GET.get("status")
    if status in DeploymentStatus.values:
        deployments = deployments.filter(status=status)
    return render(
        request,
        "deployments/deployment_list.html",
        {
            "deployments": deployments[:200],
            "statuses": DeploymentStatus.choices,
            "current_status": status,
            "can_plan": selectors.may_plan_any(request.user),
        },
    )


@login_required
def deployment_plan(request: HttpRequest) -> HttpResponse:
    if not selectors.may_plan_any(request.user):
        raise PermissionDenied
    form = forms.PlanForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deployment = plan_deployment(
                watchlist=data["watchlist"],
                by=request.user,
                operators=data["operators"],
                engagement_officers=data["engagement_officers"],
                name=data["name"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Deployment “{deployment.name}” planned.")
            return redirect("deployments:deployment-detail", pk=deployment.pk)
    return render(request, "deployments/deployment_plan.html", {"form": form})


@login_required
def deployment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = _visible(request, pk)
    return _detail(request, deployment)


def _detail(request, deployment, *, halt_form=None, camera_form=None, new_camera=None):
    user = request.user
    return render(
        request,
        "deployments/deployment_detail.html",
        {
            "deployment": deployment,
            "actions": selectors.deployment_actions(user, deployment),
            "halt_form": halt_form or forms.HaltForm(prefix="halt"),
            "camera_form": camera_form or forms.CameraForm(prefix="camera"),
            "new_camera": new_camera,
            "cameras": deployment.cameras.select_related("registered_by"),
            "operators": deployment.operators.all(),
            "engagement_officers": deployment.engagement_officers.all(),
            "counters": _counter_rows(deployment),
            "sees_alerts": selectors.may_see_alerts(user, deployment),
            "may_adjudicate": selectors.may_adjudicate(user, deployment),
            "may_engage": selectors.may_decide_engagement(user, deployment),
            # From the apps above (its review, once ended): deployments.links.
            "upper_links": deployment_links(deployment=deployment, user=user),
            # The refused form, for the page's error summary (base.html).
            "form": halt_form or camera_form,
        },
    )


@login_required
@require_POST
def deployment_command(request: HttpRequest, pk: int, command: str) -> HttpResponse:
    deployment = _visible(request, pk)
    if command not in COMMANDS:
        raise Http404
    service, done = COMMANDS[command]
    try:
        service(deployment=deployment, by=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, f"The deployment is {done}.")
    return redirect("deployments:deployment-detail", pk=pk)


@login_required
@require_POST
def deployment_halt(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = _visible(request, pk)
    form = forms.HaltForm(request.POST, prefix="halt")
    if form.is_valid():
        try:
            halt_deployment(
                deployment=deployment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, "The deployment is halted, and the engine with it.")
            return redirect("deployments:deployment-detail", pk=pk)
    deployment.refresh_from_db()
    return _detail(request, deployment, halt_form=form)


@login_required
@require_POST
def camera_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Registers a camera and shows its token on this one response, never again (no redirect:
    the token is not put in the session or a message)."""
    deployment = _visible(request, pk)
    form = forms.CameraForm(request.POST, prefix="camera")
    new_camera = None
    if form.is_valid():
        try:
            camera, token = register_camera(
                deployment=deployment, by=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            new_camera = {"camera": camera, "token": token}
            form = None
    response = _detail(request, deployment, camera_form=form, new_camera=new_camera)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def counters_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The live counters for the detail page's script, and the same figures from the ledger."""
    deployment = _visible(request, pk)
    response = JsonResponse(
        {
            "status": deployment.status,
            "status_label": deployment.get_status_display(),
            "counters": selectors.counters(deployment).as_dict(),
            "ledger": selectors.ledger_counters(deployment).as_dict(),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- alerts --------------------------------------------------------------------------------


def _adjudication_form(alert, data=None):
    return forms.AdjudicationForm(data, prefix=f"alert-{alert.pk}")


def _engagement_form(alert, data=None):
    return forms.EngagementForm(data, prefix=f"alert-{alert.pk}")


def _queue(request, deployment, *, failed=None) -> HttpResponse:
    """The operator's queue: new alerts, each with its crop beside the entry's image."""
    user = request.user
    adjudicates = selectors.may_adjudicate(user, deployment)

    def form_for(alert):
        if failed and failed[0] == alert.pk:
            return failed[1]
        return _adjudication_form(alert) if adjudicates else None

    queue = list(selectors.alert_queue(deployment))
    return render(
        request,
        "deployments/alert_queue.html",
        {
            "deployment": deployment,
            "rows": alert_rows(user, queue, form_for),
            "alert_ids": ",".join(str(a.pk) for a in queue),
            "may_adjudicate": adjudicates,
            "decided": alert_rows(user, selectors.decided_alerts(deployment)[:50]),
            "awaiting_engagement": selectors.engagement_queue(deployment).count(),
            "form": failed[1] if failed else None,
        },
    )


@login_required
def alert_queue(request: HttpRequest, pk: int) -> HttpResponse:
    return _queue(request, _with_alerts(request, pk))


@login_required
@require_GET
def alerts_json(request: HttpRequest, pk: int) -> JsonResponse:
    """What the queue page polls: the ids waiting in each queue (no restricted field)."""
    deployment = _with_alerts(request, pk)
    response = JsonResponse(
        {
            "status": deployment.status,
            "new": list(selectors.alert_queue(deployment).values_list("pk", flat=True)),
            "awaiting_engagement": list(
                selectors.engagement_queue(deployment).values_list("pk", flat=True)
            ),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def alert_adjudicate(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = _adjudication_form(alert, request.POST)
    if form.is_valid():
        try:
            # The service's answer: its status is the one just recorded, not the one loaded.
            alert = adjudicate_alert(
                alert=alert,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Alert {alert.pk}: {alert.get_status_display()}.")
            return redirect("deployments:alert-queue", pk=alert.deployment_id)
    alert.refresh_from_db()
    return _queue(request, alert.deployment, failed=(alert.pk, form))


def _engagements(request, deployment, *, failed=None) -> HttpResponse:
    user = request.user
    engages = selectors.may_decide_engagement(user, deployment)

    def form_for(alert):
        if failed and failed[0] == alert.pk:
            return failed[1]
        return _engagement_form(alert) if engages else None

    queue = list(selectors.engagement_queue(deployment))
    return render(
        request,
        "deployments/engagements.html",
        {
            "deployment": deployment,
            "rows": alert_rows(user, queue, form_for),
            "alert_ids": ",".join(str(a.pk) for a in queue),
            "may_engage": engages,
            "decided": alert_rows(user, selectors.decided_alerts(deployment)[:50]),
            "form": failed[1] if failed else None,
        },
    )


@login_required
def engagements(request: HttpRequest, pk: int) -> HttpResponse:
    return _engagements(request, _with_alerts(request, pk))


@login_required
@require_POST
def alert_engage(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = _engagement_form(alert, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decide_engagement(
                alert=alert,
                by=request.user,
                engage=form.engage_value(),
                outcome=data["outcome"],
                result=data["result"],
                note=data["note"],
            )
        except DomainError as error:
            show_refusal(request, error, form)
        else:
            messages.success(request, f"Alert {alert.pk}: engagement decision recorded.")
            return redirect("deployments:engagements", pk=alert.deployment_id)
    alert.refresh_from_db()
    return _engagements(request, alert.deployment, failed=(alert.pk, form))


def _private_file(field) -> FileResponse:
    if not field or not field.storage.exists(field.name):
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def alert_crop(request: HttpRequest, pk: int) -> HttpResponse:
    """The face cropped from the frame, while it is kept, for those who may see it."""
    alert = _alert(request, pk)
    if "crop" in hidden_fields(request.user, Alert, alert):
        raise PermissionDenied
    if alert.crop_deleted_at is not None:
        raise Http404
    return _private_file(alert.crop)


@login_required
def alert_entry_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The matched watchlist entry's image, for comparison with the crop: by the same rule as
    the crop (the watchlists' own image view serves those composing and signing off)."""
    alert = _alert(request, pk)
    if "crop" in hidden_fields(request.user, Alert, alert):
        raise PermissionDenied
    return _private_file(alert.entry.image)
