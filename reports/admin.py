from django.contrib import admin

from .models import ExpectedUnit, PersonalDataAccess, ReportHeading, ReportingPeriod, Submission


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "kind", "starts_on", "ends_on", "due_on"]
    list_filter = ["campaign", "kind"]
    search_fields = ["name", "slug"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "what", "rows"]
    list_filter = ["action"]
    search_fields = ["user__username", "what"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportHeading)
class ReportHeadingAdmin(admin.ModelAdmin):
    list_display = ["issuing_body", "campaign", "unit", "place", "recipient", "signer_name"]
    list_filter = ["campaign"]
    autocomplete_fields = ["unit"]


@admin.register(ExpectedUnit)
class ExpectedUnitAdmin(admin.ModelAdmin):
    """Which units must report; with none listed, the top unit of every union tree."""

    list_display = ["unit", "campaign"]
    list_filter = ["campaign"]
    autocomplete_fields = ["unit"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Submissions are read here, never changed: a report once sent is a fixed record."""

    list_display = ["unit", "period", "version", "submitted_by", "submitted_at", "reopened_at"]
    list_filter = ["period__campaign", "period"]
    exclude = ["report"]
    readonly_fields = [
        "period",
        "unit",
        "version",
        "submitted_by",
        "submitted_at",
        "as_of",
        "named_rows",
        "workbook",
        "reopened_by",
        "reopened_at",
        "reopen_reason",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
