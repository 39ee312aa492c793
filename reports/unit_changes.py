"""Closing, merging and splitting units on a day (rules.md, "Units that change").

Each change is planned first (`plan_close`, `plan_merge`, `plan_split`): what moves, how
many members, cases and users' roles, or why it is refused. The plan writes nothing; the
preview shows it. `apply_change` applies a plan that has no error, all or nothing, and
records every move (units.history), so that figures and reports for a day before the change
read the tree as it stood. `undo_change` takes a change back while no report covering its
day has been submitted. The checks live here, above the units, because they read the
submissions (a change on a day inside a submitted period is refused).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaign.models import Case
from campaign.rule_inputs import refresh_rule_inputs, residents_guided_in
from units.models import UNIT_CODE_VALIDATOR, Member, Unit, UnitChange, UnitKind, UnitMove, UnitRole

from .models import Submission

Kind = UnitChange.Kind
What = UnitMove.What


@dataclass
class NewUnit:
    """A unit a split makes."""

    code: str
    name: str
    kind: str


@dataclass
class RoleMove:
    role: UnitRole
    to: object  # a Unit, a NewUnit's code (a split), or None: the role stays where it is
    dropped: bool = False  # the user already holds a role in the unit it would move to


@dataclass
class ChangePlan:
    """What a change would do, or why it is refused (`errors`): the preview."""

    kind: str
    day: datetime.date
    units: list  # the units closed (merged, split)
    target: Unit | None = None
    new_units: list = field(default_factory=list)  # NewUnit
    members: dict = field(default_factory=dict)  # member pk -> a Unit or a NewUnit code
    subunits: dict = field(default_factory=dict)  # unit pk -> a Unit or a NewUnit code
    roles: list = field(default_factory=list)  # RoleMove
    cases: int = 0
    errors: list = field(default_factory=list)

    @property
    def member_count(self):
        return len(self.members)

    def moved_to(self, destination):
        """How many members go to `destination` (a Unit or a new unit's code)."""
        return sum(1 for to in self.members.values() if to == destination)

    @property
    def new_unit_counts(self):
        """[(NewUnit, how many members go to it)]."""
        return [(new, self.moved_to(new.code)) for new in self.new_units]

    def sub_units(self):
        return Unit.objects.filter(pk__in=list(self.subunits)).order_by("path")

    def concerned(self):
        """The live units the change concerns (not the ones it would make)."""
        units = list(self.units)
        if self.target is not None:
            units.append(self.target)
        return units


def day_text(day):
    return date_format(day, "d/m/Y")


# --- Checks shared by every kind of change --------------------------------------------------


def _check_day(plan):
    if plan.day > timezone.localdate():
        plan.errors.append(_("The day of a change cannot be after today."))
    for unit in plan.units:
        if unit.valid_to is not None and unit.valid_to < plan.day:
            plan.errors.append(
                _("Unit %(unit)s was closed on %(day)s already.")
                % {"unit": unit, "day": day_text(unit.valid_to)}
            )
        if unit.valid_from is not None and unit.valid_from >= plan.day:
            plan.errors.append(
                _("Unit %(unit)s opened on %(day)s: a change must come after that day.")
                % {"unit": unit, "day": day_text(unit.valid_from)}
            )
    if plan.target is not None and plan.target.valid_to is not None:
        plan.errors.append(
            _("Unit %(unit)s is closed: nothing can be merged into it.") % {"unit": plan.target}
        )
    later = (
        UnitChange.objects.standing()
        .filter(units__in=plan.concerned(), day__gt=plan.day)
        .distinct()
        .order_by("day")
        .first()
    )
    if later is not None:
        plan.errors.append(
            _(
                "A later change (%(change)s) concerns these units: undo it first, or give a "
                "day on or after %(day)s."
            )
            % {"change": later, "day": day_text(later.day)}
        )
    for submission in submissions_covering(plan.concerned(), plan.day):
        plan.errors.append(submitted_message(submission, plan.day))


def submissions_covering(units, day):
    """Standing submissions, for a period containing `day`, of a unit among `units` or above
    one of them: the reports a change on `day` would contradict."""
    paths = {unit.path for unit in units}
    above = set()
    for path in paths:
        above.update(int(pk) for pk in path.strip("/").split("/") if pk)
    return (
        Submission.objects.standing()
        .filter(unit_id__in=above, period__starts_on__lte=day, period__ends_on__gte=day)
        .select_related("unit", "period")
        .order_by("period__ends_on", "unit__path")
    )


def submitted_message(submission, day):
    return _(
        "%(day)s lies in the period “%(period)s”, whose report %(unit)s has already "
        "submitted: reopen that report first (Submitted reports, %(unit)s, %(period)s)."
    ) % {"day": day_text(day), "period": submission.period.name, "unit": submission.unit}


def _roles_to(plan, units, destination, keep=()):
    """Each role held in `units` moves to `destination`, but those in `keep` (pks)."""
    for role in UnitRole.objects.filter(unit__in=units).select_related("user", "unit"):
        plan.roles.append(RoleMove(role, None if role.pk in keep else destination))


# --- Plans --------------------------------------------------------------------------------


def plan_close(*, unit, day):
    """Close `unit` from `day` (its last day is the day before): its members stay on its
    roster and keep counting for it; it must have no open sub-unit."""
    plan = ChangePlan(kind=Kind.CLOSE, day=day, units=[unit])
    _check_day(plan)
    if unit.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).exists():
        plan.errors.append(
            _(
                "Unit %(unit)s still has open sub-units: merge or close them first, or merge "
                "the unit into another."
            )
            % {"unit": unit}
        )
    plan.cases = Case.objects.filter(member__unit=unit).count()
    return plan


