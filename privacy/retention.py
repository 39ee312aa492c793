"""Retention: personal data kept no longer than the campaign needs, figures kept for ever.

Past a campaign's `personal_data_kept_until`, a resident guided only in campaigns past
their date is anonymised in place: name, birth date, sex, phone, address and the cases'
notes are removed, the ID number becomes a pseudonym that no real number can be (province
999, then the row's key), in the resident row and in its history copies. The rows stay, so
every count, double claim and award is what it was. A resident whose number is on a member
roster keeps it: the roster holds it anyway, and the rule that excludes cadres reads it.
"""

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, LPad

from campaign.models import Campaign, Case, Resident, ResidentRecord
from units.normalize import fold

ANONYMOUS_NAME = "Người dân (đã ẩn danh)"
PSEUDONYM_PREFIX = "999"
# Every detail a tree keeps of a person (ResidentRecord.DETAILS: the resident's declared
# details but the category, which the figures read) is removed: a date becomes null.
BLANK = {
    name: None if Resident._meta.get_field(name).null else "" for name in ResidentRecord.DETAILS
}


def pseudonym():
    return Concat(Value(PSEUDONYM_PREFIX), LPad(Cast("id", CharField()), 9, Value("0")))


def campaigns_past_retention(today):
    """Campaigns whose personal data is kept no longer: their activation lists' rows go."""
    return Campaign.objects.filter(personal_data_kept_until__lt=today)


def residents_past_retention(today):
    """Residents all of whose cases belong to campaigns whose retention date has passed."""
    expired = Campaign.objects.filter(personal_data_kept_until__lt=today)
    kept = Case.objects.filter(resident_id=OuterRef("pk")).exclude(campaign__in=expired)
    return (
        Resident.objects.filter(cases__campaign__in=expired)
        .exclude(Exists(kept))
        .exclude(full_name=ANONYMOUS_NAME, phone="", address="", birth_date__isnull=True)
        .distinct()
    )


@transaction.atomic
def anonymise(residents):
    """Anonymise `residents` (a queryset) in place; returns how many."""
    ids = list(residents.values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        batch = ids[start : start + 5000]
        blank = {**BLANK, "full_name": ANONYMOUS_NAME}
        Resident.objects.filter(pk__in=batch).update(search_name=fold(ANONYMOUS_NAME), **blank)
        Resident.objects.filter(pk__in=batch, on_roster=False).update(id_number=pseudonym())
        Resident.history.filter(id__in=batch).update(**blank)
        Resident.history.filter(id__in=batch).filter(
            ~Q(id__in=Resident.objects.filter(pk__in=batch, on_roster=True).values("pk"))
        ).update(id_number=pseudonym())
        Case.objects.filter(resident_id__in=batch).update(note="")
        Case.history.filter(resident_id__in=batch).update(note="")
    return len(ids)
