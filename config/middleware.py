"""Response headers every page and API answer carries (SecurityMiddleware sets the rest:
nosniff, Referrer-Policy, Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets DENY)."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve

API_PREFIX = "/api/"
logger = logging.getLogger("django.request")


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every response, and ``Cache-Control: no-store`` on every
    response a shared cache or the browser's history must not keep.

    No-store is the default: a response escapes it only when its view declares it public
    (``@cache_control(public=True, ...)``, as the transparency pages and WhiteNoise's static
    files do) and nobody is signed in. A signed-in request is never stored, whatever the view
    said, nor is anything under /api/ (the token endpoint answers anonymous requests with a
    credential)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        stored = self._may_be_stored(request, response)
        if not stored and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _may_be_stored(request, response) -> bool:
        if request.path.startswith(API_PREFIX):
            return False
        # WhiteNoise answers static files before AuthenticationMiddleware runs: no user then.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        return "public" in response.get("Cache-Control", "")


class FriendlyErrorPagesMiddleware:
    """The site's own 400, 403, 404 and 500 pages, in its layout, with DEBUG on as well as off.

    With DEBUG off Django renders ``400.html``, ``403.html``, ``404.html`` and ``500.html``
    itself; with it on (the embedded default of ``make run``) it would answer its technical
    pages, which show the URL patterns and settings to whoever asks. Staff pages never do: a
    page that does not exist, or an object not shared with the reader, reads the same as in
    production. The API keeps its JSON answers (DRF handles its own errors), and an unexpected
    exception is still logged with its traceback (``django.request``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG and not request.path.startswith(API_PREFIX):
            try:
                resolve(request.path_info)
            except Resolver404:
                # CommonMiddleware still turns this into its APPEND_SLASH redirect when due.
                return self._page(request, "404.html", 404)
        return self.get_response(request)

    def process_exception(self, request, exception):
        # With DEBUG off Django renders the templates itself (and logs as usual); a
        # PermissionDenied renders 403.html with DEBUG on too.
        if not settings.DEBUG or request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, PermissionDenied):
            return None
        if isinstance(exception, Http404):
            return self._page(request, "404.html", 404)
        if isinstance(exception, SuspiciousOperation):
            return self._page(request, "400.html", 400)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
            extra={"status_code": 500, "request": request},
        )
        # Rendered without the request, as Django's own handler does: the fault may be in
        # what a request's context needs (the database, a context processor).
        return HttpResponseServerError(loader.render_to_string("500.html"))

    @staticmethod
    def _page(request, template: str, status: int, context: dict | None = None):
        return render(request, template, context or {}, status=status)
