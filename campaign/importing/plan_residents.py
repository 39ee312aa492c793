"""Step 2 for the residents sheet, in named steps: the guides, the residents and cases
already recorded, the residents and cases to write, and the double claims the file creates.
"""

import operator
from collections import namedtuple
from typing import NamedTuple

from django.db import connection
from django.utils.translation import gettext as _

from units.models import Member, Unit

from .. import workbook as wb
from ..bulk import in_batches
from ..models import Case, Resident, ResidentCategory, ResidentRecord, merge_resident_details
from ..owners import tree_of_path
from .activities import find_activities
from .problems import RowNumber, plan_error, plan_problem
from .records import CaseRow, Counts, DoubleClaim, ResidentRow

MEMBER_TABLE, UNIT_TABLE = Member._meta.db_table, Unit._meta.db_table
RESIDENT_TABLE, CASE_TABLE = Resident._meta.db_table, Case._meta.db_table
RECORD_TABLE = ResidentRecord._meta.db_table


class RosterMember(NamedTuple):
    """A member on a unit's roster, as the residents sheet's checks need them."""

    pk: int
    unit_pk: int
    unit_code: str
    unit_kind: str
    full_name: str
    tree: int  # the top unit of the member's unit's tree


class Guide(NamedTuple):
    """A guide the residents sheet names: the kind of their unit (as the file leaves it),
    their name and their unit's code."""

    unit_kind: str
    full_name: str
    unit_code: str


class RecordedCase(namedtuple("RecordedCase", ("guide", *Case.DETAILS))):
    """A case of this campaign already recorded: its guide (a Guide) and its Case.DETAILS
    by name. One small object a case: a re-import reads 100,000 of them."""

    __slots__ = ()

    @property
    def details(self):
        """The values of Case.DETAILS, in that order."""
        return self[1:]


class Recorded(NamedTuple):
    """What the database holds of the file's residents."""

    residents: dict  # id number -> (pk, the values of Resident.DETAILS in that order)
    foreign: dict  # resident pk -> trees of the units guiding them that the user may not edit
    cases: dict  # resident pk -> {guide id number: RecordedCase} (guides in the user's units)
    trees: dict  # resident pk -> the tree whose record the Resident row holds (or None)
    records: dict  # (resident pk, tree pk) -> that tree's ResidentRecord.DETAILS, in order


def plan_residents_sheet(plan, scope, workbook_members, tell=None):
    """The residents sheet against the database, step by step: who the guides are, what is
    recorded of the residents, the residents and the cases to write, and the double claims
    the file creates. `tell(share)`, if given, is told the share of the steps done."""
    if "residents" not in plan.parsed.sheets:
        return
    tell = tell or (lambda share: None)
    roster = _roster(plan)
    guides = _guides(plan, scope, roster, workbook_members)
    tell(1 / 6)
    recorded = _recorded(plan, scope)
    tell(2 / 6)
    unknown = _check_guides(plan, guides, roster)
    tell(3 / 6)
    _plan_resident_rows(plan, scope, roster, recorded, guides, workbook_members)
    find_activities(plan, scope)
    tell(4 / 6)
    gaining = _plan_cases(plan, recorded)
    tell(5 / 6)
    _find_double_claims(plan, guides, recorded, gaining - unknown)


def _roster(plan):
    """The members among the file's guides and residents: {id number: RosterMember}."""
    parsed = plan.parsed
    ids = {guide for _id, guide in parsed.cases} | set(parsed.residents)
    roster = {
        row[1]: RosterMember(row[0], *row[2:6], tree_of_path(row[6]))
        for row in select_where_in(
            f"SELECT m.id, m.id_number, m.unit_id, u.code, u.kind, m.full_name, u.path"
            f" FROM {MEMBER_TABLE} m JOIN {UNIT_TABLE} u ON u.id = m.unit_id WHERE {{where}}",
            "m.id_number",
            ids,
        )
    }
    for id_number, member in roster.items():
        plan.member_pks.setdefault(id_number, member.pk)
    return roster


def _guides(plan, scope, roster, workbook_members):
    """{guide id number: Guide} for the guides in the file's member sheet or on the roster;
    None for a roster member outside the user's units. Unknown guides are not listed."""
    units = plan.parsed.units
    guides = {}
    for guide in {guide for _id, guide in plan.parsed.cases}:
        if guide in workbook_members:
            guides[guide] = workbook_members[guide]
        elif guide in roster:
            member = roster[guide]
            kind = units[member.unit_code].kind if member.unit_code in units else member.unit_kind
            allowed = scope.allows(member.unit_pk)
            guides[guide] = Guide(kind, member.full_name, member.unit_code) if allowed else None
    plan.guide_kinds = {guide: found.unit_kind for guide, found in guides.items() if found}
    return guides


