"""Vietnamese names for the admin pages of the libraries the README sends the administrator to:
sign-in lockouts (django-axes, to unlock a user), authenticator apps (django-otp, to replace a
lost phone) and background task results (django-tasks-db).

django-axes and django-tasks-db mark their texts for translation but ship no Vietnamese: the
project's catalogue holds it (their msgids are listed below, so that `make messages` keeps
them). django-otp's TOTP admin has texts that are not translatable at all: its admin is
registered again here with Vietnamese labels, headings and columns. Nothing here touches the
models themselves (their state is what migrations are made from).
"""

from django.apps import apps
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

APP_NAMES = {
    "axes": _("Sign-in lockouts"),
    "otp_totp": _("Authenticator apps"),
    "django_tasks_database": _("Background task results"),
}

# The libraries' own texts, translated in the project's catalogue.
LIBRARY_TEXTS = [
    # django-axes: models and admin
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access Attempt"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Yes"),
    gettext_noop("No"),
    # django-tasks-db: its model
    gettext_noop("enqueued at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    # Django's admin (5.x): its list filters, without Vietnamese of its own yet
    gettext_noop("Show counts"),
]
TASK_STATUSES = [
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
]

TOTP_NAMES = (_("authenticator app"), _("authenticator apps"))
# field: (label, help text or None)
TOTP_FIELDS = {
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
}
TOTP_FIELDSETS = {
    "Identity": _("Identity"),
    "Timestamps": _("Times"),
    "Configuration": _("Configuration"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}


def name_library_apps():
    """The libraries' apps by Vietnamese names (an app's name is no part of any migration)."""
    for label, name in APP_NAMES.items():
        apps.get_app_config(label).verbose_name = name


def _column(name):
    """A TOTP device's field as a column (or read-only field) with a Vietnamese heading."""
    label, _help = TOTP_FIELDS[name]

    def shown(admin_self, device):
        return getattr(device, name)

    shown.short_description = capfirst(label)
    shown.admin_order_field = name
    shown.boolean = name == "confirmed"
    shown.__name__ = f"{name}_shown"
    return shown


SHOWN = {"user", "name", "created_at", "last_used_at", "confirmed"}  # its columns, read-only


def register_vietnamese_totp_admin():
    """django-otp's TOTP admin again, its labels, headings, columns and titles in Vietnamese."""
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def shown(name):
        return f"{name}_shown" if name in SHOWN else name

    class VietnameseTOTPDeviceAdmin(TOTPDeviceAdmin):
        locals().update({f"{name}_shown": _column(name) for name in SHOWN})

        def get_list_display(self, request):
            return [shown(name) for name in super().get_list_display(request)]

        def get_readonly_fields(self, request, obj=None):
            return [
                shown(name) if name in ("created_at", "last_used_at") else name
                for name in super().get_readonly_fields(request, obj)
            ]

        def get_fieldsets(self, request, obj=None):
            return [
                (
                    TOTP_FIELDSETS.get(name, name) if name else None,
                    {
                        **options,
                        "fields": [
                            shown(f) if f in ("created_at", "last_used_at") else f
                            for f in options["fields"]
                        ],
                    },
                )
                for name, options in super().get_fieldsets(request, obj)
            ]

        def get_action_choices(self, request, *args, **kwargs):
            return [
                (
                    name,
                    _("Delete the chosen authenticator apps")
                    if name == "delete_selected"
                    else label,
                )
                for name, label in super().get_action_choices(request, *args, **kwargs)
            ]

        def formfield_for_dbfield(self, db_field, request, **kwargs):
            field = super().formfield_for_dbfield(db_field, request, **kwargs)
            if field is not None and db_field.name in TOTP_FIELDS:
                label, help_text = TOTP_FIELDS[db_field.name]
                field.label = capfirst(label)
                if help_text is not None:
                    field.help_text = help_text
            return field

        @admin.display(description=_("QR code"))
        def qrcode_link(self, device):
            return super().qrcode_link(device)

        def changelist_view(self, request, extra_context=None):
            title = _("Choose an authenticator app to change")
            return super().changelist_view(request, {"title": title, **(extra_context or {})})

        def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
            title = _("Change an authenticator app") if object_id else _("Add an authenticator app")
            extra = {"title": title, **(extra_context or {})}
            return super().changeform_view(request, object_id, form_url, extra)

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)
    admin.site.register(TOTPDevice, VietnameseTOTPDeviceAdmin)


def name_totp_devices_in_the_index(site):
    """The admin index's list names the TOTP devices in Vietnamese (their model's name is
    plain English, and renaming the model would be a migration of django-otp's)."""
    listed = site.get_app_list

    def get_app_list(request, app_label=None):
        return vietnamese_app_list(listed(request, app_label))

    site.get_app_list = get_app_list


def vietnamese_app_list(app_list):
    for app in app_list:
        for model in app.get("models", []):
            if model.get("object_name") == "TOTPDevice":
                model["name"] = capfirst(TOTP_NAMES[1])
    return app_list


def register_vietnamese_task_admin():
    """django-tasks-db's admin again, its columns headed in Vietnamese (they are not marked
    for translation there)."""
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult

    class VietnameseDBTaskResultAdmin(DBTaskResultAdmin):
        list_display = tuple(
            "task_name_shown" if name == "task_name" else name
            for name in DBTaskResultAdmin.list_display
        )

        @admin.display(description=_("task"))
        def task_name_shown(self, obj):
            return obj.task_name

        @admin.display(description=_("traceback"))
        def formatted_traceback(self, obj):
            return super().formatted_traceback(obj)

        @admin.display(description=_("run after"))
        def display_run_after(self, obj):
            return super().display_run_after(obj)

    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, VietnameseDBTaskResultAdmin)
