from django.contrib import admin, messages
from django.utils.translation import gettext as _

from units.models import UnitChange


from .models import ExpectedUnit, ReportHeading, ReportingPeriod, Submission
from units.models import Unit
from .unit_changes import ChangeRefused, undo_change


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "kind", "starts_on", "ends_on", "due_on"]
    list_filter = ["campaign", "kind"]
    search_fields = ["name", "slug"]


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


@admin.register(UnitChange)
class UnitChangeAdmin(admin.ModelAdmin):
    """The record of units closed, merged and split: read here, made and undone through the
    preview (the units' actions open it); undone here too, with the same checks."""

    list_display = ["day", "kind", "made_by", "made_at", "undone_at"]
    list_filter = ["kind", ("undone_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "kind",
        "day",
        "target",
        "units",
        "summary",
        "made_by",
        "made_at",
        "undone_by",
        "undone_at",
    ]
    actions = ["undo_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(units__in=Unit.objects.administered_by(request.user)).distinct()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Undo the selected changes"), permissions=["view"])
    def undo_selected(self, request, queryset):
        mine = Unit.objects.administered_by(request.user).values("pk")
        for change in queryset.order_by("-day", "-pk"):
            if not request.user.is_superuser and change.units.exclude(pk__in=mine).exists():
                self.message_user(
                    request,
                    _("This change concerns units you do not administer."),
                    messages.ERROR,
                )
                continue
            try:
                undo_change(change, user=request.user)
            except ChangeRefused as refused:
                for error in refused.errors:
                    self.message_user(request, error, messages.ERROR)
            else:
                self.message_user(
                    request, _("The change is undone: %(change)s.") % {"change": change}
                )
