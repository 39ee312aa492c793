"""Writes of outreach activities: one activity, or a weekly series of Saturdays, with its
organisers and members, in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .activities import Activity


@transaction.atomic
def activity_save(*, activity: Activity, organisers, members, user, days=None) -> list[Activity]:
    """Save `activity` (new or changed) with its organising units and members taking part.
    For a new activity, `days` (its first day, then one a week) makes one activity a day,
    each its own record, the first holding the materials. Returns the activities saved."""
    organisers, members = list(organisers), list(members)
    if not organisers:
        raise ValidationError(_("Choose at least one organising unit."), code="no_organiser")
    activity.stamp(user)
    activity.full_clean(exclude=["organisers", "members"], validate_unique=False)
    activity.save()
    activity.organisers.set(organisers)
    activity.members.set(members)
    saved = [activity]
    for day in (days or [])[1:]:
        repeat = Activity(
            campaign=activity.campaign,
            kind=activity.kind,
            name=activity.name,
            starts_on=day,
            place=activity.place,
            hours=activity.hours,
            series=activity,
        )
        repeat.stamp(user)
        repeat.save()
        repeat.organisers.set(organisers)
        repeat.members.set(members)
        saved.append(repeat)
    return saved


@transaction.atomic
def activity_delete(*, activity: Activity, user) -> None:
    """Delete an activity no case names (the cases it brought are the campaign's record)."""
    if activity.cases.exists():
        raise ValidationError(
            _("Cases name this activity: it cannot be deleted."), code="activity_has_cases"
        )
    activity.delete()
