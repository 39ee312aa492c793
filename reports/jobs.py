"""Building the report workbook as a background job: the page shows the named list's rows
done of rows in all, and the file waits with the job for its owner (and the administrators
above them)."""

import datetime
import os
import tempfile

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Campaign
from config.formats import day
from jobs import views as job_views
from jobs.models import Job
from jobs.runner import JobError, job_kind, record_committed, start_job
from privacy.models import PersonalDataAccess
from units.models import Unit

from .exports import export_report, figures_day
from .exports.data import named_list_count, scope_units
from .models import ReportingPeriod
from .submissions import submit_report

KIND = "report_export"


def start_report_job(*, user, campaign, unit, period, as_of, live, where=""):
    """Queue the building of a report workbook for `user` (asking from `where`, an address:
    the record of the named list's export says it); returns the job."""
    what = period.name if period else _("as of %(day)s") % {"day": day(as_of)}
    label = _("Report workbook: %(unit)s, %(what)s") % {
        "unit": unit.name if unit else _("all my units"),
        "what": what,
    }
    params = {
        "campaign": campaign.pk,
        "unit": unit.pk if unit else None,
        "period": period.pk if period else None,
        "as_of": as_of.isoformat(),
        "live": live,
        "where": where,
    }
    return start_job(kind=KIND, label=label, params=params, owner=user, unit=unit)


# Builds a file and writes nothing else (its record of the export is written with it): safe
# to run again from the start when its worker dies.
@job_kind(KIND, rerun=True, time_limit=30 * 60)
def build_report(job, progress):
    params = job.params
    campaign = Campaign.objects.filter(pk=params["campaign"]).first()
    if campaign is None:
        raise JobError(_("The campaign of this report no longer exists."))
    scope = Unit.objects.editable_by(job.owner)
    unit = scope.filter(pk=params["unit"]).first() if params["unit"] else None
    if params["unit"] and unit is None:
        raise JobError(_("You are no longer responsible for this unit."))
    if not scope.exists():
        raise JobError(_("You are no longer responsible for any unit."))
    period = campaign.periods.filter(pk=params["period"]).first() if params["period"] else None
    as_of = datetime.date.fromisoformat(params["as_of"])
    day = figures_day(period) if period else as_of
    progress(0, named_list_count(campaign, units=scope_units(unit, scope), as_of=day))
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        export_report(
            path,
            campaign=campaign,
            user=job.owner,
            unit=unit,
            units=scope,
            period=period,
            as_of=as_of,
            live=params["live"],
            progress=progress,
            where=params.get("where", ""),
            on_record=lambda access: _keep_record(job, access),
        )
    except BaseException:
        os.unlink(path)
        raise
    what = period.slug if period else as_of.isoformat()
    return path, f"bao-cao-{campaign.slug}-{unit.code if unit else 'don-vi'}-{what}.xlsx"


def _keep_record(job, access):
    """The job keeps the record of its file's export: each download names the same persons."""
    job.params = {**job.params, "access": access.pk}
    Job.objects.filter(pk=job.pk).update(params=job.params)


def record_download(request, job):
    built = PersonalDataAccess.objects.filter(pk=job.params.get("access") or 0).first()
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        what=f"Tải về {job.label}: danh sách kèm theo",
        rows=None if built is not None else job.total,
        subjects_of=built,
        request=request,
    )


job_views.RECORDED[KIND] = record_download


SUBMIT = "report_submit"


def start_submission_job(*, user, period, unit):
    """Queue the submission of `unit`'s report for `period` (its time: now)."""
    label = _("Submitting the report of %(unit)s: %(period)s") % {
        "unit": unit.name,
        "period": period.name,
    }
    return start_job(
        kind=SUBMIT,
        label=label,
        params={"period": period.pk, "unit": unit.pk},
        owner=user,
        unit=unit,
        key=f"{SUBMIT}:{period.pk}:{unit.pk}",
    )


# A submission writes: not run again when its worker dies (done if it committed).
@job_kind(
    SUBMIT,
    time_limit=20 * 60,
    stopped=gettext_lazy(
        "The report was not sent: the server sending it stopped (a restart or a fault) "
        "before it was saved. Nothing was kept; send the report again."
    ),
)
def submit(job, progress):
    period = ReportingPeriod.objects.filter(pk=job.params["period"]).first()
    unit = Unit.objects.filter(pk=job.params["unit"]).first()
    if period is None or unit is None:
        raise JobError(_("The period or the unit of this report no longer exists."))
    submission = submit_report(
        period=period,
        unit=unit,
        user=job.owner,
        now=job.created_at,
        progress=progress,
        in_transaction=lambda sent: record_committed(job, result_url=sent.get_absolute_url()),
    )
    return submission.get_absolute_url()
