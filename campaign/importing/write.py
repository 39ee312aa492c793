"""Step 3, writing a plan without errors: units and members through the ORM, residents and
cases through a writer (this module's, portable; write_postgres's, fast), the rule inputs of
new residents worked out from the plan.
"""

from django.utils import timezone

from units.models import Member, Unit

from ..bulk import in_batches, insert_objects
from ..claim_notices import record_claims
from ..models import Case, Resident, ResidentRecord
from ..owners import assign_trees
from ..rule_inputs import NewResidentInputs, residents_guided_in, residents_with_id_numbers


def write_plan(plan, writer):
    """Write a plan without errors (inside the caller's transaction), the residents and cases
    through `writer` (OrmWriter or write_postgres.PostgresWriter). Returns the primary keys
    of the residents whose rule inputs the caller must refresh (new residents' are written
    with them)."""
    if not plan.ok:
        raise ValueError("cannot write an import plan with errors")
    user = plan.user if getattr(plan.user, "is_authenticated", False) else None
    now = timezone.now()
    touched = set()

    unit_pks = dict(plan.unit_pks)
    for record in plan.new_units:
        unit = Unit(
            code=record.code,
            name=record.name,
            kind=record.kind,
            parent_id=unit_pks.get(record.parent_code) if record.parent_code else None,
        )
        unit.save()
        unit_pks[record.code] = unit.pk
    for pk, record in plan.changed_units:
        unit = Unit.objects.get(pk=pk)
        if unit.kind != record.kind:
            # Where double claims count within a unit kind, its members' residents compete
            # with other guides now.
            touched.update(residents_guided_in(units=[pk]))
        unit.name, unit.kind = record.name, record.kind
        unit.parent_id = unit_pks.get(record.parent_code) if record.parent_code else unit.parent_id
        unit.save()

    member_pks = dict(plan.member_pks)
    if plan.member_writes:
        members = [
            Member(
                unit_id=unit_pks[record.unit_code],
                id_number=record.id_number,
                **{key: getattr(record, key) for key in Member.DETAILS},
                **record.flags,
                created_by=user,
                updated_by=user,
                created_at=now,
            )
            for record in plan.member_writes
        ]
        # Members new at plan time go straight in (a concurrent import that added one meanwhile
        # makes this an IntegrityError, and import_workbook plans again); the others update.
        new = [m for m in members if m.id_number not in plan.member_pks]
        insert_objects(new, with_pks=True)
        changed = [m for m in members if m.id_number in plan.member_pks]
        flag_fields = sorted({k for r in plan.member_writes for k in r.flags})
        Member.objects.bulk_create(
            changed,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=["unit", *Member.DETAILS, *flag_fields, "updated_by", "updated_at"],
        )
        member_pks.update((m.id_number, m.pk) for m in new)
        touched.update(residents_with_id_numbers([m.id_number for m in new]))
        if plan.moved_members:
            touched.update(
                Case.objects.filter(member_id__in=plan.moved_members).values_list(
                    "resident_id", flat=True
                )
            )

    missing = {c.guide_id_number for c in plan.case_writes} - set(member_pks)
    for batch in in_batches(missing):
        member_pks.update(Member.objects.filter(id_number__in=batch).values_list("id_number", "pk"))

    inputs = NewResidentInputs(plan)
    resident_pks = dict(plan.resident_pks)
    resident_pks.update(writer.residents(plan.resident_writes, user, now, inputs))
    _write_records(plan.record_writes, resident_pks, user, now)
    rows = [(resident_pks[c.id_number], member_pks[c.guide_id_number], c) for c in plan.case_writes]
    # Before the cases go in: the holders are the cases already recorded (campaign.claim_notices).
    record_claims(
        campaign=plan.campaign,
        pairs=[(r, m) for r, m, c in rows if c.id_number in plan.resident_pks],
        user=user,
    )
    writer.cases(plan.campaign, rows, user, now, inputs)
    # New residents' details are the record of the tree of their first case (campaign.owners).
    assign_trees(
        resident_pks[r.id_number] for r in plan.resident_writes if inputs.is_new(r.id_number)
    )
    # Residents new at plan time went in with their rule inputs; the others are refreshed.
    touched.update(
        resident_pks[r.id_number] for r in plan.resident_writes if not inputs.is_new(r.id_number)
    )
    touched.update(pk for pk, _m, c in rows if not inputs.is_new(c.id_number))
    return touched


def _write_records(writes, resident_pks, user, now):
    """Another tree's residents: the file's details into this tree's own record of them."""
    if not writes:
        return
    ResidentRecord.objects.bulk_create(
        [
            ResidentRecord(
                resident_id=resident_pks[id_number],
                tree_id=tree,
                **{k: v or (None if k == "birth_date" else "") for k, v in details.items()},
                created_by=user,
                updated_by=user,
                created_at=now,
            )
            for id_number, tree, details in writes
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["resident", "tree"],
        update_fields=[*ResidentRecord.DETAILS, "updated_by", "updated_at"],
    )


RESIDENT_COLUMNS = ("id_number", *Resident.DETAILS)
# Written beside them: the folded name for search (Resident.search_name).
FOLDED_NAME = "search_name"
RULE_INPUTS = ("claimants", "resident_excluded", "claim_awarded")
# Blank in a workbook, NULL in the table (the other details are text: blank is "").
NULLABLE_DETAILS = {name for name in RESIDENT_COLUMNS if Resident._meta.get_field(name).null}


def case_details(row):
    """A CaseRow's Case.DETAILS as written (the card column absent from the file: no)."""
    details = {key: getattr(row, key) for key in Case.DETAILS}
    details["id_card_application"] = bool(details["id_card_application"])
    return details


class OrmWriter:
    """The portable path (SQLite): bulk_create with ON CONFLICT DO UPDATE."""

    @staticmethod
    def residents(records, user, now, inputs):
        if not records:
            return {}
        Resident.objects.bulk_create(
            [
                Resident(
                    **{
                        k: getattr(r, k) or (None if k in NULLABLE_DETAILS else "")
                        for k in RESIDENT_COLUMNS
                    },
                    on_roster=inputs.on_roster(r.id_number),
                    created_by=user,
                    updated_by=user,
                    created_at=now,
                )
                for r in records
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=[*RESIDENT_COLUMNS[1:], FOLDED_NAME, "updated_by", "updated_at"],
        )
        found = {}
        for batch in in_batches(r.id_number for r in records):
            found.update(
                Resident.objects.filter(id_number__in=batch).values_list("id_number", "pk")
            )
        return found

    @staticmethod
    def cases(campaign, rows, user, now, inputs):
        if not rows:
            return
        Case.objects.bulk_create(
            [
                Case(
                    campaign=campaign,
                    resident_id=resident,
                    member_id=member,
                    **case_details(c),
                    created_by=user,
                    updated_by=user,
                    created_at=now,
                    **(
                        dict(zip(RULE_INPUTS, inputs.case(c))) if inputs.is_new(c.id_number) else {}
                    ),
                )
                for resident, member, c in rows
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["campaign", "resident", "member"],
            update_fields=[*Case.DETAILS, "updated_by", "updated_at"],
        )
