"""Units that change (rules.md): a unit closed, units merged into another, a unit split, each
from a day, and the organisation as it stood on any day.

A change is applied to the live rows at once (members, sub-units and roles moved, units
closed or created) and recorded move by move. The tree as it stood on a day is the live one
with every standing change of a later day taken back: a member's unit on `day` is the unit
its first later move took it from, a unit's parent likewise, and a unit made by a later
split did not exist yet. With no change after `day` (the common case) the live rows are the
tree, and nothing more is read.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import Member, Unit, UnitChange, UnitMove, path_segment


def later_moves(day):
    """Moves of the standing changes that took effect after `day`."""
    return UnitMove.objects.filter(change__day__gt=day, change__undone_at__isnull=True)


def members_on(day):
    """Every member, annotated `unit_on`: the primary key of their unit on `day`."""
    first_later = (
        later_moves(day)
        .filter(what=UnitMove.What.MEMBER, member=OuterRef("pk"))
        .order_by("change__day", "change_id", "pk")
        .values("from_unit")[:1]
    )
    return Member.objects.annotate(
        unit_on=Coalesce(Subquery(first_later), F("unit_id"), output_field=models.BigIntegerField())
    )


@dataclass
class Tree:
    """The units as they stood on `day`: {pk: row} with `code`, `name`, `kind`, `path`,
    `parent_id` and `valid_to` as the live rows have them, parents and paths as then."""

    day: datetime.date
    units: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)  # a unit made later -> the one it stood in
    _member_units: dict | None = field(default=None, repr=False)

    def alias(self, pk):
        """The unit that stood on the day for `pk` (itself, unless a later split made it)."""
        return self.aliases.get(pk, pk)

    def scope(self, units=None):
        """The primary keys of the units that stood under `units` on the day: the subtrees,
        as they stood, of the top units of `units` (a Unit queryset closed under sub-units;
        None: every unit)."""
        if units is None:
            return set(self.units)
        current = dict(units.values_list("pk", "parent_id"))
        tops = [
            self.units[pk]["path"]
            for pk, up in current.items()
            if up not in current and pk in self.units
        ]
        return {
            pk for pk, row in self.units.items() if any(row["path"].startswith(t) for t in tops)
        }

    def ordered(self, pks):
        return sorted((self.units[pk] for pk in pks), key=lambda row: row["path"])

    def members(self, pks):
        """Members whose unit on the day is among `pks`, annotated `unit_on`."""
        pks = set(pks)
        pks |= {made for made, stood in self.aliases.items() if stood in pks}
        return members_on(self.day).filter(unit_on__in=list(pks))

    def member_units(self):
        """{member pk: their unit's pk on the day}, for every member (two queries, read once:
        members are few, and a list of them filters the cases faster than a subquery)."""
        if self._member_units is None:
            found = dict(Member.objects.order_by().values_list("pk", "unit_id"))
            moves = (
                later_moves(self.day)
                .filter(what=UnitMove.What.MEMBER)
                .order_by("-change__day", "-change_id", "-pk")
                .values_list("member_id", "from_unit_id")
            )
            for member, from_unit in moves:  # latest first: the first later move wins
                found[member] = from_unit
            self._member_units = {pk: self.alias(unit) for pk, unit in found.items()}
        return self._member_units

    def member_pks(self, within):
        """The pks of the members whose unit on the day is among `within` (a set), or None
        when that is every member."""
        units = self.member_units()
        pks = [pk for pk, unit in units.items() if unit in within]
        return None if len(pks) == len(units) else pks

    def unit_on(self, member="member"):
        """For rows with a member (the field `member`, a case's guide): their unit's primary
        key on the day."""
        first_later = (
            later_moves(self.day)
            .filter(what=UnitMove.What.MEMBER, member=OuterRef(member))
            .order_by("change__day", "change_id", "pk")
            .values("from_unit")[:1]
        )
        return Coalesce(
            Subquery(first_later), F(f"{member}__unit_id"), output_field=models.BigIntegerField()
        )

    def unit_value(self, unit_on, name, pks):
        """The expression of a unit's `name` or `path` on the day, for the units `pks`, by the
        field `unit_on` holding its primary key (units are few: one CASE)."""
        pks = set(pks)
        stood = {pk: pk for pk in pks}
        stood.update((made, up) for made, up in self.aliases.items() if up in pks)
        return Case(
            *[When(**{unit_on: pk}, then=Value(self.units[up][name])) for pk, up in stood.items()],
            default=Value(""),
            output_field=models.CharField(),
        )


UNIT_FIELDS = ("pk", "code", "name", "kind", "path", "parent_id", "valid_to")


def tree_on(day):
    """The Tree of `day`, or None when no standing change took effect after it (the live
    rows are then the tree as it stood)."""
    # Every change closes a unit: one query tells whether any took effect after `day`.
    moves = list(
        later_moves(day)
        .filter(what__in=[UnitMove.What.SUBUNIT, UnitMove.What.CREATED, UnitMove.What.CLOSED])
        .order_by("-change__day", "-change_id", "-pk")
        .values_list("what", "unit_id", "from_unit_id")
    )
    if not moves:
        return None
    rows = {row["pk"]: row for row in Unit.objects.order_by().values(*UNIT_FIELDS)}
    parent = {pk: row["parent_id"] for pk, row in rows.items()}
    made_from = {}  # a unit a later split made -> the unit it was split from
    # Latest first: what remains for a unit is what its first later move found.
    for what, unit_id, from_unit_id in moves:
        if what == UnitMove.What.CREATED:
            made_from[unit_id] = from_unit_id
        elif what == UnitMove.What.SUBUNIT:
            parent[unit_id] = from_unit_id
    tree = Tree(day=day)
    for pk in made_from:
        # What was recorded in a unit a split made later, outside the split (a member or a
        # sub-unit added to it since), stood then in the unit it was split from.
        found = pk
        while found in made_from and found is not None:
            found = made_from[found]
        tree.aliases[pk] = found
    paths = {}

    def path_of(pk, seen=()):
        if pk not in paths:
            up = tree.alias(parent[pk])
            if up in seen:  # pragma: no cover - a broken record
                raise ValueError("unit history has a cycle")
            paths[pk] = (path_of(up, seen + (pk,)) if up else "/") + path_segment(pk)
        return paths[pk]

    for pk, row in rows.items():
        if pk not in made_from:
            tree.units[pk] = {**row, "parent_id": tree.alias(parent[pk]), "path": path_of(pk)}
    return tree


def merged_into(codes):
    """{code: (target unit, day)} for the codes of units merged into another by a standing
    change, following a chain (A into B, then B into C: A goes to C, from the last day)."""
    found = {}
    rows = UnitMove.objects.filter(
        what=UnitMove.What.CLOSED,
        change__kind=UnitChange.Kind.MERGE,
        change__undone_at__isnull=True,
    ).values_list("unit__code", "change__target_id", "change__day")
    merges = {code: (target, day) for code, target, day in rows}
    if not merges:
        return found
    targets = {u.pk: u for u in Unit.objects.filter(pk__in={t for t, _d in merges.values()})}
    code_of = {u.pk: u.code for u in targets.values()}
    for code in codes:
        if code not in merges:
            continue
        target, day = merges[code]
        seen = {code}
        while code_of.get(target) in merges and code_of[target] not in seen:
            seen.add(code_of[target])
            target, day = merges[code_of[target]]
            if target not in targets:
                targets[target] = Unit.objects.get(pk=target)
                code_of[target] = targets[target].code
        found[code] = (targets[target], day)
    return found
