"""Choosing the guide of a case by search, not from a drop-down of every member in scope
(4,878 options, 336 KB of HTML on a phone in a district of a million cases).

`GuideSearchSelect` is the entry forms' guide widget: with few guides it is the usual
drop-down; with more than `SEARCH_FROM` it is a search box and a hidden field holding the
chosen member. With script, static/js/guide-search.js asks `guide_search` (a POST, JSON,
scoped to the members the user may record cases for) as the user types; without script, the form is
sent with the typed text and `GuideSearchMixin` picks the one member it names (an ID number,
or a name matching only one member), or says in Vietnamese why it cannot.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from units.forms import search_condition
from units.models import Member
from units.normalize import clean_text

SEARCH_FROM = 60
RESULTS = 15


def guide_label(member):
    return f"{member.full_name} · {member.unit.name}"


class GuideSearchSelect(forms.Select):
    template_name = "dashboards/guide_search_widget.html"

    def value_from_datadict(self, data, files, name):
        chosen = data.get(name)
        if chosen:
            return chosen
        text = (data.get(f"{name}_search") or "").strip()[:100]
        return {"search": text} if text else None

    def get_context(self, name, value, attrs):
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:  # plain choices: the usual drop-down
            context = super().get_context(name, value, attrs)
            context["widget"]["search"] = False
            return context
        field = self.choices.field
        first = list(queryset[: SEARCH_FROM + 1])
        if len(first) <= SEARCH_FROM:
            self.choices = [("", field.empty_label or "")] + [
                (member.pk, field.label_from_instance(member)) for member in first
            ]
            context = super().get_context(name, value, attrs)
            context["widget"]["search"] = False
            return context
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        chosen = None
        if value not in (None, "") and not isinstance(value, dict):
            try:
                chosen = queryset.filter(pk=int(value)).first()
            except (TypeError, ValueError):
                chosen = None
        context = forms.Widget.get_context(self, name, value, attrs)
        context["widget"].update(
            search=True,
            chosen=chosen.pk if chosen else "",
            chosen_label=field.label_from_instance(chosen) if chosen else "",
            typed=value["search"] if isinstance(value, dict) else "",
            url=reverse("dashboards:guide_search"),
            # The field's error (and help) ids, which Django puts in the widget's attrs: the
            # typed box is the one a screen reader is on, so it names them after its hint.
            describedby=context["widget"]["attrs"].get("aria-describedby", ""),
            invalid=bool(context["widget"]["attrs"].get("aria-invalid")),
        )
        return context


class GuideSearchMixin:
    """For a ModelChoiceField of guides: a typed search (sent without script) names one."""

    widget = GuideSearchSelect

    def to_python(self, value):
        if isinstance(value, dict):
            return self._member_named(value["search"])
        return super().to_python(value)

    def _member_named(self, text):
        try:
            text = clean_text(text)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid_choice") from error
        found = list(self.queryset.filter(search_condition(text, "full_name", "id_number"))[:2])
        if not found:
            raise ValidationError(
                "Không tìm thấy thành viên nào khớp với “%(text)s” trong các đơn vị bạn được "
                "nhập liệu.",
                code="invalid_choice",
                params={"text": text},
            )
        if len(found) > 1:
            raise ValidationError(
                "Có nhiều thành viên khớp với “%(text)s”: gõ thêm tên, hoặc gõ số định danh.",
                code="invalid_choice",
                params={"text": text},
            )
        return found[0]


@login_required
@require_POST
def guide_search(request):
    """Up to RESULTS members the user may record cases for, matching the POSTed q (a name
    without diacritics, or digits of an ID number): [{"id", "label"}]. A POST, so that no
    ID number typed reaches an address, a log or the browser's history."""
    try:
        text = clean_text(request.POST.get("q") or "").strip()[:100]
    except ValueError:  # a control character (a NUL byte): no search
        text = ""
    if len(text) < 2:
        return JsonResponse({"results": []})
    guides = (
        Member.objects.guides_for(request.user)
        .filter(search_condition(text, "full_name", "id_number"))
        .select_related("unit")
        .order_by("full_name", "unit__path")[:RESULTS]
    )
    return JsonResponse(
        {"results": [{"id": member.pk, "label": guide_label(member)} for member in guides]}
    )
