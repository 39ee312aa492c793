"""The sign-in form, saying its refusal in the product's words."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in form. Its refusal is the page's error summary (base.html), so it is
    worded as the sign-in page always said it."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password. Please try again."),
    }
