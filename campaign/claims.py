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

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Member, Unit, UnitKind

from .bulk import in_batches
from .models import Campaign, Case, DoubleClaimResolution, Resident, ResidentCategory


def residents_with_id_numbers(id_numbers):
    """Primary keys of the residents whose ID number is among `id_numbers` (for roster
    changes: a member added, renumbered or removed changes those residents' exclusion)."""
    found = []
    for batch in in_batches(set(id_numbers)):
        found += Resident.objects.filter(id_number__in=batch).values_list("pk", flat=True)
    return found


def residents_guided_in(units=None, members=None):
    """Primary keys of the residents guided by the given members, or by members of the given
    units (for a member moved to another unit, or a unit whose kind changed: with double
    claims counted within a unit kind only, that changes who competes for a resident)."""
    cases = Case.objects.all()
    if members is not None:
        cases = cases.filter(member__in=members)
    if units is not None:
        cases = cases.filter(member__unit__in=units)
    return list(cases.values_list("resident_id", flat=True).distinct())


@transaction.atomic
def refresh_rule_inputs(*, resident_ids=None):
    """Recompute the stored rule inputs for the given residents' cases (all when None)."""
    if resident_ids is not None:
        resident_ids = sorted({pk for pk in resident_ids if pk is not None})
        if not resident_ids:
            return
    if connection.vendor == "postgresql":
        _refresh_postgresql(resident_ids)
    else:
        _refresh_generic(resident_ids)


def _refresh_generic(resident_ids):
    """The portable path: the definitions below as ORM expressions, in batches."""
    if resident_ids is None:
        _refresh(Resident.objects.all(), Case.objects.all())
        return
    for batch in in_batches(resident_ids):
        _refresh(Resident.objects.filter(pk__in=batch), Case.objects.filter(resident_id__in=batch))


def _refresh(residents, cases):
    _update_changed(residents, on_roster=_on_roster())
    for campaign in Campaign.objects.filter(pk__in=cases.values("campaign_id").distinct()):
        _refresh_campaign(campaign, cases.filter(campaign=campaign))


# The stored inputs' definitions, used both to write them and to check them (drift).


def _on_roster():
    """On a Resident: their ID number is on a member roster (any unit's, active or not)."""
    return Exists(Member.objects.filter(id_number=OuterRef("id_number")))


def _claim_count(kind=None):
    """On a Case: how many members list its resident in its campaign (within `kind`: a unit
    kind, or an OuterRef to the case's own, when double claims count only within a kind)."""
    others = Case.objects.filter(campaign=OuterRef("campaign_id"), resident=OuterRef("resident_id"))
    if kind is not None:
        others = others.filter(member__unit__kind=kind)
    return Coalesce(
        Subquery(others.order_by().values("resident_id").annotate(n=Count("*")).values("n")), 0
    )


def _resident_excluded(campaign):
    """On a Case: its resident is declared other than a resident, or (if the campaign says
    so) is on a member roster."""
    excluded = ~Q(category=ResidentCategory.RESIDENT)
    if campaign.roster_excludes_residents:
        excluded |= Q(on_roster=True)
    return Exists(Resident.objects.filter(excluded, pk=OuterRef("resident_id")))


def _claim_awarded():
    """On a Case: a standing resolution awards its resident to its member."""
    return Exists(
        DoubleClaimResolution.objects.filter(
            campaign=OuterRef("campaign_id"),
            resident=OuterRef("resident_id"),
            awarded_to=OuterRef("member_id"),
            undone_at__isnull=True,
        )
    )


def _refresh_campaign(campaign, cases):
    if campaign.double_claims_across_kinds:
        _update_changed(cases, claimants=_claim_count())
    else:
        # An UPDATE cannot reach the member's unit through a join: one pass per kind.
        for kind in UnitKind.values:
            _update_changed(
                Case.objects.filter(pk__in=cases.filter(member__unit__kind=kind).values("pk")),
                claimants=_claim_count(kind),
            )
    _update_changed(cases, resident_excluded=_resident_excluded(campaign))
    _update_changed(cases, claim_awarded=_claim_awarded())


def _update_changed(rows, **fresh):
    """Write one stored input (`field=expression`) only where it differs: a full recompute
    then rewrites the rows that drifted, not a million unchanged ones."""
    ((name, expression),) = fresh.items()
    rows.filter(~Q(**{name: expression})).update(**{name: expression})


# The same definitions as set-based SQL (PostgreSQL): one pass over the residents' cases,
# however many there are, instead of correlated subqueries per batch. Kept identical to the
# expressions above; test_claims checks that both paths store the same values.


