"""A second factor at sign-in (TOTP, django-otp) for the roles the district names.

DJANGO_OTP_REQUIRED_ROLES lists the roles that must give a code from an authenticator app
(Google Authenticator, Microsoft Authenticator, FreeOTP…) after their password: any of
`admin`, `secretary`, `viewer` (unit roles) and `staff` (the admin site). These are the
roles that open residents' and members' own pages, where the whole ID number shows, and
the exports. Empty (the default): nobody is asked.

A user who must and has no authenticator yet is taken, after the password, to set one up
(scan the QR code, type the first code); afterwards, to type a code at each sign-in. Until
then every other page sends them back there. The district administrator removes a lost
phone's device in the admin site ("TOTP devices"); the user then sets up a new one.
"""

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

#: Pages a user who still owes a code may open.
OPEN_PATHS = (
    "/xac-thuc/",
    "/dang-xuat/",
    "/ngon-ngu/",
    "/healthz",
    "/static/",
    "/sw.js",
    "/ngoai-tuyen/",
)


def required_roles():
    return set(getattr(settings, "OTP_REQUIRED_ROLES", ()))


def needs_second_factor(user):
    """Whether this signed-in user must give a code (one query, only when roles are set)."""
    roles = required_roles()
    if not roles or not user.is_authenticated:
        return False
    if "staff" in roles and (user.is_staff or user.is_superuser):
        return True
    unit_roles = roles - {"staff"}
    return bool(unit_roles) and user.unit_roles.filter(role__in=unit_roles).exists()


class RequireSecondFactorMiddleware:
    """After django_otp's OTPMiddleware: a user who must give a code and has not in this
    session is sent to give it (or to set up their authenticator) before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and required_roles()
            and not request.path.startswith(OPEN_PATHS)
            and user.is_authenticated
            and not user.is_verified()
            and needs_second_factor(user)
        ):
            target = (
                "otp_verify"
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                else "otp_setup"
            )
            return redirect(f"{reverse(target)}?{REDIRECT_FIELD_NAME}={request.get_full_path()}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from the authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "8"}
        ),
    )


WRONG_CODE = _("This code is wrong or has expired. Type the code the app shows now.")
# django-otp makes a device wait after each wrong code (1 s, 2 s, 4 s…): a guesser of the
# million codes gets nowhere; a person who mistyped waits a moment.
THROTTLED = _("Too many wrong codes in a row: wait a few seconds, then type the code again.")


def _next(request):
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
def verify(request):
    """Type the code of the authenticator set up earlier."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = not device.verify_is_allowed()[0]
        if device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", THROTTLED if throttled else WRONG_CODE)
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request):
    """Set up an authenticator: scan the QR code, then type its first code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("otp_verify")
    # One authenticator per user: verify() checks the codes against it (and its throttle).
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="VNeID", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error(
            "token", _("This code is wrong or has expired. Type the code the app shows now.")
        )
    url = device.config_url
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": segno.make(url, error="m").svg_inline(scale=4, dark="#1d2430", light="#ffffff"),
        "secret": _secret(device),
    }
    return render(request, "registration/otp_setup.html", context)


def _secret(device):
    """The key in base32, in groups of four, for typing into the app by hand."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
