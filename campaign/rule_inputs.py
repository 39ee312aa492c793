"""The rule inputs kept ready at write time, so that every figure is one aggregate over the
cases table (see campaign.rules).

Stored on each case, for its campaign:
- `claimants`: how many members list this case's resident (within the same unit kind when
  the campaign does not count double claims across kinds);
- `resident_excluded`: the resident is declared a cadre / member / civil servant / armed
  forces, or (if the campaign says so) their ID number is on a member roster;
- `claim_awarded`: a standing resolution of a double claim credits this case.
And on each resident, `on_roster`: their ID number is on a member roster (any unit's).

Each input is defined once in each form it needs, below, side by side: as an ORM expression
(the portable refresh, and the drift check) and as SQL (PostgreSQL's set-based refresh, one
pass over any number of cases). The tests check on generated data that both forms store the
same values. The importer works out the inputs of residents new to the database from its own
plan (`NewResidentInputs`), and its tests check that an import leaves no drift.

Every write path (the services, which the forms and the admin site call; the importer;
resolutions) calls `refresh_rule_inputs` for the residents it touched;
`recompute_rule_inputs` (a command) redoes everything and reports any drift.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from units.models import Member, Unit, UnitKind

from .bulk import in_batches
from .models import Campaign, Case, DoubleClaimResolution, Resident, ResidentCategory
from .owners import assign_trees
from .verification import refresh_official

RULE_INPUTS = ("claimants", "resident_excluded", "claim_awarded")

# --- Each input, as an ORM expression -------------------------------------------------------


def on_roster():
    """On a Resident: their ID number is on a member roster (any unit's, active or not)."""
    return Exists(Member.objects.filter(id_number=OuterRef("id_number")))


def claim_count(kind=None):
    """On a Case: how many members list its resident in its campaign (within `kind`: a unit
    kind, or an OuterRef to the case's own, when double claims count only within a kind)."""
    others = Case.objects.filter(campaign=OuterRef("campaign_id"), resident=OuterRef("resident_id"))
    if kind is not None:
        others = others.filter(member__unit__kind=kind)
    return Coalesce(
        Subquery(others.order_by().values("resident_id").annotate(n=Count("*")).values("n")), 0
    )


def resident_excluded(campaign):
    """On a Case: its resident is declared other than a resident, or (if the campaign says
    so) is on a member roster."""
    excluded = ~Q(category=ResidentCategory.RESIDENT)
    if campaign.roster_excludes_residents:
        excluded |= Q(on_roster=True)
    return Exists(Resident.objects.filter(excluded, pk=OuterRef("resident_id")))


def claim_awarded():
    """On a Case: a standing resolution awards its resident to its member."""
    return Exists(
        DoubleClaimResolution.objects.filter(
            campaign=OuterRef("campaign_id"),
            resident=OuterRef("resident_id"),
            awarded_to=OuterRef("member_id"),
            undone_at__isnull=True,
        )
    )


# --- The same inputs, as SQL (PostgreSQL) ---------------------------------------------------
# Over `r` (the resident), and for a case over `c` (the case), `p` (its campaign), `u` (its
# member's unit); the one parameter, %s, is ResidentCategory.RESIDENT.

SQL_ON_ROSTER = f"EXISTS (SELECT 1 FROM {Member._meta.db_table} m WHERE m.id_number = r.id_number)"
SQL_CASE_INPUTS = {
    "claimants": "count(*) OVER (PARTITION BY c.campaign_id, c.resident_id,"
    " CASE WHEN p.double_claims_across_kinds THEN NULL ELSE u.kind END)",
    "resident_excluded": "(r.category <> %s OR (p.roster_excludes_residents AND r.on_roster))",
    "claim_awarded": f"EXISTS (SELECT 1 FROM {DoubleClaimResolution._meta.db_table} d"
    " WHERE d.campaign_id = c.campaign_id AND d.resident_id = c.resident_id"
    " AND d.awarded_to_id = c.member_id AND d.undone_at IS NULL)",
}

# --- Which residents a write touches --------------------------------------------------------


def residents_with_id_numbers(id_numbers: Iterable[str]) -> list[int]:
    """Primary keys of the residents whose ID number is among `id_numbers` (for roster
    changes: a member added, renumbered or removed changes those residents' exclusion)."""
    found = []
    for batch in in_batches(set(id_numbers)):
        found += Resident.objects.filter(id_number__in=batch).values_list("pk", flat=True)
    return found


def residents_guided_in(units=None, members=None) -> list[int]:
    """Primary keys of the residents guided by the given members, or by members of the given
    units (for a member moved to another unit, or a unit whose kind changed: with double
    claims counted within a unit kind only, that changes who competes for a resident)."""
    cases = Case.objects.all()
    if members is not None:
        cases = cases.filter(member__in=members)
    if units is not None:
        cases = cases.filter(member__unit__in=units)
    return list(cases.values_list("resident_id", flat=True).distinct())


# --- Refreshing them ------------------------------------------------------------------------


@transaction.atomic
def refresh_rule_inputs(*, resident_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored rule inputs for the given residents' cases (all when None)."""
    if resident_ids is not None:
        resident_ids = sorted({pk for pk in resident_ids if pk is not None})
        if not resident_ids:
            return
    assign_trees(resident_ids)  # a resident's first case names the tree whose record it is
    if connection.vendor == "postgresql":
        refresh_with_sql(resident_ids)
    else:
        refresh_with_orm(resident_ids)
    # The activation list's values for the same residents (a case added, a resident's ID
    # number corrected): their verification status follows at once.
    refresh_official(resident_ids=resident_ids)


def refresh_with_orm(resident_ids):
    """The portable path: the ORM forms, in batches of residents."""
    if resident_ids is None:
        _refresh(Resident.objects.all(), Case.objects.all())
        return
    for batch in in_batches(resident_ids):
        _refresh(Resident.objects.filter(pk__in=batch), Case.objects.filter(resident_id__in=batch))


def _refresh(residents, cases):
    _update_changed(residents, on_roster=on_roster())
    for campaign in Campaign.objects.filter(pk__in=cases.values("campaign_id").distinct()):
        _refresh_campaign(campaign, cases.filter(campaign=campaign))


def _refresh_campaign(campaign, cases):
    if campaign.double_claims_across_kinds:
        _update_changed(cases, claimants=claim_count())
    else:
        # An UPDATE cannot reach the member's unit through a join: one pass per kind.
        for kind in UnitKind.values:
            _update_changed(
                Case.objects.filter(pk__in=cases.filter(member__unit__kind=kind).values("pk")),
                claimants=claim_count(kind),
            )
    _update_changed(cases, resident_excluded=resident_excluded(campaign))
    _update_changed(cases, claim_awarded=claim_awarded())


def _update_changed(rows, **fresh):
    """Write one stored input (`field=expression`) only where it differs: a full recompute
    then rewrites the rows that drifted, not a million unchanged ones."""
    ((name, expression),) = fresh.items()
    rows.filter(~Q(**{name: expression})).update(**{name: expression})


def refresh_with_sql(resident_ids):
    """The set-based path (PostgreSQL): the SQL forms, one pass over the residents' cases,
    however many there are, instead of correlated subqueries per batch."""
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
        _refresh_statements(cursor, resident_ids)
        if large:
            cursor.execute(
                "SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", settings
            )


def _refresh_statements(cursor, resident_ids):
    resident_table, case_table = Resident._meta.db_table, Case._meta.db_table
    if resident_ids is None:
        scope, params = "", []
    else:
        ids = _pg_array(resident_ids)
        # Two refreshes of the same residents wait for each other (rows locked in one
        # order, until commit): the second then counts the first one's cases too.
        cursor.execute(
            f"SELECT 1 FROM {resident_table} WHERE id = ANY(%s::bigint[])"
            " ORDER BY id FOR NO KEY UPDATE",
            [ids],
        )
        scope, params = "AND r.id = ANY(%s::bigint[])", [ids]
    cursor.execute(
        f"UPDATE {resident_table} r SET on_roster = NOT r.on_roster"
        f" WHERE r.on_roster <> {SQL_ON_ROSTER} {scope}",
        params,
    )
    fresh = ", ".join(f"{SQL_CASE_INPUTS[name]} AS {name}" for name in RULE_INPUTS)
    cursor.execute(
        f"""UPDATE {case_table} AS c
            SET {", ".join(f"{name} = fresh.{name}" for name in RULE_INPUTS)}
            FROM (
                SELECT c.id,
                    {fresh}
                FROM {case_table} c
                JOIN {resident_table} r ON r.id = c.resident_id
                JOIN {Campaign._meta.db_table} p ON p.id = c.campaign_id
                JOIN {Member._meta.db_table} m ON m.id = c.member_id
                JOIN {Unit._meta.db_table} u ON u.id = m.unit_id
                WHERE true {scope}
            ) AS fresh
            WHERE c.id = fresh.id
              AND ({" OR ".join(f"c.{name} <> fresh.{name}" for name in RULE_INPUTS)})""",
        [ResidentCategory.RESIDENT.value, *params],
    )


def _pg_array(ids):
    """A bigint[] literal: one parameter, however many ids (a list would be spelt out)."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


# --- The inputs of an import's new residents, from its plan ---------------------------------


class NewResidentInputs:
    """The inputs of the residents an import plan finds new to the database, worked out in
    Python from the plan instead of refreshed after the write: all their cases are in the
    file, nobody else can list them before the import commits, and no resolution can name
    them. The same definitions as above, for that case only; the import tests check that an
    import leaves no drift."""

    def __init__(self, plan):
        campaign = plan.campaign
        self.known = plan.resident_pks
        self.roster = plan.roster_ids
        self.excluded = {
            r.id_number
            for r in plan.resident_writes
            if r.id_number not in self.known
            and (
                r.category != ResidentCategory.RESIDENT
                or (campaign.roster_excludes_residents and r.id_number in self.roster)
            )
        }
        kinds = plan.guide_kinds
        self.group = (
            (lambda guide: "") if campaign.double_claims_across_kinds else kinds.__getitem__
        )
        self.claims = Counter(
            (c.id_number, self.group(c.guide_id_number))
            for c in plan.case_writes
            if c.id_number not in self.known
        )

    def is_new(self, id_number):
        return id_number not in self.known

    def on_roster(self, id_number):
        return id_number in self.roster

    def case(self, case):
        """claimants, resident_excluded, claim_awarded of a new resident's case."""
        return (
            self.claims[case.id_number, self.group(case.guide_id_number)],
            case.id_number in self.excluded,
            False,
        )


# --- Checking them --------------------------------------------------------------------------


def drift() -> list[tuple]:
    """Stored rule inputs that differ from a recomputation from scratch, as a list of
    (case id, field, stored, recomputed), plus (resident id, "resident.on_roster", stored,
    recomputed). Read-only: the comparison runs in the database, nothing is written."""
    differences = [
        (pk, "resident.on_roster", stored, fresh)
        for pk, stored, fresh in Resident.objects.annotate(fresh=on_roster())
        .filter(~Q(on_roster=F("fresh")))
        .values_list("pk", "on_roster", "fresh")
    ]
    for campaign in Campaign.objects.all():
        kind = None if campaign.double_claims_across_kinds else OuterRef("member__unit__kind")
        rows = (
            Case.objects.filter(campaign=campaign)
            .annotate(
                fresh_claimants=claim_count(kind),
                fresh_resident_excluded=resident_excluded(campaign),
                fresh_claim_awarded=claim_awarded(),
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
