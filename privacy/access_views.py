"""The record of personal-data access, for administrators: who, when, what, how many rows,
from where; filtered by user, action, dates, and by the person concerned.

Searching by a person's ID number is a POST: the number becomes its keyed digest
(privacy.subjects.subject_key) in the address, never the number itself.
"""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from units import normalize
from units.forms import DayFirstDateField
from units.models import Member, Unit, UnitRole

from .models import PersonalDataAccess
from .subjects import subject_key

PAGE_SIZE = 100


class AccessFilter(forms.Form):
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *PersonalDataAccess.Action.choices],
    )
    # Day first (21/04/2023, 21-4-2023) as every date field of the product; ISO from links.
    since = DayFirstDateField(label=_("From"), required=False)
    until = DayFirstDateField(label=_("Until"), required=False)
    what = forms.CharField(label=_("What"), required=False, max_length=100)
    subject = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False, widget=forms.HiddenInput)


def accesses_seen_by(user):
    """The access records an administrator may read: those of the users who hold a role in,
    or are members of, a unit they administer, and their own."""
    if user.is_superuser:
        return PersonalDataAccess.objects.all()
    units = Unit.objects.administered_by(user)
    users = UnitRole.objects.filter(unit__in=units).values("user_id")
    members = Member.objects.filter(unit__in=units, user__isnull=False).values("user_id")
    return PersonalDataAccess.objects.filter(Q(user__in=users) | Q(user__in=members) | Q(user=user))


@login_required
def access_list(request):
    if not request.user.is_superuser and not Unit.objects.administered_by(request.user).exists():
        raise PermissionDenied
    if request.method == "POST":
        return _redirect_with_subject(request)
    form = AccessFilter(request.GET or None)
    records = accesses_seen_by(request.user).select_related("user")
    if form.is_valid():
        data = form.cleaned_data
        if data["user"]:
            records = records.filter(user__username__icontains=data["user"])
        if data["action"]:
            records = records.filter(action=data["action"])
        if data["since"]:
            records = records.filter(at__date__gte=data["since"])
        if data["until"]:
            records = records.filter(at__date__lte=data["until"])
        if data["what"]:
            records = records.filter(what__icontains=data["what"])
        if data["subject"]:
            records = records.filter(pk__in=PersonalDataAccess.concerning(data["subject"]))
    page = Paginator(records.order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/access_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "person": bool(form.is_valid() and form.cleaned_data["subject"]),
            "today": datetime.date.today(),
        },
    )


def _redirect_with_subject(request):
    """The filters as sent, with the ID number (if any) replaced by its digest."""
    query = QueryDict(mutable=True)
    for key in ("user", "action", "since", "until", "what"):
        if request.POST.get(key):
            query[key] = request.POST[key]
    try:
        id_number = normalize.normalize_id_number(request.POST.get("id_number", ""))
    except ValueError:
        id_number = ""
    if id_number:
        query["subject"] = subject_key(id_number)
    return redirect(f"{request.path}?{query.urlencode()}")
