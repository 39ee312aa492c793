"""The claims on other trees' residents, as the data-to-fix page acts on them: the district
administrator's decision on a held import (import_reviews), and the losing unit's "Đã xem"
on a claim notice (claim_notices). Both are forms posted from that page, which they lead
back to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import claim_notices, import_reviews
from .forms import ImportReviewForm
from .models import ImportReview


def _back(campaign):
    return redirect(f"{reverse('dashboards:fix')}?campaign={campaign.slug}")


@require_POST
@login_required
def review_decide(request, pk):
    """Approve or refuse a held import: only an administrator of every unit it touches."""
    review = get_object_or_404(
        ImportReview.objects.decidable_by(request.user).select_related("campaign"), pk=pk
    )
    form = ImportReviewForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return _back(review.campaign)
    approve = form.cleaned_data["decision"] == "approve"
    decided = import_reviews.decide(
        review=review, user=request.user, approve=approve, reason=form.cleaned_data["reason"]
    )
    if not decided:
        messages.error(request, _("This import was already decided."))
    elif approve:
        messages.success(
            request,
            _("The import “%(name)s” is approved: its owner may confirm it.")
            % {"name": review.name},
        )
    else:
        messages.info(
            request,
            _("The import “%(name)s” is refused: its owner is told why.") % {"name": review.name},
        )
    return _back(review.campaign)


@require_POST
@login_required
def notice_seen(request, pk):
    """Mark one claim notice seen (the losing unit's secretaries and administrators)."""
    notice = get_object_or_404(
        claim_notices.told_to(request.user).select_related("campaign"), pk=pk
    )
    claim_notices.mark_seen(user=request.user, campaign=notice.campaign, notices=[notice.pk])
    return _back(notice.campaign)
