"""Double claims: the register of residents claimed by two or more members, and the district
administrator's resolutions, which change who is credited.

The rule inputs kept on each case (claimants, resident_excluded, claim_awarded) are defined
in campaign.rule_inputs; their refresh and checks are importable from here too.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit

from . import rules
from .models import Case, DoubleClaimResolution, Resident
from .rule_inputs import (
    RULE_INPUTS,
    drift,
    refresh_rule_inputs,
    residents_guided_in,
    residents_with_id_numbers,
)

__all__ = [
    "DoubleClaim",
    "double_claim_register",
    "double_claimed_residents",
    "may_resolve",
    "resolve_double_claim",
    "undo_resolution",
    # The rule inputs (campaign.rule_inputs), importable from here as before.
    "RULE_INPUTS",
    "drift",
    "refresh_rule_inputs",
    "residents_guided_in",
    "residents_with_id_numbers",
]


# --- Double claims: the register, and the district administrator's resolutions -------------


@dataclass
class DoubleClaim:
    """A resident claimed by two or more members, the claims, and the standing resolution."""

    resident: Resident
    claims: list  # Case objects, member and unit loaded
    resolution: DoubleClaimResolution | None
    history: list  # undone resolutions, newest first

    @property
    def units(self):
        return {case.member.unit for case in self.claims}


def double_claimed_cases(campaign, units):
    """The cases of `campaign` whose resident another member also claims, guided by members
    of `units` (a Unit queryset): a partial index holds them."""
    return Case.objects.filter(rules.is_double_claim(), campaign=campaign, member__unit__in=units)


def double_claimed_residents(campaign, units):
    """Residents claimed twice or more in `campaign` by members of `units` (a Unit queryset),
    in name order: the register's rows, to paginate."""
    return Resident.objects.filter(
        pk__in=double_claimed_cases(campaign, units).values("resident_id")
    ).order_by("full_name", "pk")


def double_claim_register(campaign, residents):
    """The register's entries for `residents` (a page of them): three queries in all."""
    residents = list(residents)
    ids = [resident.pk for resident in residents]
    claims, standing, history = {}, {}, {}
    for case in (
        Case.objects.filter(campaign=campaign, resident_id__in=ids, claimants__gt=1)
        .select_related("member__unit")
        .order_by("member__full_name", "pk")
    ):
        claims.setdefault(case.resident_id, []).append(case)
    for resolution in DoubleClaimResolution.objects.filter(
        campaign=campaign, resident_id__in=ids
    ).select_related("awarded_to__unit", "resolved_by", "undone_by"):
        if resolution.undone_at is None:
            standing[resolution.resident_id] = resolution
        else:
            history.setdefault(resolution.resident_id, []).append(resolution)
    return [
        DoubleClaim(r, claims.get(r.pk, []), standing.get(r.pk), history.get(r.pk, []))
        for r in residents
    ]


def may_resolve(user, claim_units, *, administered=None):
    """Only an administrator of every claimant's unit (or a superuser) decides a double claim.
    `administered`: the ids of the units `user` administers, when already read (a page of
    the register reads them once for all its rows)."""
    if getattr(user, "is_superuser", False):
        return getattr(user, "is_active", False)
    unit_ids = {unit.pk for unit in claim_units}
    if not unit_ids:
        return False
    if administered is None:
        administered = Unit.objects.administered_by(user).filter(pk__in=unit_ids)
        administered = set(administered.values_list("pk", flat=True))
    return unit_ids <= set(administered)


@transaction.atomic
def resolve_double_claim(*, campaign, resident, awarded_to, reason, user):
    """Record the district administrator's decision on a double claim: credit `awarded_to`
    (one of the claimants) or, with None, confirm that nobody is credited. Raises
    ValidationError for a decision that cannot stand, PermissionDenied for a user who does
    not administer every claimant's unit."""
    claims = list(
        Case.objects.select_for_update()
        .filter(campaign=campaign, resident=resident, claimants__gt=1)
        .select_related("member__unit")
    )
    if not claims:
        raise ValidationError(
            _("This resident is not claimed by two or more members."), code="not_double_claimed"
        )
    if not may_resolve(user, {case.member.unit for case in claims}):
        raise PermissionDenied(_("Only an administrator of every claimant's unit may decide."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the decision."), code="reason_required")
    if awarded_to is not None and awarded_to.pk not in {case.member_id for case in claims}:
        raise ValidationError(
            _("The case can only be credited to one of the claimants."), code="not_a_claimant"
        )
    try:
        with transaction.atomic():
            resolution = DoubleClaimResolution.objects.create(
                campaign=campaign,
                resident=resident,
                awarded_to=awarded_to,
                reason=reason,
                resolved_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise ValidationError(
            _("This double claim is already resolved."), code="already_resolved"
        ) from None
    refresh_rule_inputs(resident_ids=[resident.pk])
    return resolution


@transaction.atomic
def undo_resolution(*, resolution, user):
    """Withdraw a standing resolution: the double claim credits nobody again until decided."""
    resolution = DoubleClaimResolution.objects.select_for_update().get(pk=resolution.pk)
    if resolution.undone_at is not None:
        raise ValidationError(_("This decision was already undone."), code="already_undone")
    units = {
        case.member.unit
        for case in Case.objects.filter(
            campaign_id=resolution.campaign_id, resident_id=resolution.resident_id
        )
        .filter(Q(claimants__gt=1) | Q(member_id=resolution.awarded_to_id))
        .select_related("member__unit")
    }
    if not may_resolve(user, units):
        raise PermissionDenied(_("Only an administrator of every claimant's unit may decide."))
    resolution.undone_at = timezone.now()
    resolution.undone_by = user if getattr(user, "is_authenticated", False) else None
    resolution.save(update_fields=["undone_at", "undone_by"])
    refresh_rule_inputs(resident_ids=[resolution.resident_id])
    return resolution
