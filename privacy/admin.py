"""What the admin site shows of ID numbers: masked in lists, and every list or record of
people it opens recorded as an access (who, when, which list, how many rows, from where)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from units.privacy import mask_id_number


@admin.display(description=_("ID number"), ordering="id_number")
def masked_id_number(obj):
    return mask_id_number(obj.id_number)


class RecordedAccessAdmin:
    """Mixed into the admin of a table of people: its list and its record pages are
    recorded as reveals."""

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
        from reports.models import PersonalDataAccess

        PersonalDataAccess.record(
            user=request.user,
            action=PersonalDataAccess.Action.REVEAL,
            what=what,
            rows=rows,
            request=request,
            id_number=id_number,
        )