def plan_merge(*, units, target, day, keep_roles=()):
    """Merge `units` into `target` from `day`: their members with their cases and their
    sub-units move to `target`; their users' roles too, but those in `keep_roles` (pks)."""
    units = list(units)
    plan = ChangePlan(kind=Kind.MERGE, day=day, units=units, target=target)
    if not units:
        plan.errors.append(_("Choose at least one unit to merge."))
        return plan
    for unit in units:
        if unit.kind != target.kind:
            plan.errors.append(
                _(
                    "%(unit)s is a %(kind)s unit and %(target)s a %(target_kind)s one: a unit "
                    "merges only into a unit of its own kind."
                )
                % {
                    "unit": unit,
                    "kind": unit.get_kind_display(),
                    "target": target,
                    "target_kind": target.get_kind_display(),
                }
            )
        if target.path.startswith(unit.path):
            message = (
                _("A unit cannot be merged into itself.")
                if target.pk == unit.pk
                else _("%(unit)s cannot be merged into %(target)s, one of its own sub-units.")
                % {"unit": unit, "target": target}
            )
            plan.errors.append(message)
    if plan.errors:
        return plan
    _check_day(plan)
    for member in Member.objects.filter(unit__in=units).values_list("pk", flat=True):
        plan.members[member] = target
    for sub in Unit.objects.filter(parent__in=units).exclude(pk=target.pk):
        plan.subunits[sub.pk] = target
    _roles_to(plan, units, target, keep=set(keep_roles))
    plan.cases = Case.objects.filter(member__unit__in=units).count()
    return plan


def plan_split(*, unit, day, new_units, members, subunits=None, roles=None):
    """Split `unit` from `day` into `new_units` (NewUnit), made beside it (under its parent):
    `members` and `subunits` map each of its members and sub-units (pks) to a new unit's
    code; `roles` each role held in it to a code, or "" to leave it where it is (the first
    new unit by default). `unit` closes."""
    subunits, roles = subunits or {}, roles or {}
    plan = ChangePlan(kind=Kind.SPLIT, day=day, units=[unit], new_units=list(new_units))
    codes = [new.code for new in plan.new_units]
    if len(plan.new_units) < 1:
        plan.errors.append(_("A split needs at least one new unit."))
    for new in plan.new_units:
        if not new.code or not new.name:
            plan.errors.append(_("Each new unit needs a code and a name."))
            continue
        try:
            UNIT_CODE_VALIDATOR(new.code)
        except ValidationError as error:
            plan.errors.extend(f"{new.code}: {m}" for m in error.messages)
        if new.kind not in UnitKind.values:
            plan.errors.append(_("New unit %(code)s has no kind.") % {"code": new.code})
        if codes.count(new.code) > 1:
            plan.errors.append(_("Code %(code)s is given twice.") % {"code": new.code})
    taken = Unit.objects.filter(code__in=codes).values_list("code", flat=True)
    for code in sorted(set(taken)):
        plan.errors.append(_("A unit with the code %(code)s already exists.") % {"code": code})
    known = set(codes)
    for member in Member.objects.filter(unit=unit).order_by("full_name"):
        to = members.get(member.pk) or ""
        if to not in known:
            plan.errors.append(
                _("Member %(name)s is not placed in any of the new units.")
                % {"name": member.full_name}
            )
        else:
            plan.members[member.pk] = to
    for sub in unit.children.all():
        to = subunits.get(sub.pk) or ""
        if to not in known:
            plan.errors.append(
                _("Sub-unit %(unit)s is not placed in any of the new units.") % {"unit": sub}
            )
        else:
            plan.subunits[sub.pk] = to
    first = codes[0] if codes else None
    for role in UnitRole.objects.filter(unit=unit).select_related("user", "unit"):
        to = roles.get(role.pk, first)
        plan.roles.append(RoleMove(role, to if to in known else None))
    _check_day(plan)
    plan.cases = Case.objects.filter(member__unit=unit).count()
    return plan


