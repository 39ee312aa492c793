"""Whose record a resident's details are: each tree of units (named by its top unit) keeps
what its units typed about a resident as its own.

The Resident row holds the details of one tree, its `tree` (the tree whose case first held
the person); every other tree that guides them keeps a ResidentRecord. A write goes to the
record of the tree of the case's guide, never to another tree's; a user sees the record of
their own tree (privacy.scope). The ID number stays one for every tree, so a double claim is
still found.
"""

from units.models import PATH_DIGITS, Member, Unit, UnitRole, signed_in

from .bulk import in_batches
from .models import Case, Resident, ResidentRecord


def tree_of_path(path):
    """The primary key of the top unit of the unit whose materialised path is `path`."""
    return int(path[1 : 1 + PATH_DIGITS])


def tree_of_unit(unit):
    return tree_of_path(unit.path)


def tree_of_member(member):
    return tree_of_path(member.unit.path)


def trees_of(user):
    """The top units of the trees in which `user` sees a unit (any role), and of their own
    member record's unit: a set of primary keys, kept on the user object for the request."""
    cached = getattr(user, "_resident_trees", None)
    if cached is not None:
        return cached
    trees = set()
    if signed_in(user):
        if user.is_superuser:
            trees = set(Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True))
        else:
            paths = list(UnitRole.objects.filter(user=user).values_list("unit__path", flat=True))
            paths += Member.objects.own_of(user).values_list("unit__path", flat=True)
            trees = {tree_of_path(p) for p in paths if p}
    try:
        user._resident_trees = trees
    except AttributeError:
        pass
    return trees


def details_of(resident):
    return {key: getattr(resident, key) for key in ResidentRecord.DETAILS}


def record_for(resident, tree_pk):
    """The details tree `tree_pk` holds of `resident` (a dict), or None when it holds none."""
    if resident.tree_id is None or resident.tree_id == tree_pk:
        return details_of(resident)
    record = ResidentRecord.objects.filter(resident=resident, tree_id=tree_pk).first()
    return None if record is None else details_of(record)


def _trees_with_cases(resident_ids):
    """{resident pk: {tree pk: the earliest case's pk}} of the residents' cases."""
    found = {}
    for resident_id, pk, path in (
        Case.objects.filter(resident_id__in=resident_ids)
        .order_by("pk")
        .values_list("resident_id", "pk", "member__unit__path")
    ):
        found.setdefault(resident_id, {}).setdefault(tree_of_path(path), pk)
    return found


def assign_trees(resident_ids=None):
    """Give each of these residents (all when None) without a tree the tree of their
    earliest case: new residents, and those seeded or imported by a command. A batch's cases
    are read once (by the index led by the resident) and its residents updated with one
    UPDATE per tree; a batch finds nothing to do when each has one.

    Not one UPDATE whose subquery takes each resident's earliest case: PostgreSQL walked
    the cases in primary-key order for every resident, minutes on 100,000 of them."""
    if resident_ids is None:
        resident_ids = (
            Resident.objects.filter(tree__isnull=True).order_by().values_list("pk", flat=True)
        )
    for batch in in_batches(sorted(set(resident_ids))):
        without = set(
            Resident.objects.filter(pk__in=batch, tree__isnull=True)
            .order_by()
            .values_list("pk", flat=True)
        )
        if not without:
            continue
        first = {}  # resident pk -> (earliest case pk, its tree)
        for resident_id, pk, path in (
            Case.objects.filter(resident_id__in=without)
            .order_by()
            .values_list("resident_id", "pk", "member__unit__path")
        ):
            if resident_id not in first or pk < first[resident_id][0]:
                first[resident_id] = (pk, tree_of_path(path))
        by_tree = {}
        for resident_id, (_pk, tree) in first.items():
            by_tree.setdefault(tree, []).append(resident_id)
        for tree, pks in by_tree.items():
            Resident.objects.filter(pk__in=pks, tree__isnull=True).update(tree_id=tree)


def settle_after_delete(resident_ids):
    """After cases were deleted: a tree that no longer guides a resident keeps no record of
    them; when it was the tree whose details the Resident row holds, the row takes the
    record of the tree that guided them first among those left (and that record goes)."""
    resident_ids = list(resident_ids)
    trees = _trees_with_cases(resident_ids)
    for record in ResidentRecord.objects.filter(resident_id__in=resident_ids):
        if record.tree_id not in trees.get(record.resident_id, {}):
            record.delete()
    for resident in Resident.objects.filter(pk__in=resident_ids, tree__isnull=False):
        left = trees.get(resident.pk)
        if not left or resident.tree_id in left:
            continue
        successor = min(left, key=left.get)
        record = ResidentRecord.objects.filter(resident=resident, tree_id=successor).first()
        for key in ResidentRecord.DETAILS:
            default = None if key == "birth_date" else ""
            setattr(resident, key, getattr(record, key) if record else default)
        resident.tree_id = successor
        resident.save()
        if record:
            record.delete()
