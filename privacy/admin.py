"""What the admin site shows of people: the fields their model declares masked (MASKED) masked
in lists, and every list or record of people it opens recorded as an access (who, when,
which list, how many rows, from where).

A list of people is searched by ID number through a POST (its own box above the list): the
search is a look-up of that person, recorded and held to the per-user limit of every ID
look-up (privacy.ratelimit), and the list's address carries a token (``?so=``) for the
number, kept in the session, never the number. An ID or phone number typed into the address
(``?id_number=…``, any lookup of those fields) is taken out of it the same way.
"""

import re
import secrets
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .masking import MASKS, mask_id_number
from .models import PersonalDataAccess
from .ratelimit import lookups_left

TOKEN = "so"
SESSION_KEY = "admin_id_number_searches"
KEPT = 10  # the session remembers this many searches
_PERSONAL_PARAMETER = re.compile(r"^(id_number|phone)(__|$)")


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
    masked in the list, and its list and record pages are recorded as reveals; its search by
    ID number is a recorded look-up. The admin it is mixed into gives
    `normalize_id_number(typed)` (the ID number, or ValueError with the reason): the
    normalisation of typed values is units' (units.admin.ScopedAdmin)."""

    change_list_template = "admin/recorded_change_list.html"

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
        if request.method == "POST" and "id_number_search" in request.POST:
            return self._search_by_id_number(
                request, request.POST["id_number_search"], request.GET.copy()
            )
        personal = [key for key in request.GET if _PERSONAL_PARAMETER.match(key)]
        if personal:
            query = request.GET.copy()
            numbers = [query.pop(key)[-1] for key in personal]
            id_numbers = [n for key, n in zip(personal, numbers) if key.startswith("id_number")]
            if id_numbers:
                return self._search_by_id_number(request, id_numbers[0], query)
            messages.error(request, _("The list is not searched by phone number."))
            return self._redirect(request, query)
        request._id_number_search = None
        if TOKEN in request.GET:
            query = request.GET.copy()
            token = query.pop(TOKEN)[-1]
            request.GET = query
            # An unknown token (another session's, an old one) finds nobody.
            request._id_number_search = request.session.get(SESSION_KEY, {}).get(token, "-")
            extra_context = {
                **(extra_context or {}),
                "id_number_searched": mask_id_number(request._id_number_search),
            }
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

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        number = getattr(request, "_id_number_search", None)
        if number is not None:
            queryset = queryset.filter(id_number=number)
        return queryset, duplicates

    def _search_by_id_number(self, request, typed, query):
        query.pop(TOKEN, None)
        try:
            number = self.normalize_id_number(typed)
        except ValueError as error:
            messages.error(request, str(error))
            return self._redirect(request, query)
        if lookups_left(request.user) <= 0:
            messages.error(request, _("Too many look-ups in a minute: wait a moment."))
            return self._redirect(request, query)
        found = self.get_queryset(request).filter(id_number=number).count()
        PersonalDataAccess.record(
            user=request.user,
            action=PersonalDataAccess.Action.LOOKUP,
            what=_("Administration site, search by ID number: %(list)s")
            % {"list": self.opts.verbose_name_plural},
            rows=found,
            request=request,
            id_number=number,
        )
        searches = dict(request.session.get(SESSION_KEY, {}))
        token = secrets.token_urlsafe(9)
        searches[token] = number
        request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
        query[TOKEN] = token
        return self._redirect(request, query)

    @staticmethod
    def _redirect(request, query):
        text = urlencode(sorted(query.lists()), doseq=True) if query else ""
        return HttpResponseRedirect(f"{request.path}?{text}" if text else request.path)


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
