"""The person's rights (Law 91/2025/QH15): to see everything held about them, to have it
corrected, to have it deleted. For administrators, about the residents of their units.

Deleting a person removes their resident record, every case and resolution about them, and
the history copies of those (which hold the same details); the access records stay, as they
hold only the keyed digest of the number and are the organisation's own account of what it
did. Figures already submitted are records of their own and are not touched here.

The page is the data controller's: the administrators of a tree's top unit, about that
tree's record of the person only (campaign.owners: the Resident row when the tree owns its
details, else the tree's ResidentRecord). Another tree's cases are counted, never named; a
correction writes only the tree's own record; an erasure deletes only the tree's cases, its
record and their history, and the person stays for a tree that still guides them.
"""

import copy

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from campaign.models import ActivationEntry, Case, DoubleClaimResolution, Resident, ResidentRecord
from campaign.owners import assign_trees, settle_after_delete, tree_of_path
from units.models import ADMINISTERS, Member, Unit, UnitRole

from .models import ImportEvent, PersonalDataAccess
from .subjects import subject_key

# What a person may have corrected: the details each tree keeps of a resident (the category,
# which the rules read, is the organisation's, not the person's).
CORRECTABLE = ResidentRecord.DETAILS


def trees_administered_by(user):
    """The top units (primary keys) whose administrators `user` is: every top unit for a
    superuser, else those on which they hold the administrator's role."""
    tops = Unit.objects.filter(parent__isnull=True)
    if not getattr(user, "is_superuser", False):
        tops = tops.filter(
            pk__in=UnitRole.objects.filter(user=user, role__in=ADMINISTERS).values("unit")
        )
    return set(tops.values_list("pk", flat=True))


def _in_trees(trees, field="member__unit__path"):
    """A condition: the row's unit (at `field`, a materialised path) is in one of `trees`."""
    condition = Q(pk__in=[])
    for path in Unit.objects.filter(pk__in=trees).values_list("path", flat=True):
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def residents_administered_by(user):
    """Residents with a case in a tree whose top unit `user` administers."""
    trees = trees_administered_by(user)
    if not trees:
        return Resident.objects.none()
    return Resident.objects.filter(
        pk__in=Case.objects.filter(_in_trees(trees)).values("resident_id")
    )


def own_tree(resident, trees):
    """The tree of `trees` whose record of `resident` the page shows and writes: the one
    owning the Resident row's details if it is among them, else the first with a case."""
    if resident.tree_id is None or resident.tree_id in trees:
        return resident.tree_id
    for path in (
        Case.objects.filter(resident=resident)
        .filter(_in_trees(trees))
        .order_by("pk")
        .values_list("member__unit__path", flat=True)
    ):
        return tree_of_path(path)
    return min(trees)


def owns_row(resident, tree):
    return resident.tree_id is None or resident.tree_id == tree


def record_of(resident, tree):
    """The tree's ResidentRecord of `resident` (None when the tree owns the row or holds none)."""
    if owns_row(resident, tree):
        return None
    return ResidentRecord.objects.filter(resident=resident, tree_id=tree).first()


def shown_to(resident, tree):
    """`resident` itself when the tree owns its details, else a display copy holding the
    tree's record (blank when it holds none)."""
    if owns_row(resident, tree):
        return resident
    shown = copy.copy(resident)
    record = record_of(resident, tree)
    for name in ResidentRecord.DETAILS:
        blank = None if name == "birth_date" else ""
        setattr(shown, name, getattr(record, name) if record else blank)
    return shown


def _tree_users(trees):
    paths = Unit.objects.filter(pk__in=trees).values_list("path", flat=True)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(unit_roles__unit__path__startswith=path)
        condition |= Q(member__unit__path__startswith=path)
    return condition


def everything_held(user, resident, trees=None):
    """What the tree(s) `user` administers hold about `resident`, as the rights page shows
    it: their record, cases, resolutions, history and access records; other trees' cases
    counted."""
    from django.contrib.auth import get_user_model

    trees = trees_administered_by(user) if trees is None else trees
    tree = own_tree(resident, trees)
    key = subject_key(resident.id_number)
    members = Member.objects.filter(_in_trees(trees, "unit__path"))
    users = get_user_model().objects.filter(Q(pk=user.pk) | _tree_users(trees))
    accesses = (
        PersonalDataAccess.concerning(key)
        | PersonalDataAccess.objects.filter(what=f"resident {resident.pk}")
    ).filter(user__in=users)
    cases = Case.objects.filter(resident=resident)
    record = record_of(resident, tree)
    if owns_row(resident, tree):
        resident_history = Resident.history.filter(id=resident.pk)
    elif record is not None:
        resident_history = ResidentRecord.history.filter(id=record.pk)
    else:
        resident_history = ResidentRecord.history.none()
    user_ids = set(users.values_list("pk", flat=True))
    return {
        "resident": shown_to(resident, tree),
        "cases": cases.filter(_in_trees(trees))
        .select_related("member__unit", "campaign", "created_by", "updated_by")
        .order_by("pk"),
        "other_cases": cases.exclude(_in_trees(trees)).count(),
        "resolutions": DoubleClaimResolution.objects.filter(resident=resident)
        .filter(Q(awarded_to__in=members) | Q(awarded_to__isnull=True))
        .select_related("awarded_to", "resolved_by"),
        "resident_history": resident_history.select_related("history_user").order_by(
            "-history_date"
        ),
        "case_history": Case.history.filter(
            resident_id=resident.pk, member_id__in=members.values("pk")
        )
        .select_related("history_user")
        .order_by("-history_date"),
        "member_records": members.filter(id_number=resident.id_number).select_related("unit"),
        # The police's activation list: a row about the same ID number (Law 91/2025: the
        # person sees it too).
        "activation_entries": ActivationEntry.objects.filter(
            id_number=resident.id_number
        ).select_related("campaign", "activation_list__imported_by"),
        "accesses": accesses.select_related("user").distinct().order_by("-at")[:500],
        "imports": [
            e
            for e in ImportEvent.objects.select_related("user").filter(user__in=user_ids)
            if resident.pk in e.resident_ids
        ],
    }


