"""Pages of the personal-data protections: the recorded reveal of an ID number on a form."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from campaign.models import Case
from reports.models import PersonalDataAccess

from .reveal import allow_once


@login_required
@require_POST
def reveal_case_id(request, pk):
    """Record that the user asked to see the whole ID number of the case's resident, then
    open the case form once with it."""
    case = get_object_or_404(
        Case.objects.editable_by(request.user).select_related("resident"), pk=pk
    )
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.REVEAL,
        what=f"case {case.pk}: ID number on the form",
        rows=1,
        request=request,
        id_number=case.resident.id_number,
    )
    allow_once(request, f"case:{case.pk}")
    return redirect("campaign:case_edit", pk=case.pk)
