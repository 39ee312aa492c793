"""The register of double claims, where district administrators resolve them. (The results
pages are the dashboards' now: `/tong-quan/`; the old addresses lead there.)"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaign.claims import (
    double_claim_register,
    double_claimed_cases,
    double_claimed_residents,
    may_resolve,
    resolve_double_claim,
    undo_resolution,
)
from campaign.models import DoubleClaimResolution, Resident
from dashboards.figures import kept_count
from dashboards.forms import FiguresFilter
from privacy.masking import mask_id_number
from privacy.scope import register_rows_as_seen_by
from units.forms import PlainTextField
from units.models import Unit


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
    return f"{reverse('reports:double_claims')}?campaign={campaign.slug}"
