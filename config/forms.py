"""Form rendering in GOV.UK Design System markup, for every form in the staff site; the
sign-in form."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from config.sign_in import SignInLocked, authenticate_counting_failures


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the lockout of config.sign_in: ``locked`` is set (and the
    sentence shown) when the username or address is locked."""

    locked: SignInLocked | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_counting_failures(
                    request=self.request, username=username, password=password, channel="staff_site"
                )
            except SignInLocked as locked:
                self.locked = locked
                raise ValidationError(locked.detail, code=locked.code) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
