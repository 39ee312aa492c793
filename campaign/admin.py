from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.owners import trees_of
from privacy.admin import RecordedAccessAdmin
from units.admin import CHOICES, ScopedAdmin, SuperuserOnlyAdmin
from units.models import Unit

from . import services
from .activities import Activity
from .models import ActivityKind, Campaign, Case, DoubleClaimResolution, OfflineBatch, Resident


def residents_seen_by(user):
    """Residents with a case in a unit `user` administers whose details are their own tree's
    record (another tree's typed details are never shown, here as on the pages)."""
    if user.is_active and user.is_superuser:
        return Resident.objects.all()
    cases = Case.objects.filter(member__unit__in=Unit.objects.administered_by(user))
    return Resident.objects.filter(pk__in=cases.values("resident_id")).filter(
        Q(tree__isnull=True) | Q(tree__in=trees_of(user))
    )


# The admin's forms offer a staff user only these residents and activities (units.admin).
CHOICES[Resident] = residents_seen_by
CHOICES[Activity] = lambda user: Activity.objects.visible_to(user)


@admin.register(Campaign)
class CampaignAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """The campaign's rules: the district's, edited by the superuser alone."""

    list_display = ["name", "slug", "starts_on", "ends_on", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["slug", "name", "starts_on", "ends_on", "is_active"]}),
        (
            _("What counts"),
            {
                "fields": [
                    "activation_starts_on",
                    "double_claims_across_kinds",
                    "roster_excludes_residents",
                ]
            },
        ),
        (
            _("Quotas"),
            {
                "fields": [
                    "quota_cadre",
                    "quota_member",
                    "quota_civil_servant",
                    "quota_armed_forces",
                ]
            },
        ),
        (
            _("Awards and own compliance"),
            {
                "fields": [
                    "individual_award_threshold",
                    "collective_award_threshold",
                    "own_procedures_target",
                    "family_procedures_target",
                ]
            },
        ),
        (_("Emulation drive"), {"fields": ["drive_starts_on", "drive_ends_on"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.campaign_save(campaign=obj)


@admin.register(ActivityKind)
class ActivityKindAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """The kinds of outreach: the plan's (no campaign) and those a campaign adds."""

    list_display = ["name", "code", "campaign", "position", "repeats_weekly", "is_post"]
    list_filter = ["campaign"]
    search_fields = ["name", "code"]


@admin.register(Resident)
class ResidentAdmin(RecordedAccessAdmin, ScopedAdmin):
    list_display = [
        "full_name",
        "id_number",
        "birth_date",
        "sex",
        "commune",
        "category",
        "on_roster",
    ]
    list_filter = ["category", "sex", "on_roster"]
    search_fields = ["full_name", "village", "commune"]  # not by ID or phone: in the address
    readonly_fields = ["on_roster", "created_at", "created_by", "updated_at", "updated_by"]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=residents_seen_by(request.user).values("pk"))

    def save_model(self, request, obj, form, change):
        services.resident_save(resident=obj, user=request.user)


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    unit_path = "member__unit"
    list_display = [
        "resident",
        "member",
        "campaign",
        "eid_level",
        "activated_on",
        "portal_used",
        "claimants",
        "resident_excluded",
    ]
    list_filter = [
        "campaign",
        "eid_level",
        "portal_used",
        "place",
        "member__unit__kind",
        "resident_excluded",
    ]
    search_fields = ["resident__full_name", "member__full_name"]  # no ID numbers in the address
    autocomplete_fields = ["resident", "member"]
    date_hierarchy = "activated_on"
    list_select_related = ["resident", "member", "campaign"]
    readonly_fields = [
        "claimants",
        "resident_excluded",
        "claim_awarded",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]

    def get_queryset(self, request):
        """The cases of the user's units on residents whose details are their own tree's
        record (a case on a resident another tree recorded first is edited on the pages,
        which show that tree's details to nobody else; here the resident's name would)."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(resident__in=residents_seen_by(request.user).values("pk"))

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("resident") if change else None
        services.case_save(case=obj, user=request.user, previous_resident_id=previous)

    def delete_model(self, request, obj):
        services.case_delete(case=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        services.cases_delete(cases=queryset, user=request.user)


@admin.register(DoubleClaimResolution)
class DoubleClaimResolutionAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """Resolutions are made and undone in the double-claim register, which checks every
    claimant's unit; here they are the superuser's alone."""

    list_display = ["resident", "campaign", "awarded_to", "resolved_by", "resolved_at", "undone_at"]
    list_filter = ["campaign", ("undone_at", admin.EmptyFieldListFilter)]
    search_fields = ["resident__full_name", "reason"]
    autocomplete_fields = ["resident", "awarded_to"]
    readonly_fields = ["resolved_by", "resolved_at", "undone_by", "undone_at"]

    def save_model(self, request, obj, form, change):
        services.resolution_save(resolution=obj, user=request.user)


@admin.register(OfflineBatch)
class OfflineBatchAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """The record of cases sent from phones after entry without a signal: read only."""

    list_display = ["received_at", "user", "cases", "recorded", "already_recorded", "refused"]
    list_filter = ["received_at"]
    search_fields = ["user__username"]
    readonly_fields = [field.name for field in OfflineBatch._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
