from urllib.parse import urlencode

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from privacy.admin import RecordedAccessAdmin

from .models import Member, Unit, UnitRole
from campaign import services


class ScopedAdmin(admin.ModelAdmin):
    """Staff who are not superusers see and change only rows of the units they administer."""

    unit_path = "unit"

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


class UnitRoleInline(admin.TabularInline):
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
