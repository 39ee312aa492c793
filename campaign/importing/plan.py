"""Step 2, the file against the database: the user's scope, the units and members sheets
checked and compared with what is recorded. It writes nothing: it is the preview. The
residents sheet is planned in plan_residents.
"""

from typing import NamedTuple

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from units.history import merged_into
from units.models import Member, Unit, signed_in
from units.normalize import (
    normalize_name,
)

from .. import workbook as wb
from ..bulk import in_batches
from ..models import Campaign
from ..owners import tree_of_path
from .parse import FLAG_KEYS, without_gc
from .plan_residents import Guide, plan_residents_sheet
from .problems import plan_error, plan_problem
from .records import Counts, ImportPlan, MemberRow, ParsedWorkbook, UnitRow


class _Scope:
    """The units a user may import into: all of them for the command without --user."""

    def __init__(self, user):
        self.everything = user is None or getattr(user, "is_superuser", False)
        self.pks = (
            set()
            if self.everything
            else set(Unit.objects.editable_by(user).values_list("pk", flat=True))
        )

    def allows(self, pk):
        return self.everything or pk in self.pks


def may_import(user):
    """Whether `user` may import at all: a secretary or administrator of some unit, or a
    superuser, also before there is any unit (a new district's first workbook)."""
    if not signed_in(user):
        return False
    return user.is_superuser or Unit.objects.editable_by(user).exists()


def plan_import(
    parsed: ParsedWorkbook, *, campaign: Campaign, user=None, progress=None
) -> ImportPlan:
    """What importing `parsed` into `campaign` as `user` would do; writes nothing.
    `progress(done, total)`, if given, is told the rows planned of the file's rows (the
    units', the members', then the residents' step by step)."""
    with without_gc():
        return _plan_import(parsed, campaign=campaign, user=user, progress=progress)


def _plan_import(parsed, *, campaign, user=None, progress=None):
    progress = progress or (lambda done, total: None)
    plan = ImportPlan(
        parsed=parsed,
        campaign=campaign,
        user=user,
        errors=list(parsed.errors),
        warnings=list(parsed.warnings),
    )
    if parsed.errors and not parsed.sheets:
        return plan
    scope = _Scope(user)
    _redirect_merged(plan)
    units, members = len(parsed.units), len(parsed.members)
    total = units + members + len(parsed.cases)
    progress(0, total)
    unit_ok = _plan_units(plan, scope)
    progress(units, total)
    member_units = _plan_members(plan, scope, unit_ok)
    progress(units + members, total)
    plan_residents_sheet(
        plan,
        scope,
        member_units,
        tell=lambda share: progress(units + members + int(share * len(parsed.cases)), total),
    )
    progress(total, total)
    # Sheet by sheet as they were read (units, members, residents), row by row.
    order = {normalize_name(title): index for index, title in enumerate(parsed.read_titles)}
    plan.errors.sort(key=lambda p: (order.get(p.sheet, -1), p.row))
    plan.warnings.sort(key=lambda p: (order.get(p.sheet, -1), p.row))
    return plan


def _redirect_merged(plan):
    """Rows naming a unit merged into another (rules.md, units that change: it keeps its
    code) go to the unit it merged into, each with a warning saying so."""
    parsed = plan.parsed
    named = {m.unit_code for m in parsed.members.values()}
    named |= {u.parent_code for u in parsed.units.values() if u.parent_code}
    merged = merged_into(named - set(parsed.units))
    if not merged:
        return

    def warn(key, row, column, code):
        target, day = merged[code]
        message = _(
            "Unit %(code)s: the unit merged into %(target)s from %(day)s; the row goes to "
            "%(target_code)s."
        ) % {
            "code": code,
            "target": target.name,
            "target_code": target.code,
            "day": date_format(day, "d/m/Y"),
        }
        plan.warnings.append(plan_problem(parsed, key, row, column, message, "merged_unit"))
        return target.code

    for record in parsed.members.values():
        if record.unit_code in merged:
            record.unit_code = warn("members", record.row, "unit_code", record.unit_code)
    for record in parsed.units.values():
        if record.parent_code in merged:
            record.parent_code = warn("units", record.row, "parent_code", record.parent_code)


class UsableUnit(NamedTuple):
    """A unit code the members sheet may use: the unit's kind, and whether the user may
    import into it."""

    kind: str
    allowed: bool


