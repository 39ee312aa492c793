"""What the admin site shows of people: the fields their model declares masked (MASKED) masked
in lists, and every list or record of people it opens recorded as an access (who, when,
which list, how many rows, from where)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .masking import MASKS
from .models import PersonalDataAccess


def masked_column(model, name):
    """The list column of `model`'s field `name`, masked (privacy.masking)."""
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return MASKS[name](getattr(obj, name))

    column.__name__ = f"masked_{name}"
    return column


class RecordedAccessAdmin:
    """Mixed into the admin of a table of people: the fields its model declares masked are
    masked in the list, and its list and record pages are recorded as reveals."""

    def get_list_display(self, request):
        return [
            masked_column(self.model, name) if name in self.model.MASKED else name
            for name in super().get_list_display(request)
        ]

    def get_search_fields(self, request):
        # A search is in the address: never by a masked field (an ID or phone number).
        return [
            name for name in super().get_search_fields(request) if name not in self.model.MASKED
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        changelist = changelist.get("cl")
        if changelist is not None:
            self._record(
                request,
                _("Administration site, list: %(list)s") % {"list": self.opts.verbose_name_plural},
                len(changelist.result_list),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 0) == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                self._record(
                    request,
                    _("Administration site, record: %(kind)s #%(pk)s")
                    % {"kind": self.opts.verbose_name, "pk": obj.pk},
                    1,
                    getattr(obj, "id_number", ""),
                )
        return response

    def _record(self, request, what, rows, id_number=""):
        PersonalDataAccess.record(
            user=request.user,
            action=PersonalDataAccess.Action.REVEAL,
            what=what,
            rows=rows,
            request=request,
            id_number=id_number,
        )


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The record of access, read only: nobody edits or deletes what was done."""

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
