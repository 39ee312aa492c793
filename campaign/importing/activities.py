"""Step 2 for the residents sheet's "Hoạt động" column: the activity each row names, by its
code or its name (matched as headers are: case, spaces and diacritics aside), among the
campaign's activities the user may see. An unknown, ambiguous or foreign activity is a row
error, so nothing is written."""

from django.utils.translation import gettext as _

from config import formats
from units.normalize import fold

from ..activities import Activity
from .problems import plan_error


def find_activities(plan, scope):
    """Set `activity_id` on each case of the file that names an activity; an error for each
    row whose activity is not found among those the user may link cases to."""
    named = {case.activity for case in plan.parsed.cases.values() if case.activity}
    if not named:
        return
    activities = Activity.objects.of_campaign(plan.campaign)
    if not scope.everything:
        activities = activities.visible_to(plan.user)
    wanted = {fold(text) for text in named}
    by_text = {}
    for pk, code, name, kind, day, place in activities.values_list(
        "pk", "code", "name", "kind__name", "starts_on", "place"
    ):
        title = f"{kind} {formats.day(day)}" + (f" – {place}" if place else "")
        for text in {fold(code), fold(name), fold(title)} - {""}:
            if text in wanted:
                by_text.setdefault(text, set()).add(pk)
    for case in plan.parsed.cases.values():
        if not case.activity:
            continue
        found = by_text.get(fold(case.activity), set())
        if len(found) == 1:
            case.activity_id = next(iter(found))
            continue
        if found:
            message = _(
                "Several activities are called “%(text)s”: give the activity's code instead."
            )
        else:
            message = _(
                "No activity of your units has the code or name “%(text)s”: record it on the "
                "activities page first, or check what is written."
            )
        plan_error(
            plan,
            "residents",
            case.row,
            "activity",
            message % {"text": case.activity},
            "ambiguous_activity" if found else "unknown_activity",
        )
