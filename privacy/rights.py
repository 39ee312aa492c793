"""The person's rights (Law 91/2025/QH15): to see everything held about them, to have it
corrected, to have it deleted. For administrators, about the residents of their units.

Deleting a person removes their resident record, every case and resolution about them, and
the history copies of those (which hold the same details); the access records stay, as they
hold only the keyed digest of the number and are the organisation's own account of what it
did. Figures already submitted are records of their own and are not touched here.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from campaign.models import ActivationEntry, Case, DoubleClaimResolution, Resident, ResidentRecord
from units.models import Member, Unit

from .models import ImportEvent, PersonalDataAccess
from .subjects import subject_key

# What a person may have corrected: the details each tree keeps of a resident (the category,
# which the rules read, is the organisation's, not the person's).
CORRECTABLE = ResidentRecord.DETAILS


def residents_administered_by(user):
    """Residents with a case in a unit `user` administers."""
    members = Member.objects.filter(unit__in=Unit.objects.administered_by(user))
    return Resident.objects.filter(
        pk__in=Case.objects.filter(member__in=members).values("resident_id")
    )


def everything_held(user, resident):
    """What the product holds about `resident`, as the rights page shows it."""
    key = subject_key(resident.id_number)
    accesses = PersonalDataAccess.concerning(key) | PersonalDataAccess.objects.filter(
        what=f"resident {resident.pk}"
    )
    return {
        "resident": resident,
        "cases": Case.objects.filter(resident=resident)
        .select_related("member__unit", "campaign", "created_by", "updated_by")
        .order_by("pk"),
        "resolutions": DoubleClaimResolution.objects.filter(resident=resident).select_related(
            "awarded_to", "resolved_by"
        ),
        "resident_history": Resident.history.filter(id=resident.pk)
        .select_related("history_user")
        .order_by("-history_date"),
        "case_history": Case.history.filter(resident_id=resident.pk)
        .select_related("history_user")
        .order_by("-history_date"),
        "member_records": Member.objects.filter(id_number=resident.id_number).select_related(
            "unit"
        ),
        # The police's activation list: a row about the same ID number (Law 91/2025: the
        # person sees it too).
        "activation_entries": ActivationEntry.objects.filter(
            id_number=resident.id_number
        ).select_related("campaign", "activation_list__imported_by"),
        "accesses": accesses.select_related("user").distinct().order_by("-at")[:500],
        "imports": [
            e for e in ImportEvent.objects.select_related("user") if resident.pk in e.resident_ids
        ],
    }


@transaction.atomic
def correct_person(*, resident, data, user, request=None):
    """Write the corrected details (a form's cleaned data), recording who and why."""
    for name in CORRECTABLE:
        if name in data:
            setattr(resident, name, data[name])
    resident.stamp(user)
    resident._change_reason = "correction at the person's request"
    resident.save()
    PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.CORRECT,
        what=_("Resident #%(pk)s: details corrected at the person's request") % {"pk": resident.pk},
        rows=1,
        request=request,
        id_number=resident.id_number,
    )


@transaction.atomic
def erase_person(*, resident, user, request=None):
    """Delete `resident`, their cases and resolutions and the history copies of all of
    them; record the deletion. Returns the number of cases deleted."""
    pk, id_number = resident.pk, resident.id_number
    case_ids = list(Case.objects.filter(resident_id=pk).values_list("pk", flat=True))
    DoubleClaimResolution.objects.filter(resident_id=pk).delete()
    Case.objects.filter(pk__in=case_ids).delete()
    resident.delete()
    Resident.history.filter(id=pk).delete()
    Case.history.filter(resident_id=pk).delete()
    # Their row of the activation list too (the list's import record keeps its count).
    ActivationEntry.objects.filter(id_number=id_number).delete()
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
