"""Telling a unit that another tree's unit claimed one of its residents.

A case written for a resident whom a unit of another tree already guides in the campaign is
a double claim: neither is credited until it is resolved (rules.md). Done on purpose, or at
scale, it takes another unit's credit, so every writer of cases (campaign.services and the
importer's write step) calls `record_claims`: the losing unit gets a ClaimNotice naming only
the claiming unit and the date, and the claim is recorded as a look-up of the person
(privacy's PersonalDataAccess), since it confirms that the ID number is recorded.
"""

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef
from django.utils.translation import gettext as _

from privacy.models import PersonalDataAccess
from units.models import EDITS, Member, UnitRole, signed_in

from .bulk import in_batches
from .models import Case, ClaimNotice, Resident
from .owners import record_for, tree_of_path


def holders_of(*, campaign, residents):
    """{resident pk: [(case pk, member pk, unit pk, tree pk)]}: the cases that hold these
    residents in `campaign`, each with its member, unit and tree."""
    holders = {}
    for batch in in_batches(set(residents)):
        for pk, resident, member, unit, path in Case.objects.filter(
            campaign=campaign, resident_id__in=batch
        ).values_list("pk", "resident_id", "member_id", "member__unit_id", "member__unit__path"):
            holders.setdefault(resident, []).append((pk, member, unit, tree_of_path(path)))
    return holders


def claims_of(*, campaign, pairs):
    """{(resident pk, claiming unit pk, losing unit pk): the losing unit's case pk} for each
    (resident pk, claiming member pk) in `pairs` whose resident a unit of another tree
    already guides in `campaign` (the claiming member's own case is not a holder)."""
    pairs = {(int(resident), int(member)) for resident, member in pairs}
    if not pairs:
        return {}
    units = {}
    for batch in in_batches({member for _r, member in pairs}):
        units.update(
            (pk, (unit, tree_of_path(path)))
            for pk, unit, path in Member.objects.filter(pk__in=batch).values_list(
                "pk", "unit_id", "unit__path"
            )
        )
    holders = holders_of(campaign=campaign, residents={resident for resident, _m in pairs})
    wanted = {}
    for resident, member in sorted(pairs):
        if member not in units:
            continue
        unit, tree = units[member]
        for case, holder, losing_unit, holder_tree in holders.get(resident, ()):
            if holder != member and holder_tree != tree:
                wanted.setdefault((resident, unit, losing_unit), case)
    return wanted


def record_claims(*, campaign, pairs, user, where=""):
    """Record a notice for each claim of `pairs` (claims_of) not recorded before, and the
    claims as one look-up of the persons. Returns the notices written."""
    wanted = claims_of(campaign=campaign, pairs=pairs)
    if not wanted:
        return []
    existing = set()
    for batch in in_batches({resident for resident, _u, _l in wanted}):
        existing.update(
            ClaimNotice.objects.filter(campaign=campaign, resident_id__in=batch).values_list(
                "resident_id", "claimed_by_id", "losing_unit_id"
            )
        )
    notices = [
        ClaimNotice(
            campaign=campaign,
            resident_id=resident,
            claimed_by_id=unit,
            losing_unit_id=losing_unit,
            case_id=case,
        )
        for (resident, unit, losing_unit), case in wanted.items()
        if (resident, unit, losing_unit) not in existing
    ]
    if not notices:
        return []
    ClaimNotice.objects.bulk_create(notices, batch_size=1000, ignore_conflicts=True)
    claimed = {n.resident_id for n in notices}
    numbers = []
    for batch in in_batches(claimed):
        numbers += Resident.objects.filter(pk__in=batch).values_list("id_number", flat=True)
    numbers.sort()
    PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.LOOKUP,
        what=_("Case recorded for a resident another unit guides"),
        rows=len(claimed),
        where=where,
        id_number=numbers[0] if len(numbers) == 1 else "",
        id_numbers=numbers if len(numbers) > 1 else None,
    )
    return notices


def told_to(user):
    """The claim notices the user's units are told of: those whose losing unit the user may
    edit (its secretaries and administrators; a superuser sees all)."""
    notices = ClaimNotice.objects.all()
    if not signed_in(user):
        return notices.none()
    if user.is_superuser:
        return notices
    roles = (
        UnitRole.objects.filter(user=user, role__in=EDITS)
        .annotate(
            losing_path=ExpressionWrapper(OuterRef("losing_unit__path"), output_field=CharField())
        )
        .filter(losing_path__startswith=F("unit__path"))
    )
    return notices.filter(Exists(roles))


def notices_for(user, campaign, limit=50):
    """The claim notices of `campaign` the user's units are told of (told_to), the new ones
    first, then those marked seen, newest first within each; each with `resident_name`, the
    resident as the losing unit's tree recorded them; and how many are new (not seen). One
    query while there are fewer than `limit`."""
    notices = told_to(user).filter(campaign=campaign)
    notices = notices.select_related("claimed_by", "losing_unit", "resident")
    shown = list(notices.order_by("seen", "-created_at", "-pk")[:limit])
    if len(shown) < limit:
        new = sum(not notice.seen for notice in shown)
    else:
        new = notices.filter(seen=False).count()
    for notice in shown:
        record = record_for(notice.resident, tree_of_path(notice.losing_unit.path))
        notice.resident_name = (record or {}).get("full_name") or ""
    return shown, new


def mark_seen(*, user, campaign, notices):
    """Mark the notices of `notices` (pks) the user's units are told of as seen: they leave
    the count of new notices, and stay in the list. Returns how many were marked."""
    return told_to(user).filter(campaign=campaign, pk__in=notices, seen=False).update(seen=True)