@transaction.atomic
def correct_person(*, resident, data, user, request=None, trees=None):
    """Write the corrected details (a form's cleaned data) to the record of the tree `user`
    administers: the Resident row only when that tree owns its details, else the tree's
    ResidentRecord. Records who and why."""
    trees = trees_administered_by(user) if trees is None else trees
    tree = own_tree(resident, trees)
    if owns_row(resident, tree):
        target = resident
    else:
        target = record_of(resident, tree) or ResidentRecord(resident=resident, tree_id=tree)
    for name in CORRECTABLE:
        if name in data:
            setattr(target, name, data[name])
    target.stamp(user)
    target._change_reason = "correction at the person's request"
    target.save()
    PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.CORRECT,
        what=_("Resident #%(pk)s: details corrected at the person's request") % {"pk": resident.pk},
        rows=1,
        request=request,
        id_number=resident.id_number,
    )


@transaction.atomic
def erase_person(*, resident, user, request=None, trees=None):
    """Delete what the tree(s) `user` administers hold about `resident`: their cases and
    resolutions, their record and the history copies of all of them; record the deletion.
    When no other tree holds a case, the resident goes whole (and their row of the
    activation list). Returns the number of cases deleted."""
    trees = trees_administered_by(user) if trees is None else trees
    if resident.tree_id is None:
        assign_trees([resident.pk])
        resident.refresh_from_db()
    pk, id_number = resident.pk, resident.id_number
    ours = _in_trees(trees)
    if not Case.objects.filter(resident_id=pk).exclude(ours).exists():
        return _erase_whole(resident=resident, user=user, request=request)
    members = Member.objects.filter(_in_trees(trees, "unit__path")).values("pk")
    case_ids = list(Case.objects.filter(resident_id=pk).filter(ours).values_list("pk", flat=True))
    resolutions = DoubleClaimResolution.objects.filter(resident_id=pk, awarded_to__in=members)
    resolution_ids = list(resolutions.values_list("pk", flat=True))
    resolutions.delete()
    DoubleClaimResolution.history.filter(id__in=resolution_ids).delete()
    Case.objects.filter(pk__in=case_ids).delete()
    Case.history.filter(resident_id=pk, member_id__in=members).delete()
    Case.history.filter(id__in=case_ids).delete()
    records = ResidentRecord.objects.filter(resident_id=pk, tree_id__in=trees)
    record_ids = list(records.values_list("pk", flat=True))
    records.delete()
    ResidentRecord.history.filter(id__in=record_ids).delete()
    if resident.tree_id is None or resident.tree_id in trees:
        # The row held the erasing tree's details: its history goes with them, and
        # settle_after_delete gives the row the record of the tree left that guided the
        # person first (which goes), or blank details when that tree kept none.
        Resident.history.filter(id=pk).delete()
    settle_after_delete([pk])
    PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.ERASE,
        what=_(
            "Resident #%(pk)s: this tree's record and %(count)s cases, deleted at the "
            "person's request (another tree still guides them)"
        )
        % {"pk": pk, "count": len(case_ids)},
        rows=1 + len(case_ids),
        request=request,
        id_number=id_number,
    )
    return len(case_ids)


@transaction.atomic
def _erase_whole(*, resident, user, request=None):
    """Delete `resident`, their cases and resolutions and the history copies of all of
    them; record the deletion. Returns the number of cases deleted."""
    pk, id_number = resident.pk, resident.id_number
    case_ids = list(Case.objects.filter(resident_id=pk).values_list("pk", flat=True))
    DoubleClaimResolution.objects.filter(resident_id=pk).delete()
    Case.objects.filter(pk__in=case_ids).delete()
    record_ids = list(ResidentRecord.objects.filter(resident_id=pk).values_list("pk", flat=True))
    resident.delete()
    Resident.history.filter(id=pk).delete()
    Case.history.filter(resident_id=pk).delete()
    ResidentRecord.history.filter(id__in=record_ids).delete()
    ResidentRecord.history.filter(resident_id=pk).delete()
    # Their row of the activation list too (the list's import record keeps its count).
    ActivationEntry.objects.filter(id_number=id_number).delete()
    ActivationEntry.objects.filter(resident_id=pk).delete()  # kept past retention, no ID
    DoubleClaimResolution.history.filter(resident_id=pk).delete()
    PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.ERASE,
        what=_("Resident #%(pk)s and their %(count)s cases, deleted at the person's request")
        % {"pk": pk, "count": len(case_ids)},
        rows=1 + len(case_ids),
        request=request,
        id_number=id_number,
    )
    return len(case_ids)
