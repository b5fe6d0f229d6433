"""API plumbing shared by every app: the domain error handler."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from biometric_engine.core.errors import EngineConfigurationError, EngineInputError
from common.errors import DomainError
from config.sign_in import SignInLocked

STATUS_BY_KIND = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "conflict": status.HTTP_409_CONFLICT,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


def domain_exception_handler(exc, context):
    """A broken rule as 400/409/403/503 with {"code", "detail"}; a rule never reaches a 500."""
    if isinstance(exc, SignInLocked):  # too many failed passwords: come back later
        return Response(
            exc.as_dict(),
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=STATUS_BY_KIND[exc.kind])
    # The engine core stays free of the platform's errors; its refusals read the same here.
    if isinstance(exc, EngineInputError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, EngineConfigurationError):
        return Response(exc.as_dict(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return exception_handler(exc, context)
