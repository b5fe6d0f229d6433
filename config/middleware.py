"""Response headers every page and API answer carries (SecurityMiddleware sets the rest:
nosniff, Referrer-Policy, Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets DENY)."""

from django.conf import settings

API_PREFIX = "/api/"


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
