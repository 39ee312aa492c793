"""The district administrator's review of a workbook import that claims many of other trees'
residents (issue 17; rules.md, double claims).

A secretary's file that would claim more residents whom units of other trees guide than the
campaign's `claims_review_threshold` is held at its check: an ImportReview waits for an
administrator of every unit it touches (the claiming units and those losing credit). They
see the claiming units, how many residents are claimed and the units losing credit, never
another tree's residents. "Duyệt" lets the owner confirm that plan; "Từ chối", with a reason,
tells the owner it stays refused. The approval covers the residents that check claimed: a
file checked again that claims more waits again. The district administrator's own imports
are not held (import_jobs).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from privacy.models import PersonalDataAccess
from units.models import Unit

from .models import ImportReview, Resident


def review_hold(*, token, campaign, owner, name):
    """The importer's question for the upload `token` (import_workbook's `review`): given
    the claims a plan makes, None when an approval covers them, else why the file is held.
    Records the hold (or a larger claim after an approval) for the administrators."""

    def hold(claims):
        with transaction.atomic():
            review = ImportReview.objects.select_for_update().filter(token=token).first()
            if review is not None and review.covers(claims.residents):
                return None
            if review is not None and review.status == ImportReview.Status.REFUSED:
                return refused_message(review)
            if review is None:
                review = ImportReview(token=token, campaign=campaign, owner=owner, name=name)
            if set(review.claimed) != claims.residents:
                _record_lookup(owner, name, claims)
            _hold(review, claims)
        return _(
            "It waits for the review of the district administrator, who sees how many "
            "residents it claims and from which units; once approved, confirm it again."
        )

    return hold


def _hold(review, claims):
    """Record `claims` on `review` as waiting for a decision (again, if they grew past what
    was approved)."""
    review.status = ImportReview.Status.WAITING
    review.decided_by, review.decided_at, review.reason = None, None, ""
    review.claimed = sorted(claims.residents)
    review.claimed_count = len(claims.residents)
    review.claiming = sorted([code, name] for code, name in claims.claiming.items())
    units = {u.pk: u for u in Unit.objects.filter(pk__in=claims.losing).only("code", "name")}
    review.losing = sorted(
        [units[pk].code, units[pk].name, count]
        for pk, count in claims.losing.items()
        if pk in units
    )
    review.created_at = timezone.now()
    review.save()
    review.units.set(claims.units)


def _record_lookup(user, name, claims):
    """A held file tells its owner that more than the threshold of its ID numbers are other
    trees' residents: recorded as a look-up of those persons, counted by the minute's limit."""
    numbers = sorted(
        Resident.objects.filter(pk__in=claims.residents).values_list("id_number", flat=True)
    )
    PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.LOOKUP,
        what=_("Workbook import held for review: %(name)s") % {"name": name},
        rows=len(numbers),
        id_numbers=numbers,
    )


def refused_message(review):
    return _(
        "The district administrator refused it on %(day)s: %(reason)s. Upload a corrected file."
    ) % {
        "day": date_format(timezone.localtime(review.decided_at), "d/m/Y"),
        "reason": review.reason,
    }


@transaction.atomic
def decide(*, review, user, approve, reason=""):
    """Approve or refuse a held import, recording who and when (and why, for a refusal).
    Only a waiting review is decided; returns whether this call decided it."""
    held = (
        ImportReview.objects.select_for_update()
        .decidable_by(user)
        .waiting()
        .filter(pk=review.pk)
        .first()
    )
    if held is None:
        return False
    held.status = ImportReview.Status.APPROVED if approve else ImportReview.Status.REFUSED
    held.decided_by, held.decided_at, held.reason = user, timezone.now(), reason
    held._history_user = user
    held.save()
    return True


def waiting_for(user, campaign):
    """The held imports of `campaign` that wait for `user`'s decision, oldest first."""
    return list(
        ImportReview.objects.decidable_by(user)
        .waiting()
        .filter(campaign=campaign)
        .select_related("owner")
        .order_by("created_at", "pk")
    )


def review_of(token):
    return ImportReview.objects.select_related("decided_by").filter(token=token).first()
