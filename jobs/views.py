"""A job's page: its progress (polled while it runs), why it failed, its file."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from .models import Job
from .runner import reap_stale_jobs


@login_required
def job_page(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if job.status == Job.Status.RUNNING and reap_stale_jobs(job_ids=[job.pk]):
        job.refresh_from_db()  # its worker died: the page says what became of it
    template = "jobs/_status.html" if request.GET.get("partial") else "jobs/job.html"
    return render(request, template, {"job": job})


@login_required
def job_file(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if job.status != Job.Status.DONE or not job.file:
        raise Http404
    if not Job.objects.files_for(request.user).filter(pk=job.pk).exists():
        raise PermissionDenied(_("You are no longer responsible for this job's unit."))
    if job.kind in RECORDED:
        RECORDED[job.kind](request, job)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)


# Kinds whose file holds personal data: each download is recorded by the app that made it
# (called with the request, so the record says where from).
RECORDED = {}
