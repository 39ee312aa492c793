from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign import services
from privacy.admin import RecordedAccessAdmin

from .models import Member, Unit, UnitRole
from .normalize import normalize_id_number


def is_superuser(request):
    user = request.user
    return bool(user.is_active and user.is_superuser)


class SuperuserOnlyAdmin:
    """Mixed first into the admin of a table no unit owns (the campaign's rules, sign-in
    records, users' accounts, background tasks): the superuser's alone, whatever model
    permissions a staff user was given."""

    def has_module_permission(self, request):
        return is_superuser(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_superuser(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return is_superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request) and super().has_delete_permission(request, obj)


def users_seen_by(user):
    """The accounts a staff administrator may see in the admin: those holding a role in, or
    being a member of, a unit they administer; their own; and accounts not yet placed in any
    unit (to give them their first role). Never another unit's, never a superuser's."""
    User = get_user_model()
    if user.is_active and user.is_superuser:
        return User.objects.all()
    units = Unit.objects.administered_by(user)
    placed = UnitRole.objects.values("user_id")
    members = Member.objects.filter(user__isnull=False).values("user_id")
    return User.objects.filter(
        Q(pk__in=UnitRole.objects.filter(unit__in=units).values("user_id"))
        | Q(pk__in=Member.objects.filter(unit__in=units, user__isnull=False).values("user_id"))
        | Q(pk=user.pk)
        | (~Q(pk__in=placed) & ~Q(pk__in=members) & Q(is_superuser=False))
    )


# What a staff user who is not a superuser may choose in a form field pointing to a model:
# {model: function(user) -> the rows of their units}. The apps above add their own models
# (campaign.admin: residents, activities).
CHOICES = {
    Unit: Unit.objects.administered_by,
    Member: lambda user: Member.objects.filter(unit__in=Unit.objects.administered_by(user)),
}


def choices_for(request, model):
    """The rows of `model` the user may choose (None: any row)."""
    if model is get_user_model():
        return users_seen_by(request.user)
    chooser = CHOICES.get(model)
    return None if chooser is None else chooser(request.user)


class ScopedChoices:
    """Every foreign key of the admin's forms (inlines included) offers a staff user only the
    rows of their units, and the value already there: a hand-made POST naming another unit,
    member, resident or user is refused as an invalid choice."""

    def get_form(self, request, obj=None, **kwargs):
        return _scoped_form(super().get_form(request, obj, **kwargs), request)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _scoped_form(formset.form, request)
        return formset


def _scoped_form(form_class, request):
    if is_superuser(request):
        return form_class

    class ScopedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name, field in self.fields.items():
                queryset = getattr(field, "queryset", None)
                if queryset is None:
                    continue
                allowed = choices_for(request, queryset.model)
                if allowed is None:
                    continue
                current = getattr(self.instance, f"{name}_id", None) if self.instance else None
                condition = Q(pk__in=allowed.values("pk"))
                if current is not None:
                    condition |= Q(pk=current)
                field.queryset = queryset.model._default_manager.filter(condition)

    ScopedForm.__name__ = form_class.__name__
    return ScopedForm


class ScopedAdmin(ScopedChoices, admin.ModelAdmin):
    """Staff who are not superusers see and change only rows of the units they administer."""

    unit_path = "unit"

    @staticmethod
    def normalize_id_number(typed):
        """An ID number typed into the admin's search (privacy.admin.RecordedAccessAdmin)."""
        return normalize_id_number(typed)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            **{f"{self.unit_path}__in": Unit.objects.administered_by(request.user)}
        )

    def save_model(self, request, obj, form, change):
        if hasattr(obj, "stamp"):
            obj.stamp(request.user)
        super().save_model(request, obj, form, change)


class ScopedReadOnlyAdmin(ScopedAdmin):
    """A record kept by the product (jobs, submissions, the access record): read within the
    user's units, never added, changed or deleted here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UnitRoleInline(ScopedChoices, admin.TabularInline):
    model = UnitRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    unit_path = "pk"
    list_display = ["name", "code", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    inlines = [UnitRoleInline]
    actions = ["merge_selected", "split_selected", "close_selected"]

    # Merging, splitting and closing are dated changes with a preview (rules.md, units that
    # change): the actions open the administrators' pages with the units chosen here.
    @admin.action(description=_("Merge the selected units into another…"))
    def merge_selected(self, request, queryset):
        query = urlencode({"units": list(queryset.values_list("pk", flat=True))}, doseq=True)
        return redirect(f"{reverse('unit_changes:merge')}?{query}")

    @admin.action(description=_("Split the selected unit…"))
    def split_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one unit to split."), messages.ERROR)
            return None
        return redirect("unit_changes:split", queryset.get().code)

    @admin.action(description=_("Close the selected unit…"))
    def close_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one unit to close."), messages.ERROR)
            return None
        return redirect(f"{reverse('unit_changes:close')}?unit={queryset.get().pk}")

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=Unit.objects.administered_by(request.user))

    def save_model(self, request, obj, form, change):
        services.unit_save(unit=obj, user=request.user)


@admin.register(Member)
class MemberAdmin(RecordedAccessAdmin, ScopedAdmin):
    list_display = ["full_name", "id_number", "unit", "category", "active"]
    list_filter = [
        "category",
        "active",
        "unit__kind",
        "has_level2_account",
        "vneid_activated",
        "portal_used",
    ]
    search_fields = ["full_name", "unit__code", "unit__name"]  # not by ID or phone: in the address
    autocomplete_fields = ["unit", "user"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "unit",
                    "full_name",
                    "id_number",
                    "category",
                    "birth_date",
                    "phone",
                    "active",
                    "user",
                ]
            },
        ),
        (
            _("Own compliance (plan II.1)"),
            {
                "fields": [
                    "has_level2_account",
                    "vneid_activated",
                    "portal_used",
                    ("own_procedures_online", "own_procedures_total"),
                    ("family_procedures_online", "family_procedures_total"),
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.member_save(member=obj, user=request.user)

    def delete_model(self, request, obj):
        services.members_delete(members=Member.objects.filter(pk=obj.pk), user=request.user)

    def delete_queryset(self, request, queryset):
        services.members_delete(members=queryset, user=request.user)


@admin.register(UnitRole)
class UnitRoleAdmin(ScopedAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]
