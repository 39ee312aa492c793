"""Residents and cases on the web: lists, the case form, quick entry on a phone, batch entry
from a paper list, and the ID-number look-up that warns of residents already guided.

Scope: a user sees a case when its guide is in a unit they may see, a resident when any of
their cases is visible, and changes only cases whose guide is in a unit they may edit.
Viewers read; a write by a viewer is refused (403); an object outside the user's units is
not found (404).
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dashboards.figures import kept_count
from privacy.masking import mask_id_number
from privacy.models import PersonalDataAccess
from privacy.ratelimit import lookups_left
from privacy.reveal import keep_masked, masked_details, masked_initial, revealed_now
from privacy.scope import as_seen_by, case_initial_as_seen_by, hide_outside_scope, resident_search
from privacy.search import search_query, search_redirect
from units import normalize
from units.forms import named_in
from units.models import Member, Unit

from . import offline, rules, services, verification
from .current import campaign_for_request
from .forms import BatchFormSet, BatchHeaderForm, CaseForm, QuickCaseForm, ResidentFilterForm
from .models import Case, Resident

PAGE_SIZE = 50


# --- Scope helpers --------------------------------------------------------------------------


def current_campaign(request):
    """The active campaign the user works on (campaign.current): 404 when none is active."""
    campaign = campaign_for_request(request)
    if campaign is None:
        raise Http404(_("No campaign is active."))
    return campaign


def visible_residents(user):
    """Residents with at least one case in a unit `user` may see."""
    return Resident.objects.filter(pk__in=Case.objects.visible_to(user).values("resident_id"))


def require_editor(user):
    """A write needs a unit the user may edit, or the user's own member record (a member
    records their own cases); viewers are refused."""
    if not Member.objects.guides_for(user).exists():
        raise PermissionDenied(_("Your role lets you read these lists, not change them."))


def editable_case_or_error(user, pk):
    """The case, if the user may edit it: 404 outside their units, 403 for a viewer."""
    case = get_object_or_404(
        Case.objects.visible_to(user).select_related("resident", "member__unit", "campaign"), pk=pk
    )
    if not Case.objects.editable_by(user).filter(pk=pk).exists():
        raise PermissionDenied(_("Your role lets you read these lists, not change them."))
    return case


def query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def context(request, campaign, **extra):
    return {"campaign": campaign, "campaigns": request.campaigns, **extra}


def save_case(request, form, write):
    """A case form sent and valid, written by `write` (a service function given the guide,
    the resident's and the case's details, and the user). Returns the case, or None when
    nothing was written (the form then carries the reason)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return write(
            member=form.cleaned_data["member"],
            resident_data=form.resident_data(),
            case_data=form.case_data(),
            user=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


def announce_saved(request, form, case, verb):
    messages.success(request, verb % {"name": form.cleaned_data.get("full_name") or case.resident})
    for warning in form.warnings:
        messages.warning(request, warning)
    if case.resident_details_kept:
        messages.warning(
            request,
            _(
                "This resident was already recorded with other details by another unit; "
                "those details were kept."
            ),
        )


# --- Lists and pages ------------------------------------------------------------------------


def _residents_counted(user, campaign, cases, filters, search):
    """The resident list's length without a name search. Not a million residents probed
    every request: the residents listed are those of the visible cases, counted from the
    cases; for a user who sees every unit, every case of the campaign is visible, counted
    without joining units."""
    counted = cases
    if Unit.objects.sees_every_unit(user):
        _all, counted = filters.filter(
            Resident.objects.none(), Case.objects.of_campaign(campaign), search=search
        )
    return kept_count(counted.order_by().values("resident_id").distinct())


def _with_visible_cases(user, residents, cases, campaign):
    """The page's residents with their cases the user sees (`visible_cases`), each with its
    verdict and its activation-list status, and other trees' details hidden."""
    residents = residents.prefetch_related(
        Prefetch(
            "cases",
            queryset=verification.with_status(
                rules.with_verdict(
                    cases.select_related("member__unit").order_by("pk"),
                    campaign,
                    timezone.localdate(),
                ),
                campaign,
            ),
            to_attr="visible_cases",
        )
    )
    return hide_outside_scope(user, residents)


@login_required
def resident_list(request):
    if request.method == "POST":  # the search: no ID number in the address
        return search_redirect(request, ResidentFilterForm.base_fields)
    campaign = current_campaign(request)
    cases = Case.objects.visible_to(request.user).of_campaign(campaign)
    filters = ResidentFilterForm(search_query(request), user=request.user)
    search = partial(resident_search, request.user)
    residents, cases = filters.filter(Resident.objects.all(), cases, search=search)
    # Residents in name order (an index) that have a visible case, probed case by case.
    residents = residents.filter(Exists(cases.filter(resident_id=OuterRef("pk")))).order_by(
        "full_name", "pk"
    )
    paginator = Paginator(residents, PAGE_SIZE)
    if not (filters.is_valid() and filters.cleaned_data["q"]):  # a few lists, kept counts
        paginator.count = _residents_counted(request.user, campaign, cases, filters, search)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = _with_visible_cases(request.user, page.object_list, cases, campaign)
    return render(
        request,
        "campaign/resident_list.html",
        context(
            request,
            campaign,
            page=page,
            filters=filters,
            can_edit=Member.objects.guides_for(request.user).exists(),
            query=query_without_page(request),
        ),
    )


@login_required
def resident_detail(request, pk):
    campaign = current_campaign(request)
    resident = get_object_or_404(visible_residents(request.user), pk=pk)
    cases = (
        Case.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("member__unit", "campaign")
    )
    editable = set(
        Case.objects.editable_by(request.user)
        .filter(resident=resident)
        .values_list("pk", flat=True)
    )
    others = resident.cases.of_campaign(campaign).exclude(pk__in=[c.pk for c in cases]).count()
    resident = as_seen_by(request.user, resident)
    # Masked for everyone; whole once after a reveal (recorded by privacy.views).
    revealed = not resident.details_hidden and revealed_now(request, f"resident:{resident.pk}")
    return render(
        request,
        "campaign/resident_detail.html",
        context(
            request,
            campaign,
            resident=resident,
            cases=cases,
            editable=editable,
            other_guides=others,
            masked=None if revealed else masked_details(resident),
        ),
    )


# --- Writing cases --------------------------------------------------------------------------


@login_required
def case_create(request):
    require_editor(request.user)
    campaign = current_campaign(request)
    initial = {}
    # Another guide for a resident the user's units already list: the ID number masked (sent
    # back untouched, it means the one held), the name as the user's tree recorded it.
    resident = named_in(visible_residents(request.user), request.GET.get("resident"))
    if resident:
        shown = as_seen_by(request.user, resident)
        initial = {
            "id_number": mask_id_number(resident.id_number),
            "full_name": "" if shown.details_hidden else shown.full_name,
        }
    form = CaseForm(request.POST or None, user=request.user, campaign=campaign, initial=initial)
    if resident:
        keep_masked(form, {"id_number": resident.id_number})
    case = save_case(request, form, partial(services.case_create, campaign=campaign))
    if case:
        announce_saved(request, form, case, _("Saved: %(name)s."))
        if "another" in request.POST:
            return redirect("campaign:case_create")
        return redirect(case.resident)
    return render(request, "campaign/case_form.html", context(request, campaign, form=form))


@login_required
def case_edit(request, pk):
    case = editable_case_or_error(request.user, pk)
    campaign = case.campaign
    current_campaign(request)
    initial = masked_initial(
        request, f"case:{case.pk}", case_initial_as_seen_by(request.user, case)
    )
    form = CaseForm(
        request.POST or None, user=request.user, campaign=campaign, case=case, initial=initial
    )
    keep_masked(form, {"id_number": case.resident.id_number, "phone": case.resident.phone})
    saved = save_case(request, form, partial(services.case_update, case=case))
    if saved:
        announce_saved(request, form, saved, _("Changes saved: %(name)s."))
        return redirect(saved.resident)
    return render(
        request, "campaign/case_form.html", context(request, campaign, form=form, case=case)
    )


@login_required
def case_delete(request, pk):
    case = editable_case_or_error(request.user, pk)
    shown = as_seen_by(request.user, case.resident)  # not another unit's typing
    if request.method == "POST":
        resident = case.resident
        services.case_delete(case=case, user=request.user)
        messages.success(
            request,
            _("Deleted: %(name)s guided by %(member)s.")
            % {"name": shown.full_name, "member": case.member.full_name},
        )
        if visible_residents(request.user).filter(pk=resident.pk).exists():
            return redirect(resident)
        return redirect("campaign:resident_list")
    case.resident = shown
    return render(request, "campaign/case_confirm_delete.html", {"case": case})


@login_required
def quick_entry(request):
    """A member's cases at an outreach day, one after another, on a phone."""
    require_editor(request.user)
    campaign = current_campaign(request)
    form = QuickCaseForm(
        request.POST or None,
        user=request.user,
        campaign=campaign,
        initial={
            "member": request.session.get("quick_member"),
            "activity": request.session.get("quick_activity"),
        },
    )
    case = save_case(request, form, partial(services.case_create, campaign=campaign))
    if case:
        request.session["quick_member"] = case.member_id
        request.session["quick_activity"] = case.activity_id  # the next resident, same day
        announce_saved(request, form, case, _("Saved: %(name)s. Ready for the next resident."))
        return redirect("campaign:quick_entry")
    return render(
        request,
        "campaign/quick_entry.html",
        context(request, campaign, form=form, offline_texts=offline.page_texts()),
    )


def _batch_rows(member, header, filled):
    """The paper list's filled rows as `services.cases_create` takes them: each row's
    resident and case, with what the list's header gives every case."""
    return [
        {
            "member": member,
            "resident_data": {k: form.cleaned_data[k] for k in ("id_number", "full_name", "phone")},
            "case_data": {
                **{k: form.cleaned_data[k] for k in ("eid_level", "activated_on", "portal_used")},
                **header.case_data(),
            },
        }
        for form in filled
    ]


def _announce_batch(request, member, created, warnings):
    messages.success(
        request,
        _("%(count)d cases saved for %(member)s.")
        % {"count": len(created), "member": member.full_name},
    )
    for number, warning in warnings:
        messages.warning(
            request, _("Row %(row)d: %(warning)s") % {"row": number, "warning": warning}
        )


@login_required
def batch_entry(request):
    """A paper list copied in rows: blank rows are ignored, and either every filled row is
    saved or none is."""
    require_editor(request.user)
    campaign = current_campaign(request)
    header = BatchHeaderForm(
        request.POST or None, user=request.user, campaign=campaign, prefix="list"
    )
    member = header.cleaned_data["member"] if header.is_bound and header.is_valid() else None
    rows = BatchFormSet(request.POST or None, campaign=campaign, member=member, prefix="rows")
    if request.method == "POST" and all([header.is_valid(), rows.is_valid()]):
        filled = rows.filled_forms()
        try:
            created = services.cases_create(
                campaign=campaign, user=request.user, rows=_batch_rows(member, header, filled)
            )
        except ValidationError as error:
            filled[error.params["row"]].add_error(None, error)
        else:
            _announce_batch(request, member, created, rows.warnings)
            return redirect(reverse("campaign:batch_entry"))
    return render(
        request, "campaign/batch_entry.html", context(request, campaign, header=header, rows=rows)
    )


# --- Look-up while typing -------------------------------------------------------------------


def _lookup_answer(user, campaign, id_number):
    """What the look-up answers about a valid `id_number` (resident_lookup): its warnings,
    whether a resident has it, and the guides and the resident's name only where `user` may
    see them; other units' guides only counted."""
    answer = {
        "valid": True,
        "id_number": id_number,
        "warnings": normalize.check_id_number(id_number),
        "exists": False,
        "resident": None,
        "guides": [],
        "other_guides": 0,
    }
    resident = Resident.objects.filter(id_number=id_number).only("pk", "on_roster").first()
    if resident is None:
        return answer
    answer["exists"] = True
    answer["on_roster"] = resident.on_roster
    cases = resident.cases.of_campaign(campaign)
    visible = list(cases.visible_to(user).select_related("member__unit"))
    answer["other_guides"] = cases.count() - len(visible)
    if visible:
        answer["resident"] = {
            "full_name": as_seen_by(user, Resident.objects.get(pk=resident.pk)).full_name,
            "url": reverse("campaign:resident_detail", args=[resident.pk]),
        }
        answer["guides"] = [
            {"member_id": c.member_id, "name": c.member.full_name, "unit": c.member.unit.name}
            for c in visible
        ]
    elif visible_residents(user).filter(pk=resident.pk).exists():
        # Guided in another campaign by someone in the user's units.
        answer["resident"] = {
            "full_name": as_seen_by(user, Resident.objects.get(pk=resident.pk)).full_name,
            "url": reverse("campaign:resident_detail", args=[resident.pk]),
        }
    return answer


@never_cache
@login_required
@require_POST
def resident_lookup(request):
    """What the form may tell about a typed ID number before saving (JSON).

    POST (the ID number stays out of URLs and server logs). Only for users who may enter
    cases. It says whether the number is valid (and its warnings), whether it is on a member
    roster, and how many members guide that resident in the campaign. It names the resident
    and the guides only where the user may see them: a resident none of whose cases is in
    the user's units is reported as "guided by N members in other units", nothing more.
    """
    require_editor(request.user)
    campaign = current_campaign(request)
    if lookups_left(request.user) <= 0:
        return JsonResponse(
            {"valid": False, "error": _("Too many look-ups in a minute: wait a moment.")}
        )
    try:
        id_number = normalize.normalize_id_number(request.POST.get("id_number", ""))
    except ValueError as error:
        return JsonResponse({"valid": False, "error": str(error)})
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.LOOKUP,
        what=_("ID-number look-up while entering a case"),
        rows=Resident.objects.filter(id_number=id_number).count(),
        request=request,
        id_number=id_number,
    )
    return JsonResponse(_lookup_answer(request.user, campaign, id_number))
