from django.contrib import admin, messages
from django.utils.translation import gettext as _

from units.admin import ScopedAdmin, ScopedReadOnlyAdmin, SuperuserOnlyAdmin
from units.models import Unit, UnitChange

from .models import ExpectedUnit, ReportHeading, ReportingPeriod, Submission
from .unit_changes import ChangeRefused, undo_change


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """The campaign's periods: the district's, set by the superuser."""

    list_display = ["name", "campaign", "kind", "starts_on", "ends_on", "due_on"]
    list_filter = ["campaign", "kind"]
    search_fields = ["name", "slug"]


@admin.register(ReportHeading)
class ReportHeadingAdmin(ScopedAdmin):
    """A unit's own heading, for the administrators of the unit; the district's (no unit)
    is the superuser's."""

    list_display = ["issuing_body", "campaign", "unit", "place", "recipient", "signer_name"]
    list_filter = ["campaign"]
    autocomplete_fields = ["unit"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "unit" in form.base_fields:
            form.base_fields["unit"].required = True  # blank: the district's heading
        return form


@admin.register(ExpectedUnit)
class ExpectedUnitAdmin(SuperuserOnlyAdmin, admin.ModelAdmin):
    """Which units must report; with none listed, the top unit of every union tree."""

    list_display = ["unit", "campaign"]
    list_filter = ["campaign"]
    autocomplete_fields = ["unit"]


@admin.register(Submission)
class SubmissionAdmin(ScopedReadOnlyAdmin):
    """Submissions are read here, never changed: a report once sent is a fixed record. A
    staff user reads those of the units they administer."""

    list_display = ["unit", "period", "version", "submitted_by", "submitted_at", "reopened_at"]
    list_filter = ["period__campaign", "period"]
    # The report and the workbook hold the named list: the workbook is downloaded from the
    # submission's page, which records the export.
    exclude = ["report", "workbook"]
    readonly_fields = [
        "period",
        "unit",
        "version",
        "submitted_by",
        "submitted_at",
        "as_of",
        "named_rows",
        "reopened_by",
        "reopened_at",
        "reopen_reason",
    ]


@admin.register(UnitChange)
class UnitChangeAdmin(ScopedReadOnlyAdmin):
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
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(units__in=Unit.objects.administered_by(request.user)).distinct()

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
