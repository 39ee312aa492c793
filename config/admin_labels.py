"""Vietnamese names for the admin pages of the libraries the README sends the administrator to:
sign-in lockouts (django-axes, to unlock a user), authenticator apps (django-otp, to replace a
lost phone) and background task results (django-tasks-db). The libraries name them in English
only (django-otp and the tasks' admin without translation at all), so the names are given
here, once, when the project's app is ready: models, fields, help texts, the apps themselves,
and the admin's own headings.
"""

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _, gettext_noop, pgettext_lazy

APP_NAMES = {
    "axes": _("Sign-in lockouts"),
    "otp_totp": _("Authenticator apps"),
    "django_tasks_database": _("Background task results"),
}

_SIGN_IN_FIELDS = {
    "user_agent": (_("browser"), None),
    "ip_address": (_("IP address"), None),
    "username": (_("user name"), None),
    "http_accept": (_("browser's Accept header"), None),
    "path_info": (_("address"), None),
    "attempt_time": (_("attempted at"), None),
}

# model label → (verbose name, plural, {field: (verbose name, help text or None)})
MODELS = {
    "axes.AccessAttempt": (
        _("failed sign-in"),
        _("failed sign-ins (lockouts)"),
        {
            **_SIGN_IN_FIELDS,
            "get_data": (_("GET data"), None),
            "post_data": (_("POST data"), None),
            "failures_since_start": (_("wrong passwords in a row"), None),
        },
    ),
    "axes.AccessAttemptExpiration": (
        _("lockout expiry"),
        _("lockout expiries"),
        {
            "access_attempt": (_("failed sign-in"), None),
            "expires_at": (
                _("ends at"),
                _("When the lockout ends and the user may sign in again."),
            ),
        },
    ),
    "axes.AccessFailureLog": (
        _("wrong password"),
        _("wrong passwords"),
        {**_SIGN_IN_FIELDS, "locked_out": (_("locked out"), None)},
    ),
    "axes.AccessLog": (
        _("sign-in"),
        _("sign-ins"),
        {
            **_SIGN_IN_FIELDS,
            "logout_time": (_("signed out at"), None),
            "session_hash": (_("session key hash (sha256)"), None),
        },
    ),
    "otp_totp.TOTPDevice": (
        _("authenticator app"),
        _("authenticator apps"),
        {
            "user": (_("user"), _("The user whose phone holds this app.")),
            "name": (_("name"), _("A name to tell this app from the user's others.")),
            "confirmed": (_("confirmed"), _("Set up: the user has given a first code.")),
            "created_at": (_("created at"), None),
            "last_used_at": (_("last used at"), None),
            "key": (_("secret key"), _("The shared secret, hex-encoded (up to 40 bytes).")),
            "step": (_("time step"), _("Seconds each code is valid.")),
            "t0": (_("start time"), _("The Unix time at which to begin counting steps.")),
            "digits": (_("digits"), _("How many digits a code has.")),
            "tolerance": (_("tolerance"), _("Codes this many steps early or late are accepted.")),
            "drift": (_("clock drift"), _("Steps the phone's clock is known to be off.")),
            "last_t": (_("last step used"), _("The next code must be of a later step.")),
            "throttling_failure_timestamp": (
                _("last wrong code at"),
                _("A wrong code makes the user wait before the next try."),
            ),
            "throttling_failure_count": (_("wrong codes in a row"), None),
        },
    ),
    "django_tasks_database.DBTaskResult": (
        _("background task result"),
        _("background task results"),
        {
            "status": (_("status"), None),
            "enqueued_at": (_("queued at"), None),
            "started_at": (_("started at"), None),
            "finished_at": (_("finished at"), None),
            "args_kwargs": (_("arguments"), None),
            "priority": (_("priority"), None),
            "task_path": (_("task"), None),
            "worker_ids": (_("workers"), None),
            "queue_name": (_("queue"), None),
            "backend_name": (_("backend"), None),
            "run_after": (_("run after"), None),
            "return_value": (_("result"), None),
            "exception_class_path": (_("error"), None),
            "traceback": (_("traceback"), None),
        },
    ),
}

TASK_STATUSES = {
    "READY": pgettext_lazy("Task", "Ready"),
    "RUNNING": pgettext_lazy("Task", "Running"),
    "FAILED": pgettext_lazy("Task", "Failed"),
    "SUCCESSFUL": pgettext_lazy("Task", "Successful"),
}

# django-axes' admin translates these itself; the project's catalogue holds their Vietnamese.
AXES_ADMIN_TEXTS = [
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Yes"),
    gettext_noop("No"),
    gettext_noop("Show counts"),  # Django's admin filters; no Vietnamese of its own yet
]

TOTP_FIELDSETS = {
    "Identity": _("Identity"),
    "Timestamps": _("Times"),
    "Configuration": _("Configuration"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}


def label_third_party_models():
    """Give the libraries' models and apps their Vietnamese names (the admin reads them)."""
    for label, name in APP_NAMES.items():
        apps.get_app_config(label).verbose_name = name
    for label, (singular, plural, fields) in MODELS.items():
        model = apps.get_model(label)
        model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural
        for name, (verbose_name, help_text) in fields.items():
            field = model._meta.get_field(name)
            field.verbose_name = verbose_name
            if help_text is not None:
                field.help_text = help_text
    status = apps.get_model("django_tasks_database.DBTaskResult")._meta.get_field("status")
    status.choices = [(value, TASK_STATUSES.get(value, label)) for value, label in status.choices]


def register_vietnamese_admins():
    """The TOTP and task-result admins again, with their headings and columns in Vietnamese."""
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult

    class VietnameseTOTPDeviceAdmin(TOTPDeviceAdmin):
        def get_fieldsets(self, request, obj=None):
            return [
                (TOTP_FIELDSETS.get(name, name) if name else None, options)
                for name, options in super().get_fieldsets(request, obj)
            ]

        @admin.display(description=_("QR code"))
        def qrcode_link(self, device):
            return super().qrcode_link(device)

    class VietnameseDBTaskResultAdmin(DBTaskResultAdmin):
        @admin.display(description=_("task"))
        def task_name_shown(self, obj):
            return obj.task_name

        @admin.display(description=_("traceback"))
        def formatted_traceback(self, obj):
            return super().formatted_traceback(obj)

        @admin.display(description=_("run after"))
        def display_run_after(self, obj):
            return super().display_run_after(obj)

        list_display = tuple(
            "task_name_shown" if name == "task_name" else name
            for name in DBTaskResultAdmin.list_display
        )

    for model, model_admin in (
        (TOTPDevice, VietnameseTOTPDeviceAdmin),
        (DBTaskResult, VietnameseDBTaskResultAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
