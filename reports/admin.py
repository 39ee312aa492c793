from django.contrib import admin

from .models import PersonalDataAccess, ReportingPeriod


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
