"""Results pages (a unit's figures, a member's cases and why each is or is not credited) and
the register of double claims, where district administrators resolve them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaign import rules
from campaign.claims import (
    double_claim_register,
    double_claimed_cases,
    double_claimed_residents,
    may_resolve,
    resolve_double_claim,
    undo_resolution,
)
from campaign.models import Case, DoubleClaimResolution, Resident
from campaign.results import KINDS
from dashboards.figures import figures_for, kept_count
from dashboards.forms import FiguresFilter
from privacy.masking import mask_id_number
from privacy.scope import counted_not_named, hide_residents_of, register_rows_as_seen_by
from units.forms import PlainTextField
from units.models import Member, Unit, UnitKind


@login_required
def results_index(request):
    """The results of every top unit the user may see, and the campaign's figures over them."""
    form = FiguresFilter(request)
    campaign, as_of, since, _period = form.window()
    visible = Unit.objects.visible_to(request.user)
    # The overview's kept figures (one computation per figures version, shared with it).
    results = figures_for(campaign, as_of=as_of, since=since, units=visible).results
    if not results.units and (own := Member.objects.filter(user=request.user).first()):
        # A member's account with no unit role: their own results, not an empty district.
        url = reverse("reports:member_cases", args=[own.pk])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    shown = {unit.pk for unit in results.units}
    tops = [unit for unit in results.units if unit.parent_id not in shown]
    return render(
        request,
        "reports/results_index.html",
        {
            "form": form,
            "campaign": campaign,
            "as_of": as_of,
            "since": since,
            "results": results,
            "units": tops,
            "kinds": _kind_rows(results.by_kind),
        },
    )


@login_required
def unit_results(request, code):
    """One unit's figures (its sub-units included), its sub-units, and its own members."""
    # The unit and, in the same query, the unit above when the user may open its page (a
    # commune's secretary may not): the crumbs link to it only then.
    found = {
        u.code: u
        for u in Unit.objects.visible_to(request.user).filter(Q(code=code) | Q(children__code=code))
    }
    unit = found.pop(code, None)
    if unit is None:
        raise Http404
    parent = next(iter(found.values()), None)
    form = FiguresFilter(request)
    campaign, as_of, since, _period = form.window()
    # The kept figures of the unit's subtree (one computation per figures version).
    results = figures_for(
        campaign, as_of=as_of, since=since, units=Unit.objects.subtree(unit)
    ).results
    figures = results.unit(unit.code)
    return render(
        request,
        "reports/unit_results.html",
        {
            "form": form,
            "campaign": campaign,
            "as_of": as_of,
            "since": since,
            "unit": unit,
            "figures": figures,
            "kinds": _kind_rows(figures.by_kind),
            "children": [u for u in results.units if u.parent_id == unit.pk],
            "members": [m for m in results.members if m.unit_id == unit.pk],
            "parent": parent,
            "query": request.GET.urlencode(),
        },
    )


def _kind_rows(by_kind):
    return [
        (UnitKind(kind).label, tally, tally.average())
        for kind in KINDS
        if (tally := by_kind.get(kind)) and tally.members_listed
    ]


@login_required
def member_cases(request, pk):
    """A member's cases and, for each, whether it is credited and every reason it is not:
    the answer to "why does my list show 48 and not 50?"."""
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    form = FiguresFilter(request)
    campaign, as_of, since, _period = form.window()
    verdicts = rules.explain(
        Case.objects.filter(member=member).order_by("resident__full_name", "pk"),
        campaign,
        as_of,
        since,
    )
    verdicts = counted_not_named(request.user, verdicts, campaign)  # other trees: counted
    hide_residents_of(request.user, [v.case for v in verdicts])  # as the user's units typed them
    failing = {}
    for verdict in verdicts:
        for code, _text in verdict.reasons:
            failing[code] = failing.get(code, 0) + 1
    reasons = [
        (str(rule.reason), failing[rule.code]) for rule in rules.RULES if rule.code in failing
    ]
    full = sum(v.credited_full for v in verdicts)
    return render(
        request,
        "reports/member_cases.html",
        {
            "form": form,
            "campaign": campaign,
            "as_of": as_of,
            "since": since,
            "member": member,
            "verdicts": [(v, mask_id_number(v.case.resident.id_number)) for v in verdicts],
            "reasons": reasons,
            "credited_full": full,
            "credited_eid": sum(v.credited_eid for v in verdicts),
            "quota": campaign.quota_for(member.category),
            "query": request.GET.urlencode(),
            "unit_visible": Unit.objects.visible_to(request.user)
            .filter(pk=member.unit_id)
            .exists(),
        },
    )