def _recorded(plan, scope):
    """The file's residents as recorded, those the user may not rewrite, and this campaign's
    cases of them."""
    residents, trees = {}, {}
    for row in select_where_in(
        f"SELECT id, id_number, tree_id, {', '.join(Resident.DETAILS)} FROM {RESIDENT_TABLE}"
        " WHERE {where}",
        "id_number",
        plan.parsed.residents,
    ):
        residents[row[1]] = (row[0], row[3:])
        trees[row[0]] = row[2]
    plan.resident_pks = {id_number: pk for id_number, (pk, _details) in residents.items()}
    pks = plan.resident_pks.values()
    unowned = [pk for pk, tree in trees.items() if tree is None]
    for resident_pk, path in select_where_in(  # written before trees: their first case's
        f"SELECT c.resident_id, u.path FROM {CASE_TABLE} c"
        f" JOIN {MEMBER_TABLE} m ON m.id = c.member_id JOIN {UNIT_TABLE} u ON u.id = m.unit_id"
        " WHERE {where} ORDER BY c.id DESC",
        "c.resident_id",
        unowned,
        numeric=True,
    ):
        trees[resident_pk] = tree_of_path(path)
    # Residents also guided in units this user may not edit (in any campaign): their recorded
    # details are kept and only blank ones filled in, as the forms do.
    foreign = {}
    if not scope.everything and residents:
        mine = ",".join(str(int(pk)) for pk in scope.pks) or "0"
        for resident_pk, path in select_where_in(
            f"SELECT DISTINCT c.resident_id, u.path FROM {CASE_TABLE} c"
            f" JOIN {MEMBER_TABLE} m ON m.id = c.member_id"
            f" JOIN {UNIT_TABLE} u ON u.id = m.unit_id"
            f" WHERE m.unit_id NOT IN ({mine}) AND {{where}}",
            "c.resident_id",
            pks,
            numeric=True,
        ):
            foreign.setdefault(resident_pk, set()).add(tree_of_path(path))
    records = {}
    if foreign:
        for row in select_where_in(
            f"SELECT resident_id, tree_id, {', '.join(ResidentRecord.DETAILS)}"
            f" FROM {RECORD_TABLE} WHERE {{where}}",
            "resident_id",
            list(foreign),
            numeric=True,
        ):
            records[(row[0], row[1])] = row[2:]
    cases, guides = {}, {}  # one Guide a member, however many cases they guide
    details = ", ".join("c." + name for name in Case.DETAILS)
    for row in select_where_in(
        f"SELECT c.resident_id, m.id_number, u.kind, m.full_name, u.code, u.id, {details}"
        f" FROM {CASE_TABLE} c JOIN {MEMBER_TABLE} m ON m.id = c.member_id"
        f" JOIN {UNIT_TABLE} u ON u.id = m.unit_id"
        f" WHERE c.campaign_id = {int(plan.campaign.pk)} AND {{where}}",
        "c.resident_id",
        pks,
        numeric=True,
    ):
        if not scope.allows(row[5]):
            # Another unit's claim: not told before the confirm (no existence oracle); the
            # double claim shows once the file is imported, as any other.
            continue
        guide = guides.get(row[1]) or guides.setdefault(row[1], Guide(*row[2:5]))
        cases.setdefault(row[0], {})[row[1]] = RecordedCase(guide, *row[6:])
    return Recorded(residents, foreign, cases, trees, records)


def _check_guides(plan, guides, roster):
    """An error for each case whose guide is unknown or outside the user's units; returns
    the ID numbers of the residents of those cases."""
    parsed = plan.parsed
    unknown = set()
    for (id_number, guide), case in parsed.cases.items():
        if guide in guides:
            if guides[guide] is not None:
                continue
        if guide not in parsed.member_ids_seen or guide in guides:
            # A guide of another unit is told as one unknown: the file must not learn who is
            # on another unit's roster.
            plan_error(
                plan,
                "residents",
                case.row,
                "guide_id_number",
                _(
                    "No member has the ID number %(id)s: add them to the “%(sheet)s” sheet or "
                    "to their unit's roster."
                )
                % {"id": guide, "sheet": wb.MEMBERS.title},
                "unknown_guide",
            )
        unknown.add(id_number)
    return unknown


