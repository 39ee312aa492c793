"""Submitting a unit's report for a period, reopening it, and what changed since (rules.md,
"Reports and submissions"). A submission freezes the report as it stood: later edits,
imports, resolutions and moves never change it; every version is kept."""

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit

from .exports import figures_day, write_report
from .exports.data import (
    ADDITIVE,
    freeze_named_row,
    live_report,
    named_list,
    named_list_count,
    thaw_named_row,
)
from .models import ReportHeading, Submission


def may_submit(user, unit, campaign):
    """A secretary or administrator of the unit or of a unit above it: any unit may submit
    for its own subtree (rules.md); the expected ones are those the completeness counts."""
    return Unit.objects.editable_by(user).filter(pk=unit.pk).exists()


def may_reopen(user, submission):
    """An administrator of the unit or of a unit above it."""
    return Unit.objects.administered_by(user).filter(pk=submission.unit_id).exists()


def submit_report(*, period, unit, user, now=None, progress=None, in_transaction=None):
    """Freeze `unit`'s report for `period` as it stands now: its subtree's figures as of the
    period's last day (or today, if earlier) and within the period, its members, award
    proposals and named list, and the workbook produced from them; a new version after a
    reopened one. `in_transaction(submission)`, if given, is called inside the transaction
    once the submission is saved (a job records there that it committed)."""
    now = now or timezone.now()
    campaign = period.campaign
    if not may_submit(user, unit, campaign):
        raise PermissionDenied(_("Only a secretary or administrator of this unit may submit."))
    as_of = figures_day(period, timezone.localdate(now))
    with transaction.atomic():
        # Lock the unit's row: two submissions sent at once become one and a refusal.
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        if Submission.objects.standing().filter(period=period, unit=unit).exists():
            raise ValidationError(_("This unit's report for the period is already sent."))
        scope = Unit.objects.subtree(unit)
        report = live_report(campaign, units=scope, as_of=as_of, period=period)
        if progress is not None:
            progress(0, named_list_count(campaign, units=scope, as_of=as_of))
        report["named"] = []
        for row in named_list(campaign, units=scope, as_of=as_of, period=period):
            report["named"].append(freeze_named_row(row))
            if progress is not None and len(report["named"]) % 1000 == 0:
                progress(len(report["named"]))
        version = (
            Submission.objects.filter(period=period, unit=unit).aggregate(v=Max("version"))["v"]
            or 0
        ) + 1
        submission = Submission(
            period=period,
            unit=unit,
            version=version,
            submitted_by=user,
            submitted_at=now,
            as_of=as_of,
            report=report,
            named_rows=len(report["named"]),
        )
        buffer = io.BytesIO()
        write_report(
            buffer,
            report,
            (thaw_named_row(row) for row in report["named"]),
            heading=ReportHeading.for_report(campaign, unit),
            issued_on=timezone.localdate(now),
            name=unit.name,
        )
        submission.workbook.save(
            f"{unit.code}-{period.slug}-v{version}.xlsx", ContentFile(buffer.getvalue()), save=False
        )
        try:
            with transaction.atomic():
                submission.save()
                if in_transaction is not None:
                    in_transaction(submission)
        except IntegrityError:
            # The same report sent twice at once (a double tap): the second is refused.
            submission.workbook.delete(save=False)
            raise ValidationError(_("This unit's report for the period is already sent.")) from None
        except Exception:
            submission.workbook.delete(save=False)  # nothing half-written stays
            raise
    return submission


@transaction.atomic
def reopen_submission(*, submission, user, reason, now=None):
    """Reopen a submission so the unit can submit again; the reason is kept with it."""
    if not may_reopen(user, submission):
        raise PermissionDenied(_("Only an administrator of the unit or above may reopen it."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for reopening the report."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.reopened_at is not None:
        raise ValidationError(_("This report is already reopened."))
    locked.reopened_by = user
    locked.reopened_at = now or timezone.now()
    locked.reopen_reason = reason
    locked.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    return locked


def late_corrections(submission):
    """How today's data differs from what was sent, unit by unit, for the same day and
    period: [(code, name, [(figure, sent, today), ...])] for the units that differ, and the
    units that appeared or disappeared since."""
    period = submission.period
    scope = Unit.objects.subtree(submission.unit)
    today = live_report(period.campaign, units=scope, as_of=submission.as_of, period=period)
    sent = {row["code"]: row for row in submission.report["units"]}
    now = {row["code"]: row for row in today["units"]}
    changes = []
    for code in list(sent) + [code for code in now if code not in sent]:
        before, after = sent.get(code), now.get(code)
        name = (after or before)["name"]
        diffs = [
            (figure, before[figure] if before else None, after[figure] if after else None)
            for figure in ADDITIVE
            if (before or {}).get(figure) != (after or {}).get(figure)
        ]
        if diffs:
            changes.append((code, name, diffs))
    return changes