class ResolutionForm(forms.Form):
    awarded_to = forms.TypedChoiceField(
        label=gettext_lazy("Credit the case to"), coerce=int, empty_value=None, required=False
    )
    reason = PlainTextField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, claims, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["awarded_to"].choices = [
            ("", _("Nobody (confirm that nobody is credited)"))
        ] + [
            (case.member_id, f"{case.member.full_name} · {case.member.unit.name}")
            for case in claims
        ]


@login_required
def double_claims(request):
    """The register of residents claimed by two or more members of the units the user sees."""
    form = FiguresFilter(request)
    campaign = form.window().campaign
    visible = Unit.objects.visible_to(request.user)
    residents = double_claimed_residents(campaign, visible)
    paginator = Paginator(residents, 25)
    # Counted once per figures version, from the double-claimed cases' own index.
    paginator.count = kept_count(
        double_claimed_cases(campaign, visible).values("resident_id").distinct()
    )
    page = paginator.get_page(request.GET.get("page"))
    entries = double_claim_register(campaign, page.object_list)
    administered = set(Unit.objects.administered_by(request.user).values_list("pk", flat=True))
    rows = []
    for entry in entries:
        may = may_resolve(request.user, entry.units, administered=administered)
        rows.append(
            {
                "entry": entry,
                "id_number": mask_id_number(entry.resident.id_number),
                "may_resolve": may,
                "form": ResolutionForm(claims=entry.claims, prefix=f"r{entry.resident.pk}")
                if may and not entry.resolution
                else None,
            }
        )
    rows = register_rows_as_seen_by(request.user, rows)  # other trees counted, not named
    return render(
        request,
        "reports/double_claims.html",
        {
            "campaign": campaign,
            "page": page,
            "rows": rows,
            "form": form,
        },
    )


@login_required
@require_POST
def resolve(request, resident_pk):
    form = FiguresFilter(request)
    campaign = form.window().campaign
    resident = get_object_or_404(
        double_claimed_residents(campaign, Unit.objects.visible_to(request.user)), pk=resident_pk
    )
    claims = double_claim_register(campaign, [resident])[0].claims
    decision = ResolutionForm(request.POST, claims=claims, prefix=f"r{resident.pk}")
    if not decision.is_valid():
        messages.error(request, _("Choose whom to credit and give a reason."))
        return redirect(_register_url(campaign))
    awarded = decision.cleaned_data["awarded_to"]
    try:
        resolve_double_claim(
            campaign=campaign,
            resident=resident,
            reason=decision.cleaned_data["reason"],
            awarded_to=next((c.member for c in claims if c.member_id == awarded), None)
            if awarded
            else None,
            user=request.user,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, _("The double claim of %(name)s is resolved.") % {"name": resident.full_name}
        )
    return redirect(_register_url(campaign))


@login_required
@require_POST
def undo(request, pk):
    resolution = get_object_or_404(
        DoubleClaimResolution.objects.filter(
            resident__in=Resident.objects.filter(
                cases__member__unit__in=Unit.objects.visible_to(request.user)
            )
        )
        .distinct()
        .select_related("campaign", "resident"),
        pk=pk,
    )
    try:
        undo_resolution(resolution=resolution, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("The decision on %(name)s is undone: nobody is credited until it is decided again.")
            % {"name": resolution.resident.full_name},
        )
    return redirect(_register_url(resolution.campaign))


def _register_url(campaign):
    from django.urls import reverse

    return f"{reverse('reports:double_claims')}?campaign={campaign.slug}"
