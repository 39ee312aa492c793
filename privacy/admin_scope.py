"""The admin pages of the libraries, scoped like the project's own (units.admin).

Run once every admin is registered (privacy is the last app; config.admin_labels has by then
given the libraries' admins their Vietnamese labels): each library admin is registered again
as a subclass of the one in place, so its labels stay.

- The record of access (privacy.admin, which knows no unit): read within the user's units.
- Users' accounts: a staff user who is not a superuser reads those of their units (to give a
  role), changes none; groups, sign-in attempts and background tasks are the superuser's.
- Authenticator apps (TOTP devices): nobody, the superuser included, sees a device's secret
  key or QR code here (both clone the second factor); the device's owner sees them once, at
  set-up (config.otp). A lost phone's device is removed by the delete action, which shows no
  secret; a staff administrator sees and removes only the devices of their units' users.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from units.admin import SuperuserOnlyAdmin, is_superuser, users_seen_by

SUPERUSER_ONLY = [
    "auth.Group",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "django_tasks_database.DBTaskResult",
]
# Fields of a TOTP device never shown in the admin.
SECRET_FIELDS = {"key", "qrcode_link"}


class ScopedUsers:
    """Accounts: read within the user's units, changed by the superuser alone (a staff user
    who could change accounts could make themselves a superuser)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return queryset.filter(pk__in=users_seen_by(request.user).values("pk"))

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if is_superuser(request):
            return filters
        return [f for f in filters if f != "groups"]  # would list every group's name

    def has_add_permission(self, request, *args):
        return is_superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request) and super().has_delete_permission(request, obj)


class ScopedAccesses:
    """The record of access, as its page shows it: an administrator reads the accesses of
    the users of their units and their own (privacy.access_views.accesses_seen_by)."""

    def get_queryset(self, request):
        from privacy.access_views import accesses_seen_by

        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return queryset.filter(pk__in=accesses_seen_by(request.user).values("pk"))


class ScopedDevices:
    """Authenticator apps: listed and removed, never added or shown with their secret;
    changed (the key never) by the superuser alone."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        owners = users_seen_by(request.user).filter(is_superuser=False)
        return queryset.filter(user__in=owners.values("pk"))

    def has_add_permission(self, request, *args):
        return False  # a new device's page shows its key: set-up is the owner's (config.otp)

    def has_change_permission(self, request, obj=None):
        # The superuser may rename or unconfirm a device; its key is in no form here.
        return is_superuser(request) and super().has_change_permission(request, obj)

    def get_list_display(self, request):
        return [f for f in super().get_list_display(request) if f not in SECRET_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [f for f in options["fields"] if f not in SECRET_FIELDS]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f not in SECRET_FIELDS]

    def config_view(self, request, pk):
        raise PermissionDenied

    def qrcode_view(self, request, pk):
        raise PermissionDenied


def _again(site, label, *mixins):
    from django.apps import apps

    try:
        model = apps.get_model(label)
    except LookupError:
        return
    if not site.is_registered(model):
        return
    current = type(site.get_model_admin(model))
    scoped = type(f"Scoped{current.__name__}", (*mixins, current), {"__module__": __name__})
    site.unregister(model)
    site.register(model, scoped)


def scope_library_admins(site=admin.site):
    for label in SUPERUSER_ONLY:
        _again(site, label, SuperuserOnlyAdmin)
    _again(site, "auth.User", ScopedUsers)
    _again(site, "privacy.PersonalDataAccess", ScopedAccesses)
    _again(site, "otp_totp.TOTPDevice", ScopedDevices)
