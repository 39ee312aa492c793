"""The report pages: the workbook download, the completeness matrix with the units' submit
buttons, a submission's page (frozen figures, versions, late corrections) and its
reopening."""

import os

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dashboards.forms import FiguresFilter
from privacy.models import PersonalDataAccess
from privacy.subjects import client_address
from units.forms import PlainTextField
from units.models import Unit

from .completeness import completeness
from .exports import persons_held
from .jobs import start_report_job, start_submission_job
from .models import ReportingPeriod, Submission
from .submissions import late_corrections, may_reopen, may_submit, reopen_submission


class ExportForm(FiguresFilter):
    """Which report: the campaign, a period or a day, a unit of the user's, live or not."""

    unit = forms.ModelChoiceField(
        Unit.objects.none(),
        to_field_name="code",
        required=False,
        label=gettext_lazy("Unit"),
        empty_label=gettext_lazy("(all my units)"),
    )
    live = forms.BooleanField(
        required=False, label=gettext_lazy("Ignore submissions (the data as it stands)")
    )

    def __init__(self, request, data=None, *, user):
        super().__init__(request, data)
        self.fields["unit"].queryset = Unit.objects.editable_by(user)


@login_required
def export_page(request):
    """The report workbook of the user's units: the form; sent, a job that builds it."""
    scope = Unit.objects.editable_by(request.user)
    if not scope.exists():
        raise PermissionDenied(_("Only secretaries and administrators export reports."))
    form = ExportForm(
        request, request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method != "POST" or not form.is_valid():
        return render(request, "reports/export.html", {"form": form})
    campaign, as_of, _since, _period = form.window()
    job = start_report_job(
        user=request.user,
        campaign=campaign,
        unit=form.cleaned_data["unit"] or _single_top(scope),
        period=form.cleaned_data["period"],
        as_of=as_of,
        live=form.cleaned_data["live"],
        where=client_address(request),
    )
    return redirect(job)


def _single_top(scope):
    """The user's top unit when they have one (a secretary's), else None (all of them)."""
    units = list(scope.order_by("path").only("pk", "path", "parent_id")[:500])
    tops = [u for u in units if not any(u.path.startswith(o.path) and o != u for o in units)]
    return Unit.objects.get(pk=tops[0].pk) if len(tops) == 1 else None


@login_required
def completeness_page(request):
    """Expected units × periods: who reported, on time or late, and the rates."""
    form = FiguresFilter(request)
    campaign = form.window().campaign
    table, periods, summaries = completeness(campaign, Unit.objects.visible_to(request.user))
    editable = set(Unit.objects.editable_by(request.user).values_list("pk", flat=True))
    # Any unit may submit for its own subtree (rules.md), not only the expected ones.
    expected = {unit.pk for unit, _cells in table}
    others = Unit.objects.editable_by(request.user).exclude(pk__in=expected).order_by("path")
    # The reports of the user's units that are on no expected row, the latest version of each
    # unit's period: a reopened one not sent again is among them, so its unit learns it must
    # send it again (it has no row of the matrix to show it).
    latest = {}
    sent = (
        Submission.objects.filter(
            period__campaign=campaign,
            unit__in=Unit.objects.visible_to(request.user).exclude(pk__in=expected),
        )
        .select_related("unit", "period", "submitted_by", "reopened_by")
        .order_by("-submitted_at")[:500]
    )
    for submission in sent:
        latest.setdefault((submission.unit_id, submission.period_id), submission)
    return render(
        request,
        "reports/completeness.html",
        {
            "form": form,
            "campaign": campaign,
            "table": [
                (unit, list(zip(periods, cells)), unit.pk in editable) for unit, cells in table
            ],
            "periods": periods,
            "summaries": summaries,
            "other_units": others[:500],
            "other_submissions": list(latest.values())[:50],
            "editable": editable,
        },
    )


@login_required
@require_POST
def submit(request):
    """Submit a unit's report for a period: the freezing runs as a job (a large named list
    takes a while); the job's page leads to the submission."""
    asked = request.POST.get("period", "").strip()
    if not (asked.isascii() and asked.isdigit()):
        raise Http404  # not a period's number: a tampered form, not a server error
    period = get_object_or_404(ReportingPeriod, pk=int(asked))
    unit = Unit.objects.visible_to(request.user).filter(code=request.POST.get("unit", "")).first()
    if unit is None:
        raise Http404
    if not may_submit(request.user, unit, period.campaign):
        messages.error(request, _("Only a secretary or administrator of this unit may submit."))
        return redirect("reports:completeness")
    if Submission.objects.standing().filter(period=period, unit=unit).exists():
        messages.error(request, _("This unit's report for the period is already sent."))
        return redirect("reports:completeness")
    return redirect(start_submission_job(user=request.user, period=period, unit=unit))


def _visible_submission(user, pk):
    return get_object_or_404(
        Submission.objects.filter(unit__in=Unit.objects.visible_to(user)).select_related(
            "unit", "period__campaign", "submitted_by", "reopened_by"
        ),
        pk=pk,
    )


class ReopenForm(forms.Form):
    reason = PlainTextField(
        label=gettext_lazy("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def submission_detail(request, pk):
    """A submitted report as it was sent, every version, and what changed since."""
    submission = _visible_submission(request.user, pk)
    versions = (
        Submission.objects.filter(period=submission.period, unit=submission.unit)
        .select_related("submitted_by", "reopened_by")
        .defer("report")
    )
    return render(
        request,
        "reports/submission.html",
        {
            "submission": submission,
            "units": submission.report.get("units", []),
            "totals": submission.report.get("units", [{}])[0] if submission.report else {},
            "versions": versions,
            "changes": late_corrections(submission),
            "may_reopen": submission.reopened_at is None and may_reopen(request.user, submission),
            "reopen_form": ReopenForm(),
        },
    )


@login_required
def submission_download(request, pk):
    """The workbook exactly as it was sent (its named list's export recorded)."""
    submission = _visible_submission(request.user, pk)
    if not may_submit(request.user, submission.unit, submission.period.campaign):
        raise PermissionDenied(_("Only secretaries and administrators export reports."))
    if not submission.workbook:
        raise Http404
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        what=f"Báo cáo đã gửi {submission.unit.name} ({submission.unit.code}), "
        f"{submission.period.name}, "
        f"lần {submission.version} (web): danh sách kèm theo",
        id_numbers=persons_held(submission.report),
        request=request,
    )
    return FileResponse(
        submission.workbook.open("rb"),
        as_attachment=True,
        filename=os.path.basename(submission.workbook.name),
    )


@login_required
@require_POST
def reopen(request, pk):
    submission = _visible_submission(request.user, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening the report."))
        return redirect(submission)
    try:
        reopen_submission(
            submission=submission, user=request.user, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The report is reopened: the unit can submit it again."))
    return redirect(submission)
