"""How a staff page shows a service's refusal (one pattern for every app's views).

A refusal of the person (kind "forbidden": their roles, rank or part in the object do not
allow the act) is a 403 page with the service's sentence, as the API answers 403: the page
never looks as if the act were merely mistyped. Any other refusal (bad input, wrong state) is
shown where the person can act on it: on the field it names, on the form, or as a message
on the page they are sent back to.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from common.errors import DomainError


def refuse_if_forbidden(error: DomainError) -> None:
    if error.kind == "forbidden":
        raise PermissionDenied(error.detail)


def show_refusal(request: HttpRequest, error: DomainError, form=None) -> None:
    refuse_if_forbidden(error)
    if form is None:
        messages.error(request, error.detail)
    elif error.field and error.field in form.fields:
        form.add_error(error.field, error.detail)
    else:
        form.add_error(None, error.detail)