def _refresh_postgresql(resident_ids):
    large = resident_ids is None or len(resident_ids) > 1000
    with connection.cursor() as cursor:
        if large:
            # Sorting 100,000 cases in memory, and no JIT compilation (it cost more than it
            # saved); for this transaction only, put back afterwards.
            cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
            settings = cursor.fetchone()
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"
            )
        _refresh_postgresql_statements(cursor, resident_ids)
        if large:
            cursor.execute(
                "SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", settings
            )


def _refresh_postgresql_statements(cursor, resident_ids):
    if resident_ids is None:
        scope, params = "", []
    else:
        ids = _pg_array(resident_ids)
        # Two refreshes of the same residents wait for each other (rows locked in one
        # order, until commit): the second then counts the first one's cases too.
        cursor.execute(
            f"SELECT 1 FROM {Resident._meta.db_table} WHERE id = ANY(%s::bigint[])"
            " ORDER BY id FOR NO KEY UPDATE",
            [ids],
        )
        scope, params = "AND r.id = ANY(%s::bigint[])", [ids]
    cursor.execute(
        f"""UPDATE {Resident._meta.db_table} r SET on_roster = NOT r.on_roster
            WHERE r.on_roster <> EXISTS (
                SELECT 1 FROM {Member._meta.db_table} m WHERE m.id_number = r.id_number) {scope}""",
        params,
    )
    cursor.execute(
        f"""UPDATE {Case._meta.db_table} AS c
            SET claimants = fresh.claimants, resident_excluded = fresh.resident_excluded,
                claim_awarded = fresh.claim_awarded
            FROM (
                SELECT c.id,
                    count(*) OVER (PARTITION BY c.campaign_id, c.resident_id,
                        CASE WHEN p.double_claims_across_kinds THEN NULL ELSE u.kind END
                    ) AS claimants,
                    (r.category <> %s OR (p.roster_excludes_residents AND r.on_roster))
                        AS resident_excluded,
                    EXISTS (
                        SELECT 1 FROM {DoubleClaimResolution._meta.db_table} d
                        WHERE d.campaign_id = c.campaign_id AND d.resident_id = c.resident_id
                          AND d.awarded_to_id = c.member_id AND d.undone_at IS NULL
                    ) AS claim_awarded
                FROM {Case._meta.db_table} c
                JOIN {Resident._meta.db_table} r ON r.id = c.resident_id
                JOIN {Campaign._meta.db_table} p ON p.id = c.campaign_id
                JOIN {Member._meta.db_table} m ON m.id = c.member_id
                JOIN {Unit._meta.db_table} u ON u.id = m.unit_id
                WHERE true {scope}
            ) AS fresh
            WHERE c.id = fresh.id
              AND (c.claimants <> fresh.claimants
                   OR c.resident_excluded <> fresh.resident_excluded
                   OR c.claim_awarded <> fresh.claim_awarded)""",
        [ResidentCategory.RESIDENT.value, *params],
    )


def _pg_array(ids):
    """A bigint[] literal: one parameter, however many ids (a list would be spelt out)."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


RULE_INPUTS = ("claimants", "resident_excluded", "claim_awarded")


def drift():
    """Stored rule inputs that differ from a recomputation from scratch, as a list of
    (case id, field, stored, recomputed), plus (resident id, "resident.on_roster", stored,
    recomputed). Read-only: the comparison runs in the database, nothing is written."""
    differences = [
        (pk, "resident.on_roster", stored, fresh)
        for pk, stored, fresh in Resident.objects.annotate(fresh=_on_roster())
        .filter(~Q(on_roster=F("fresh")))
        .values_list("pk", "on_roster", "fresh")
    ]
    for campaign in Campaign.objects.all():
        kind = None if campaign.double_claims_across_kinds else OuterRef("member__unit__kind")
        rows = (
            Case.objects.filter(campaign=campaign)
            .annotate(
                fresh_claimants=_claim_count(kind),
                fresh_resident_excluded=_resident_excluded(campaign),
                fresh_claim_awarded=_claim_awarded(),
            )
            .filter(
                ~Q(claimants=F("fresh_claimants"))
                | ~Q(resident_excluded=F("fresh_resident_excluded"))
                | ~Q(claim_awarded=F("fresh_claim_awarded"))
            )
            .values_list("pk", *RULE_INPUTS, *(f"fresh_{name}" for name in RULE_INPUTS))
        )
        for pk, *values in rows:
            for name, stored, fresh in zip(RULE_INPUTS, values[:3], values[3:]):
                if stored != fresh:
                    differences.append((pk, name, stored, fresh))
    return differences


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


def double_claimed_residents(campaign, units):
    """Residents claimed twice or more in `campaign` by members of `units` (a Unit queryset),
    in name order: the register's rows, to paginate."""
    return Resident.objects.filter(
        pk__in=Case.objects.filter(
            campaign=campaign, claimants__gt=1, member__unit__in=units
        ).values("resident_id")
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
