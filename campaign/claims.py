"""The rule inputs kept ready on each case at write time, so that every figure is one
aggregate over the cases table (see campaign.rules).

Stored on each case, for its campaign:
- `claimants`: how many members list this case's resident (within the same unit kind when
  the campaign does not count double claims across kinds);
- `resident_excluded`: the resident is declared a cadre / member / civil servant / armed
  forces, or (if the campaign says so) their ID number is on a member roster;
- `claim_awarded`: a standing resolution of a double claim credits this case.
And on each resident, `on_roster`.

Every write path (forms, import, admin, deletes, roster changes, resolutions) calls
`refresh_rule_inputs` for the residents it touched; `recompute_rule_inputs` (a command) redoes
everything and reports any drift.
"""
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from units.models import Member, UnitKind

from .models import Campaign, Case, DoubleClaimResolution, Resident, ResidentCategory

BATCH = 5000


def _batches(ids):
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def residents_with_id_numbers(id_numbers):
    """Primary keys of the residents whose ID number is among `id_numbers` (for roster
    changes: a member added, renumbered or removed changes those residents' exclusion)."""
    found = []
    for batch in _batches(set(id_numbers)):
        found += Resident.objects.filter(id_number__in=batch).values_list("pk", flat=True)
    return found


@transaction.atomic
def refresh_rule_inputs(*, resident_ids=None):
    """Recompute the stored rule inputs for the given residents' cases (all when None)."""
    if resident_ids is None:
        _refresh(Resident.objects.all(), Case.objects.all())
        return
    for batch in _batches(set(resident_ids)):
        _refresh(Resident.objects.filter(pk__in=batch), Case.objects.filter(resident_id__in=batch))


def _refresh(residents, cases):
    residents.update(on_roster=Exists(Member.objects.filter(id_number=OuterRef("id_number"))))
    for campaign in Campaign.objects.filter(pk__in=cases.values("campaign_id").distinct()):
        _refresh_campaign(campaign, cases.filter(campaign=campaign))


def _claim_count(same_kind=None):
    others = Case.objects.filter(campaign=OuterRef("campaign_id"), resident=OuterRef("resident_id"))
    if same_kind:
        others = others.filter(member__unit__kind=same_kind)
    return Coalesce(
        Subquery(others.order_by().values("resident_id").annotate(n=Count("*")).values("n")), 0
    )


def _refresh_campaign(campaign, cases):
    if campaign.double_claims_across_kinds:
        cases.update(claimants=_claim_count())
    else:
        for kind in UnitKind.values:
            Case.objects.filter(
                pk__in=cases.filter(member__unit__kind=kind).values("pk")
            ).update(claimants=_claim_count(kind))
    excluded = ~Q(category=ResidentCategory.RESIDENT)
    if campaign.roster_excludes_residents:
        excluded |= Q(on_roster=True)
    cases.update(
        resident_excluded=Exists(
            Resident.objects.filter(excluded, pk=OuterRef("resident_id"))
        ),
        claim_awarded=Exists(
            DoubleClaimResolution.objects.filter(
                campaign=OuterRef("campaign_id"), resident=OuterRef("resident_id"),
                awarded_to=OuterRef("member_id"), undone_at__isnull=True,
            )
        ),
    )


RULE_INPUTS = ("claimants", "resident_excluded", "claim_awarded")


def drift():
    """Cases whose stored rule inputs differ from a recomputation from scratch: a list of
    (case id, field, stored, recomputed). Recomputes inside a rolled-back transaction."""
    stored = {row[0]: row[1:] for row in Case.objects.values_list("pk", *RULE_INPUTS)}
    differences = []
    with transaction.atomic():
        refresh_rule_inputs()
        for pk, *fresh in Case.objects.values_list("pk", *RULE_INPUTS):
            for field, old, new in zip(RULE_INPUTS, stored[pk], fresh):
                if old != new:
                    differences.append((pk, field, old, new))
        transaction.set_rollback(True)
    return differences
