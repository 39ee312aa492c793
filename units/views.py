from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign import services
from campaign.current import campaign_for_request
from campaign.models import Case
from privacy.reveal import keep_masked, masked_details, masked_initial, revealed_now
from privacy.scope import hide_residents_of
from privacy.search import search_query, search_redirect

from .forms import MemberFilterForm, MemberForm, MemberStatusForm, named_in
from .models import Member, Unit


@login_required
def home(request):
    """The signed-in user's units, each with its size, as the starting point."""
    units = (
        Unit.objects.visible_to(request.user)
        .annotate(active_members=Count("members", filter=Q(members__active=True)))
        .select_related("parent")
    )
    return render(
        request,
        "units/home.html",
        {
            "units": units,
            "roles": request.user.unit_roles.select_related("unit"),
            "own_member": Member.objects.own_of(request.user).select_related("unit").first(),
        },
    )


@login_required
def unit_detail(request, code):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), code=code)
    children = unit.children.visible_to(request.user).annotate(
        active_members=Count("members", filter=Q(members__active=True))
    )
    members = unit.members.order_by("-active", "full_name")
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "members": members,
            "changes": unit.changes.standing().select_related("target"),
        },
    )


# --- Members ---------------------------------------------------------------------------------
# Scope: a member is visible when their unit is; changed only in units the user may edit
# (a viewer gets 403, a member outside the user's units 404).

PAGE_SIZE = 50


def _member_or_error(user, pk, *, edit=False):
    member = get_object_or_404(Member.objects.visible_to(user).select_related("unit"), pk=pk)
    if edit and not Member.objects.editable_by(user).filter(pk=pk).exists():
        raise PermissionDenied(_("Your role lets you read these lists, not change them."))
    return member


def _current_campaign(request):
    return campaign_for_request(request)


@login_required
def member_list(request):
    if request.method == "POST":  # the search: no ID number in the address
        return search_redirect(request, MemberFilterForm.base_fields)
    campaign = _current_campaign(request)
    filters = MemberFilterForm(search_query(request), user=request.user)
    members = filters.filter(Member.objects.visible_to(request.user)).select_related("unit")
    # Each member's cases counted by a subquery on the member index, for the page's members
    # only (not every case joined to every member before the page is cut out of them).
    cases = Case.objects.filter(campaign=campaign, member=OuterRef("pk")).order_by()
    members = members.annotate(
        case_count=Coalesce(Subquery(cases.values("member").annotate(n=Count("pk")).values("n")), 0)
    ).order_by("unit__path", "full_name", "pk")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "units/member_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "campaign": campaign,
            "can_edit": Unit.objects.editable_by(request.user).exists(),
        },
    )


@login_required
def member_detail(request, pk):
    member = _member_or_error(request.user, pk)
    campaign = _current_campaign(request)
    cases = member.cases.filter(campaign=campaign).select_related("resident").order_by("-pk")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = hide_residents_of(request.user, page.object_list)
    # Masked for everyone; whole once after a reveal (recorded by privacy.views).
    revealed = revealed_now(request, f"member-page:{member.pk}")
    return render(
        request,
        "units/member_detail.html",
        {
            "member": member,
            "page": page,
            "campaign": campaign,
            "can_edit": Member.objects.editable_by(request.user).filter(pk=pk).exists(),
            "masked": None if revealed else masked_details(member),
            # A member sees their own page but not always their unit's.
            "unit_visible": Unit.objects.visible_to(request.user)
            .filter(pk=member.unit_id)
            .exists(),
        },
    )


def _member_form_page(request, form, member=None):
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            if member is None:
                member = services.member_create(user=request.user, **fields)
                messages.success(request, _("Member added: %(name)s.") % {"name": member})
            else:
                member = services.member_update(member=member, user=request.user, **fields)
                messages.success(request, _("Changes saved: %(name)s.") % {"name": member})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            if "another" in request.POST:
                return redirect("units:member_create")
            return redirect(member)
    return render(request, "units/member_form.html", {"form": form, "member": member})


@login_required
def member_create(request):
    if not Unit.objects.editable_by(request.user).exists():
        raise PermissionDenied(_("Your role lets you read these lists, not change them."))
    unit = named_in(Unit.objects.editable_by(request.user), request.GET.get("unit"), field="code")
    form = MemberForm(request.POST or None, user=request.user, initial={"unit": unit})
    return _member_form_page(request, form)


@login_required
def member_edit(request, pk):
    member = _member_or_error(request.user, pk, edit=True)
    held = {"id_number": member.id_number, "phone": member.phone}
    # The whole numbers only after a recorded reveal.
    initial = masked_initial(request, f"member:{member.pk}", held)
    form = MemberForm(request.POST or None, user=request.user, instance=member, initial=initial)
    keep_masked(form, held)
    # The form must not write on the instance before the service does (it stamps and
    # refreshes); ModelForm validation sets attributes, so the service gets a fresh copy.
    return _member_form_page(request, form, Member.objects.get(pk=pk) if form.is_bound else member)


@login_required
@require_POST
def member_deactivate(request, pk):
    """Mark a member as former (or active again): `active` in the POST, "0" or "1"."""
    member = _member_or_error(request.user, pk, edit=True)
    form = MemberStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the member is active or former."))
        return redirect(member)
    active = form.cleaned_data["active"]
    services.member_deactivate(member=member, user=request.user, active=active)
    if active:
        messages.success(request, _("%(name)s is an active member again.") % {"name": member})
    else:
        messages.success(
            request,
            _(
                "%(name)s is now a former member: their cases still count, but they no longer "
                "count in their unit's size."
            )
            % {"name": member},
        )
    return redirect(member)


@login_required
def member_delete(request, pk):
    member = _member_or_error(request.user, pk, edit=True)
    case_count = member.cases.count()
    if request.method == "POST":
        try:
            services.member_delete(member=member, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(member)
        messages.success(request, _("Member deleted: %(name)s.") % {"name": member})
        return redirect("units:member_list")
    return render(
        request, "units/member_confirm_delete.html", {"member": member, "case_count": case_count}
    )