# --- Applying and undoing -----------------------------------------------------------------


class ChangeRefused(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


@transaction.atomic
def apply_change(plan, *, user):
    """Apply `plan` (its day checked again inside the transaction), all or nothing; the
    change."""
    if plan.errors:
        raise ChangeRefused(plan.errors)
    # Lock the units concerned, then check the day again: a report submitted or a change
    # made since the preview refuses this one.
    list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in plan.concerned()]))
    _check_day(plan)
    if plan.errors:
        raise ChangeRefused(plan.errors)
    user = user if getattr(user, "is_authenticated", False) else None
    change = UnitChange.objects.create(
        kind=plan.kind, day=plan.day, target=plan.target, made_by=user
    )
    made = {}
    for new in plan.new_units:
        parent = plan.units[0].parent
        unit = Unit(code=new.code, name=new.name, kind=new.kind, parent=parent, valid_from=plan.day)
        unit.full_clean(exclude=["parent"])
        unit.save()
        made[new.code] = unit
    moves = [
        UnitMove(change=change, what=What.CREATED, unit=unit, from_unit=plan.units[0])
        for unit in made.values()
    ]

    def resolve(destination):
        return made[destination] if isinstance(destination, str) else destination

    # Members: one UPDATE per destination, whatever the roster's size.
    current = dict(Member.objects.filter(pk__in=list(plan.members)).values_list("pk", "unit_id"))
    by_destination = {}
    for member, destination in plan.members.items():
        if member in current:
            by_destination.setdefault(resolve(destination).pk, []).append(member)
    for unit_pk, pks in by_destination.items():
        for start in range(0, len(pks), 5000):
            Member.objects.filter(pk__in=pks[start : start + 5000]).update(
                unit_id=unit_pk, updated_at=timezone.now(), updated_by=user
            )
        _record_history(Member, pks, user, change)
        moves += [
            UnitMove(
                change=change,
                what=What.MEMBER,
                member_id=pk,
                from_unit_id=current[pk],
                to_unit_id=unit_pk,
            )
            for pk in pks
        ]
    for sub in Unit.objects.filter(pk__in=list(plan.subunits)):
        destination = resolve(plan.subunits[sub.pk])
        moves.append(
            UnitMove(
                change=change,
                what=What.SUBUNIT,
                unit=sub,
                from_unit_id=sub.parent_id,
                to_unit=destination,
            )
        )
        sub.parent = destination
        sub.save()
    for move in plan.roles:
        if move.to is None:
            continue
        destination = resolve(move.to)
        role = move.role
        record = UnitMove(
            change=change,
            what=What.ROLE,
            user_id=role.user_id,
            role=role.role,
            from_unit_id=role.unit_id,
            to_unit=destination,
        )
        if UnitRole.objects.filter(user_id=role.user_id, unit=destination).exists():
            record.to_unit = None  # the user keeps the role they hold there
            role.delete()
        else:
            role.unit = destination
            role.save()
        moves.append(record)
    for unit in plan.units:
        moves.append(
            UnitMove(
                change=change,
                what=What.CLOSED,
                unit=unit,
                previous_valid_to=unit.valid_to,
            )
        )
        Unit.objects.filter(pk=unit.pk).update(
            valid_to=plan.day - datetime.timedelta(days=1), updated_at=timezone.now()
        )
    _record_history(Unit, [unit.pk for unit in plan.units], user, change)
    UnitMove.objects.bulk_create(moves, batch_size=2000)
    concerned = [*plan.concerned(), *made.values()]
    change.units.set(concerned)
    change.summary = {
        "from": [[u.code, u.name] for u in plan.units],
        "to": [[u.code, u.name] for u in ([plan.target] if plan.target else made.values())],
        "members": len(plan.members),
        "cases": plan.cases,
        "subunits": len(plan.subunits),
        "roles": sum(1 for move in plan.roles if move.to is not None),
    }
    change.save(update_fields=["summary"])
    kinds = {u.kind for u in concerned}
    if len(kinds) > 1:  # who competes for a resident changes when claims count within a kind
        refresh_rule_inputs(resident_ids=residents_guided_in(members=list(plan.members)))
    return change