def _writing_trees(plan, guides, workbook_members, roster):
    """{resident ID number: the tree whose record the file's details go to}: the tree of
    the unit of the first guide the file names for them (None when not known yet: a unit
    new in the file under no unit recorded)."""
    units = plan.parsed.units

    def tree_of_code(code, seen=()):
        if code in plan.unit_trees:
            return plan.unit_trees[code]
        parent = units[code].parent_code if code in units else None
        return tree_of_code(parent, seen + (code,)) if parent and parent not in seen else None

    found = {}
    for id_number, guide in plan.parsed.cases:
        if id_number in found or guides.get(guide) is None:
            continue
        if guide in workbook_members:
            found[id_number] = tree_of_code(workbook_members[guide].unit_code)
        elif guide in roster:
            found[id_number] = roster[guide].tree
    return found


def _plan_resident_rows(plan, scope, roster, recorded, guides, workbook_members):
    """New, changed or unchanged: each resident of the file against the one recorded, their
    details merged as the forms merge them (models.merge_resident_details). A resident whose
    Resident row is another tree's record is this tree's own record (a ResidentRecord): new
    when this tree holds none, as for a resident nobody recorded (no existence oracle)."""
    parsed = plan.parsed
    counts = plan.counts.setdefault("residents", Counts())
    plan.roster_ids = set(roster) | set(parsed.members)

    def warn(resident, message, code):
        plan.warnings.append(
            plan_problem(parsed, "residents", resident.rows[0], "id_number", message, code)
        )

    writing = _writing_trees(plan, guides, workbook_members, roster)
    for id_number, resident in parsed.residents.items():
        listed = id_number in parsed.members
        if not listed and id_number in roster:
            listed = scope.allows(roster[id_number].unit_pk)
        if listed:
            warn(
                resident,
                _(
                    "ID number %(id)s is on a member roster: this person is not counted as "
                    "a resident."
                )
                % {"id": id_number},
                "on_roster",
            )
        if id_number not in recorded.residents:
            counts.new += 1
            if resident.category is None:
                resident.category = ResidentCategory.RESIDENT
            plan.resident_writes.append(resident)
            continue
        pk, stored = recorded.residents[id_number]
        tree, owner = writing.get(id_number), recorded.trees.get(pk)
        if owner is not None and tree != owner:
            _plan_record(plan, counts, warn, recorded, resident, (pk, stored), tree)
            continue
        given = resident_details(resident)
        if given == stored:  # most rows of a workbook imported again
            counts.unchanged += 1
            continue
        stored, given = dict(zip(Resident.DETAILS, stored)), dict(zip(Resident.DETAILS, given))
        merged, kept = merge_resident_details(
            stored, given, overwrite=tree not in recorded.foreign.get(pk, ())
        )
        if kept:
            warn(
                resident,
                _(
                    "This resident is also guided in units you cannot edit: the details "
                    "recorded there are kept, only blank ones are filled in from this file."
                ),
                "details_kept",
            )
        if merged == stored:
            counts.unchanged += 1
        else:
            counts.changed += 1
            plan.resident_writes.append(ResidentRow(resident.rows, id_number, **merged))


def _plan_record(plan, counts, warn, recorded, resident, held_row, tree):
    """A resident whose Resident row is another tree's record: the file's details go to the
    record of `tree`, merged with what that tree holds (new when it holds nothing). The
    category, which every tree's figures read, changes only for a user who may edit every
    case of the resident."""
    pk, row = held_row
    stored_row = dict(zip(Resident.DETAILS, row))
    category = resident.category
    if category and category != stored_row["category"]:
        if pk not in recorded.foreign:
            plan.resident_writes.append(
                ResidentRow(
                    resident.rows, resident.id_number, **{**stored_row, "category": category}
                )
            )
        elif category != ResidentCategory.RESIDENT:
            warn(
                resident,
                _(
                    "This resident is also guided in units you cannot edit: the details "
                    "recorded there are kept, only blank ones are filled in from this file."
                ),
                "details_kept",
            )
    given = {key: getattr(resident, key) for key in ResidentRecord.DETAILS}
    held = recorded.records.get((pk, tree)) if tree is not None else None
    if tree is None:
        counts.unchanged += 1
        return
    if held is None:
        counts.new += 1
        plan.record_writes.append((resident.id_number, tree, given))
        return
    stored = dict(zip(ResidentRecord.DETAILS, held))
    merged, kept = merge_resident_details(
        stored, given, overwrite=tree not in recorded.foreign.get(pk, ())
    )
    if kept:
        warn(
            resident,
            _(
                "This resident is also guided in units you cannot edit: the details "
                "recorded there are kept, only blank ones are filled in from this file."
            ),
            "details_kept",
        )
    if merged == stored:
        counts.unchanged += 1
    else:
        counts.changed += 1
        plan.record_writes.append((resident.id_number, tree, merged))


