"""Outreach activities on the web: the list, record one (or a weekly series of Saturdays),
change one, and the day's activities as JSON for a page that works offline.

Scope (campaign.activities): a user sees the activities of their units, of the units above
them and of their own unit; changes those one of whose organisers they may edit. Members of
another tree taking part are counted, not named.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from config.formats import day
from units.models import Unit

from . import activity_services, rules
from .activities import Activity
from .activity_forms import (
    ActivityChoiceField,
    ActivityFilterForm,
    ActivityForm,
    offer_activities,
)
from .models import Case
from .views import context, current_campaign, query_without_page

PAGE_SIZE = 50


def require_activity_editor(user):
    if not Unit.objects.editable_by(user).exists():
        raise PermissionDenied(_("Your role lets you read these lists, not change them."))


@login_required
def activity_list(request):
    campaign = current_campaign(request)
    filters = ActivityFilterForm(request.GET or None, campaign=campaign)
    today = timezone.localdate()
    activities = filters.filter(
        Activity.objects.visible_to(request.user).of_campaign(campaign)
    ).order_by("-starts_on", "-pk")
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(
        Activity.objects.filter(pk__in=[a.pk for a in page.object_list])
        .select_related("kind")
        .prefetch_related("organisers")
        .annotate(n_members=Count("members", distinct=True))
        .order_by("-starts_on", "-pk")
    )
    counts = case_counts(campaign, today, [a.pk for a in rows])
    for activity in rows:
        activity.n_cases, activity.n_credited = counts.get(activity.pk, (0, 0))
    editable = set(
        Activity.objects.editable_by(request.user)
        .filter(pk__in=[a.pk for a in rows])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "campaign/activity_list.html",
        context(
            request,
            campaign,
            page=page,
            rows=rows,
            filters=filters,
            editable=editable,
            can_add=Unit.objects.editable_by(request.user).exists(),
            query=query_without_page(request),
        ),
    )


def case_counts(campaign, as_of, pks):
    """{activity pk: (cases, credited full cases as of `as_of`)} for the activities `pks`:
    every case naming them, of any unit (counted, not named)."""
    found = (
        Case.objects.filter(campaign=campaign, activity_id__in=pks)
        .order_by()
        .values("activity_id")
        .annotate(n=Count("pk"), full=Count("pk", filter=rules.credited_full(campaign, as_of)))
    )
    return {row["activity_id"]: (row["n"], row["full"]) for row in found}


@login_required
def activity_create(request):
    require_activity_editor(request.user)
    campaign = current_campaign(request)
    form = ActivityForm(
        request.POST or None,
        user=request.user,
        campaign=campaign,
        instance=Activity(campaign=campaign),
        initial={"starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, days=form.saturdays())
        if saved:
            if len(saved) > 1:
                messages.success(
                    request,
                    _("Saved: %(count)d activities, one each Saturday from %(first)s to %(last)s.")
                    % {
                        "count": len(saved),
                        "first": day(saved[0].starts_on),
                        "last": day(saved[-1].starts_on),
                    },
                )
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": saved[0]})
            return redirect("campaign:activity_list")
    return render(request, "campaign/activity_form.html", context(request, campaign, form=form))


@login_required
def activity_edit(request, pk):
    campaign = current_campaign(request)
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("kind", "campaign"), pk=pk
    )
    if not Activity.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied(_("Your role lets you read these lists, not change them."))
    form = ActivityForm(
        request.POST or None, user=request.user, campaign=activity.campaign, instance=activity
    )
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                activity_services.activity_delete(activity=activity, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect(activity)
            messages.success(request, _("Deleted: %(name)s.") % {"name": activity})
            return redirect("campaign:activity_list")
        if form.is_valid() and _save(request, form):
            messages.success(request, _("Changes saved: %(name)s.") % {"name": form.instance})
            return redirect("campaign:activity_list")
    others = len(form.kept_members)
    partners = form.kept_organisers
    return render(
        request,
        "campaign/activity_form.html",
        context(
            request,
            campaign,
            form=form,
            activity=activity,
            other_members=others,
            partners=partners,
            cases=activity.cases.count(),
        ),
    )


def _save(request, form, days=None):
    """Write the form's activity (and its series); None, the form saying why, if refused."""
    data = form.cleaned_data
    try:
        return activity_services.activity_save(
            activity=form.instance,
            organisers=form.all_organisers(),
            members=[*data["members"], *form.kept_members],
            user=request.user,
            days=days,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@never_cache
@login_required
def activities_today(request):
    """The activities the user may name on a case today and in the last days (JSON), the
    day's first: what an entry page working offline fetches while it is online."""
    campaign = current_campaign(request)
    field = ActivityChoiceField()
    offered = offer_activities(field, user=request.user, campaign=campaign)
    today = timezone.localdate()
    return JsonResponse(
        {
            "campaign": campaign.slug,
            "day": today.isoformat(),
            "activities": [
                {
                    "id": a.pk,
                    "code": a.code,
                    "name": str(a),
                    "kind": a.kind.code,
                    "kind_name": a.kind.name,
                    "starts_on": a.starts_on.isoformat(),
                    "ends_on": a.ends_on.isoformat() if a.ends_on else None,
                    "place": a.place,
                    "today": a.starts_on <= today <= (a.ends_on or a.starts_on),
                }
                for a in offered
            ],
        }
    )
