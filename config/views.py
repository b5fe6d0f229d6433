from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from common.roles import Role
from config.forms import SignInForm
from config.home import COMING, sections_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own work and what it may do next (config.home)."""
    return render(request, "home.html", {"sections": sections_for(request.user)})


@login_required
def role_guide(request: HttpRequest, role: str) -> HttpResponse:
    """The rules a role's work will follow, for a role whose capability is still to come."""
    try:
        chosen = Role(role)
    except ValueError:
        raise Http404 from None
    if chosen not in COMING:
        raise Http404
    return render(request, "role_guide.html", {"role": chosen, "coming": COMING[chosen]})


class SignInView(LoginView):
    """The staff site's sign-in: 429 with a Retry-After header while locked out."""

    authentication_form = SignInForm

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.locked is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.locked.retry_after)
        return response


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The admin's own login form would bypass the lockout: it sends people to the staff
    site's sign-in, which returns them to the admin."""
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=reverse("login")
    )