def _record_history(model, pks, user, change, *, undone=False):
    """A version of each row written in one UPDATE (members moved, units closed), for the
    history pages: who, when, and which change (simple_history's reason)."""
    reason = f"{change}{' (hoàn tác)' if undone else ''}"[:100]
    for start in range(0, len(pks), 5000):
        model.history.bulk_history_create(
            list(model.objects.filter(pk__in=pks[start : start + 5000])),
            update=True,
            default_user=user if getattr(user, "is_authenticated", False) else None,
            default_change_reason=reason,
        )


def undo_problems(change):
    """Why `change` cannot be undone (empty: it can)."""
    if change.undone_at is not None:
        return [_("This change was undone already.")]
    problems = []
    later = (
        UnitChange.objects.standing()
        .filter(units__in=change.units.all())
        .filter(Q(day__gt=change.day) | Q(day=change.day, pk__gt=change.pk))
        .exclude(pk=change.pk)
        .distinct()
        .first()
    )
    if later is not None:
        problems.append(
            _("A later change (%(change)s) concerns these units: undo it first.")
            % {"change": later}
        )
    for submission in submissions_covering(change.units.all(), change.day):
        problems.append(
            _(
                "The report of %(unit)s for “%(period)s”, which covers %(day)s, has been "
                "submitted: the change can no longer be undone."
            )
            % {
                "unit": submission.unit,
                "period": submission.period.name,
                "day": day_text(change.day),
            }
        )
    return problems


@transaction.atomic
def undo_change(change, *, user):
    """Take `change` back, all or nothing: members, sub-units and roles where they were, the
    units it closed open again, the units it made removed."""
    problems = undo_problems(change)
    if problems:
        raise ChangeRefused(problems)
    moves = list(change.moves.order_by("-pk"))
    members = {}
    for move in moves:
        if move.what == What.MEMBER:
            members.setdefault((move.from_unit_id, move.to_unit_id), []).append(move.member_id)
    for (from_unit, to_unit), pks in members.items():
        for start in range(0, len(pks), 5000):
            Member.objects.filter(pk__in=pks[start : start + 5000], unit_id=to_unit).update(
                unit_id=from_unit, updated_at=timezone.now()
            )
        _record_history(Member, pks, user, change, undone=True)
    for move in moves:
        if move.what == What.SUBUNIT:
            unit = Unit.objects.get(pk=move.unit_id)
            unit.parent_id = move.from_unit_id
            unit.save()
        elif move.what == What.ROLE:
            if move.to_unit_id is not None:
                UnitRole.objects.filter(
                    user_id=move.user_id, unit_id=move.to_unit_id, role=move.role
                ).update(unit_id=move.from_unit_id)
            else:
                UnitRole.objects.get_or_create(
                    user_id=move.user_id, unit_id=move.from_unit_id, defaults={"role": move.role}
                )
        elif move.what == What.CLOSED:
            Unit.objects.filter(pk=move.unit_id).update(
                valid_to=move.previous_valid_to, updated_at=timezone.now()
            )
            _record_history(Unit, [move.unit_id], user, change, undone=True)
    made = [move.unit_id for move in moves if move.what == What.CREATED]
    if made:
        if (
            Member.objects.filter(unit_id__in=made).exists()
            or Unit.objects.filter(parent_id__in=made).exists()
        ):
            raise ChangeRefused(
                [_("The units this split made have members or sub-units of their own now.")]
            )
        UnitRole.objects.filter(unit_id__in=made).delete()
        UnitMove.objects.filter(change=change, what=What.CREATED).update(unit=None)
        try:
            Unit.objects.filter(pk__in=made).delete()
        except ProtectedError:
            raise ChangeRefused([_("The units this split made are used elsewhere now.")]) from None
    user = user if getattr(user, "is_authenticated", False) else None
    change.undone_at, change.undone_by = timezone.now(), user
    change.save(update_fields=["undone_at", "undone_by"])
    kinds = set(change.units.values_list("kind", flat=True))
    if len(kinds) > 1:
        refresh_rule_inputs(
            resident_ids=residents_guided_in(members=[pk for pks in members.values() for pk in pks])
        )
    return change