def merged_case(row, recorded):
    """A recorded case's details once a row of the file meets it, in the order of
    Case.DETAILS: the level, the activation date and the portal as the row says (blank
    there: not activated, no portal account); the other details as the row gives them, or,
    left blank (or the column absent), as recorded. Written out rather than looped over:
    100,000 cases a re-import compare."""
    return (
        row.eid_level,
        row.activated_on,
        row.portal_used,
        recorded.id_card_application
        if row.id_card_application is None
        else row.id_card_application,
        row.guided_on or recorded.guided_on,
        row.place or recorded.place,
        row.note or recorded.note,
        row.activity_id or recorded.activity_id,
    )


resident_details = operator.attrgetter(*Resident.DETAILS)


def _plan_cases(plan, recorded):
    """New, changed or unchanged: each case of the file against the one recorded. Returns
    the ID numbers of the residents the file gives a new guide (the only new double claims)."""
    counts = plan.counts.setdefault("cases", Counts())
    gaining = set()
    for (id_number, guide), case in plan.parsed.cases.items():
        pk = plan.resident_pks.get(id_number)
        before = recorded.cases.get(pk, {}).get(guide) if pk else None
        if before is None:
            counts.new += 1
            plan.case_writes.append(case)
            gaining.add(id_number)
            continue
        merged = merged_case(case, before)
        if merged == before.details:
            counts.unchanged += 1
        else:
            counts.changed += 1
            plan.case_writes.append(
                CaseRow(case.row, id_number, guide, *merged, activity=case.activity)
            )
    return gaining


def _find_double_claims(plan, guides, recorded, gaining):
    """The residents of `gaining` whom, once the file is imported, two or more members
    claim (within a unit kind, when the campaign counts double claims only within one)."""
    parsed = plan.parsed
    by_resident = {}
    for (id_number, _guide), case in parsed.cases.items():
        if id_number in gaining:
            by_resident.setdefault(id_number, []).append(case)
    across = plan.campaign.double_claims_across_kinds
    for id_number, listed in by_resident.items():
        pk = plan.resident_pks.get(id_number)
        before = recorded.cases.get(pk, {}) if pk else {}
        if len(listed) == 1 and not before:
            continue  # one guide, nobody else: no double claim
        added = {case.guide_id_number for case in listed} - set(before)
        if not added:
            continue
        claimants = {guide: case.guide for guide, case in before.items()}
        for case in listed:
            claimants[case.guide_id_number] = guides[case.guide_id_number]
        groups = {}
        for guide, claimant in claimants.items():
            groups.setdefault("" if across else claimant.unit_kind, []).append(guide)
        doubled = [group for group in groups.values() if len(group) > 1 and set(group) & added]
        if doubled:
            rows = [case.row for case in listed]
            if any(isinstance(row, RowNumber) for row in rows):  # on several sheets: name each
                first = parsed.sheets["residents"]
                rows = [
                    row if isinstance(row, RowNumber) else RowNumber(row, first) for row in rows
                ]
            plan.double_claims.append(
                DoubleClaim(
                    id_number,
                    parsed.residents[id_number].full_name,
                    rows,
                    [
                        (claimants[guide].full_name, claimants[guide].unit_code)
                        for group in doubled
                        for guide in group
                    ],
                )
            )


def select_where_in(sql, column, values, *, numeric=False):
    """Rows of `sql` (with a `{where}` placeholder) where `column` is one of `values`. On
    PostgreSQL one statement with one array parameter, however many values (an IN list of
    100,000 parameters costs more to build than to run); elsewhere in batches."""
    values = list(values)
    if not values:
        return []
    rows = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ID numbers are 12 digits and keys are integers: nothing to quote.
            literal = "{" + ",".join(str(v) for v in values) + "}"
            cursor.execute(
                sql.format(where=f"{column} = ANY(%s::{'bigint' if numeric else 'text'}[])"),
                [literal],
            )
            return cursor.fetchall()
        for batch in in_batches(values):
            cursor.execute(
                sql.format(where=f"{column} IN ({', '.join(['%s'] * len(batch))})"), batch
            )
            rows += cursor.fetchall()
    return rows