def _plan_units(plan, scope):
    """Check the unit rows against the database; returns {code: UsableUnit} for every unit
    code the members may use."""
    parsed = plan.parsed
    codes = set(parsed.units) | {u.parent_code for u in parsed.units.values() if u.parent_code}
    codes |= {m.unit_code for m in parsed.members.values()}
    existing = {}
    for batch in in_batches(codes):
        for unit in Unit.objects.filter(code__in=batch).values(
            "pk", "code", "name", "kind", "parent__code", "path"
        ):
            existing[unit["code"]] = unit
    plan.unit_pks = {code: unit["pk"] for code, unit in existing.items()}
    plan.unit_trees = {code: tree_of_path(unit["path"]) for code, unit in existing.items()}
    counts = plan.counts.setdefault("units", Counts()) if "units" in parsed.sheets else Counts()
    usable = {
        code: UsableUnit(unit["kind"], scope.allows(unit["pk"])) for code, unit in existing.items()
    }
    new = {}
    for code, record in parsed.units.items():
        unit = existing.get(code)
        parent = record.parent_code
        if parent and parent not in parsed.units and parent not in existing:
            if parent not in parsed.unit_codes_seen:
                plan_error(
                    plan,
                    "units",
                    record.row,
                    "parent_code",
                    _("No unit has the code %(code)s (neither in the system nor on this sheet).")
                    % {"code": parent},
                    "unknown_unit",
                )
            continue
        if not parent:
            parent_allowed = scope.everything
        elif parent in existing:
            parent_allowed = scope.allows(existing[parent]["pk"])
        else:
            parent_allowed = True  # new in this file: checked on its own row
        if unit is not None:
            if not scope.allows(unit["pk"]):
                plan_error(
                    plan,
                    "units",
                    record.row,
                    "code",
                    _("Unit %(code)s is not one of your units.") % {"code": code},
                    "out_of_scope",
                )
                continue
            new_parent = parent or unit["parent__code"]
            if parent and parent != unit["parent__code"]:
                if not parent_allowed:
                    plan_error(
                        plan,
                        "units",
                        record.row,
                        "parent_code",
                        _("Unit %(code)s is not one of your units.") % {"code": parent},
                        "out_of_scope",
                    )
                    continue
                if parent in existing and existing[parent]["path"].startswith(unit["path"]):
                    plan_error(
                        plan,
                        "units",
                        record.row,
                        "parent_code",
                        _("A unit cannot be placed under one of its own sub-units."),
                        "cycle",
                    )
                    continue
            if (unit["name"], unit["kind"], unit["parent__code"]) == (
                record.name,
                record.kind,
                new_parent,
            ):
                counts.unchanged += 1
            else:
                counts.changed += 1
                plan.changed_units.append(
                    (unit["pk"], UnitRow(record.row, code, record.name, record.kind, new_parent))
                )
            usable[code] = UsableUnit(record.kind, True)
        else:
            if not parent_allowed:
                if parent:
                    message = _("Unit %(code)s is not one of your units.") % {"code": parent}
                else:
                    message = _(
                        "A new unit must be placed under one of your units: give its parent "
                        "unit's code."
                    )
                plan_error(plan, "units", record.row, "parent_code", message, "out_of_scope")
                continue
            counts.new += 1
            new[code] = record
            usable[code] = UsableUnit(record.kind, True)
    # New units, parents first (a parent in the file may itself be new).
    while new:
        ready = [r for r in new.values() if r.parent_code not in new]
        if not ready:
            break  # a loop, reported by the parse step
        for record in ready:
            plan.new_units.append(record)
            del new[record.code]
    return usable


def _plan_members(plan, scope, units):
    """Check the member rows; returns {id number: Guide} for the workbook's members, for the
    residents sheet."""
    parsed = plan.parsed
    counts = plan.counts.setdefault("members", Counts()) if "members" in parsed.sheets else Counts()
    ids = list(parsed.members)
    existing = {}
    fields = ("pk", "id_number", "unit_id", "unit__code", *Member.DETAILS, *FLAG_KEYS)
    for batch in in_batches(ids):
        for member in Member.objects.filter(id_number__in=batch).values(*fields):
            existing[member["id_number"]] = member
    plan.member_pks.update({i: m["pk"] for i, m in existing.items()})
    found = {}
    for id_number, record in parsed.members.items():
        unit = units.get(record.unit_code)
        if unit is None:
            if record.unit_code not in parsed.unit_codes_seen:
                plan_error(
                    plan,
                    "members",
                    record.row,
                    "unit_code",
                    _(
                        "No unit has the code %(code)s (neither in the system nor on the "
                        "“%(sheet)s” sheet)."
                    )
                    % {"code": record.unit_code, "sheet": wb.UNITS.title},
                    "unknown_unit",
                )
            continue
        if not unit.allowed:
            plan_error(
                plan,
                "members",
                record.row,
                "unit_code",
                _("Unit %(code)s is not one of your units.") % {"code": record.unit_code},
                "out_of_scope",
            )
            continue
        member = existing.get(id_number)
        if member is not None and not scope.allows(member["unit_id"]):
            plan_error(
                plan,
                "members",
                record.row,
                "id_number",
                _("ID number %(id)s belongs to another unit, which is not one of your units.")
                % {"id": id_number},
                "out_of_scope",
            )
            continue
        found[id_number] = Guide(unit.kind, record.full_name, record.unit_code)
        if member is None:
            counts.new += 1
            plan.member_writes.append(record)
            continue
        merged = MemberRow(
            record.row,
            record.unit_code,
            record.full_name,
            id_number,
            record.category,
            record.birth_date or member["birth_date"],
            record.phone or member["phone"],
            {**{k: member[k] for k in FLAG_KEYS}, **record.flags},
        )
        same = (
            member["unit__code"] == merged.unit_code
            and all(member[k] == getattr(merged, k) for k in Member.DETAILS)
            and all(member[k] == merged.flags[k] for k in FLAG_KEYS)
        )
        if same:
            counts.unchanged += 1
        else:
            counts.changed += 1
            plan.member_writes.append(merged)
            if member["unit__code"] != merged.unit_code:
                plan.moved_members.append(member["pk"])
    return found
