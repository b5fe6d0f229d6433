from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from config.forms import SignInForm
from config.home import sections_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own work and what it may do next (config.home)."""
    return render(request, "home.html", {"sections": sections_for(request.user)})


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
