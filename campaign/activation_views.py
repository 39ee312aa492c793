"""The activation list on the web (district administrators only): the list in force and its
imports, the campaign's verification settings, and the import as the workbook's: upload →
check (a job) → preview → confirm (a job), all or nothing.

The upload is kept server-side beside the workbook imports' (`importing/storage.py`),
in a folder named by a random token held in the session; the check stores its preview there.
"""

import json
import secrets
import shutil
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from jobs.models import Job
from jobs.runner import JobError, job_kind, start_job
from units.models import Unit, signed_in

from . import verification
from .activations import import_activation_list
from .current import campaign_for_request
from .import_views import SizeLimitHandler
from .importing.storage import purge_old, storage_root
from .models import ActivationList, Campaign, Case
from .workbook import too_large

SESSION_KEY = "campaign_activation_imports"
SHOWN = 500
CHECK = "activations_check"
CONFIRM = "activations_confirm"


def may_manage_list(user) -> bool:
    """The list is personal data of the whole area: its administrators only, those who
    administer every unit (a district administrator), or a superuser."""
    if not signed_in(user):
        return False
    if user.is_superuser:
        return True
    administered = Unit.objects.administered_by(user)
    return administered.exists() and not Unit.objects.exclude(pk__in=administered).exists()


def _require_manager(user):
    if not may_manage_list(user):
        raise PermissionDenied


class ListUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Activation list (.xlsx, .xls, .ods or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv,text/csv"}),
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["campaign"].queryset = Campaign.objects.active()
        if too_large:
            self.fields["file"].required = False

    def clean(self):
        from django.conf import settings

        if self.too_large:
            raise forms.ValidationError(too_large(self.too_large).message)
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large(upload.size).message)
        return self.cleaned_data


class VerificationSettingsForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["verification_tolerance_days", "figures_from"]
        widgets = {"figures_from": forms.RadioSelect}


def _page(request, campaign, *, form=None, settings_form=None, status=200):
    in_force = verification.list_in_force(campaign)
    statuses = {}
    if in_force is not None:
        statuses = Case.objects.filter(campaign=campaign).aggregate(
            **verification.status_counts(campaign)
        )
    imports = ActivationList.objects.filter(campaign=campaign).select_related("imported_by")[:20]
    return render(
        request,
        "campaign/activation_list.html",
        {
            "campaign": campaign,
            "in_force": in_force,
            "statuses": [
                (status, verification.LABELS[status], statuses.get(status, 0))
                for status in (verification.VERIFIED, verification.DIFFERS, verification.NOT_FOUND)
            ]
            if in_force
            else [],
            "imports": imports,
            "form": form or ListUploadForm(initial={"campaign": campaign}),
            "settings_form": settings_form or VerificationSettingsForm(instance=campaign),
        },
        status=status,
    )


@csrf_exempt
@login_required
def activation_list(request):
    """The list in force, its imports and the settings; a POST uploads a new list."""
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeLimitHandler(request))
    return _activation_list(request)


@csrf_protect
def _activation_list(request):
    _require_manager(request.user)
    campaign = campaign_for_request(request)
    if campaign is None:
        raise Http404
    if request.method != "POST":
        return _page(request, campaign)
    if request.POST.get("action") == "settings":
        settings_form = VerificationSettingsForm(request.POST, instance=campaign)
        if not settings_form.is_valid():
            return _page(request, campaign, settings_form=settings_form, status=400)
        settings_form.save()
        messages.success(request, _("The verification settings were saved."))
        return redirect("campaign:activation_list")
    form = ListUploadForm(
        request.POST, request.FILES, too_large=getattr(request, "import_too_large", 0)
    )
    if not form.is_valid():
        return _page(request, campaign, form=form, status=400)
    root = storage_root()
    purge_old(root)
    token = secrets.token_hex(16)
    folder = root / token
    folder.mkdir(mode=0o700)
    upload = form.cleaned_data["file"]
    with open(folder / "upload", "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    chosen = form.cleaned_data["campaign"]
    name = Path(upload.name).name[:200]
    meta = {"user": request.user.pk, "campaign": chosen.pk, "name": name, "kind": "activations"}
    (folder / "meta.json").write_text(json.dumps(meta))
    request.session[SESSION_KEY] = ([token] + request.session.get(SESSION_KEY, []))[:5]
    start_job(
        kind=CHECK,
        label=_("Checking the activation list “%(name)s”") % {"name": name},
        params={"token": token, "campaign": chosen.pk, "name": name, "forward": True},
        owner=request.user,
        unit=_top_unit(),
    )
    return redirect("campaign:activation_preview", token=token)


def _top_unit():
    return Unit.objects.filter(parent__isnull=True).order_by("path").first()


def _folder(request, token):
    if token not in request.session.get(SESSION_KEY, []):
        raise Http404
    folder = storage_root() / token
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        raise Http404 from None
    if meta.get("user") != request.user.pk or not (folder / "upload").is_file():
        raise Http404
    return folder, meta


def _job(request, kind, token):
    return (
        Job.objects.visible_to(request.user)
        .filter(kind=kind, owner=request.user, params__token=token)
        .order_by("-created_at")
        .first()
    )


@require_GET
@login_required
def preview(request, token):
    _require_manager(request.user)
    folder, meta = _folder(request, token)
    check = _job(request, CHECK, token)
    if check is not None and check.status != Job.Status.DONE:
        return redirect(check)
    try:
        found = json.loads((folder / "preview.json").read_text())
    except (OSError, ValueError):
        raise Http404 from None
    campaign = get_object_or_404(Campaign, pk=meta["campaign"])
    return render(
        request,
        "campaign/activation_preview.html",
        {
            "token": token,
            "meta": meta,
            "campaign": campaign,
            "preview": found,
            "statuses": [
                (verification.LABELS[status], found["statuses"].get(status, 0))
                for status in (verification.VERIFIED, verification.DIFFERS, verification.NOT_FOUND)
            ],
            "more_errors": found["error_count"] - len(found["errors"]),
        },
    )


@require_POST
@login_required
def confirm(request, token):
    _require_manager(request.user)
    folder, meta = _folder(request, token)
    campaign = get_object_or_404(Campaign, pk=meta["campaign"])
    running = _job(request, CONFIRM, token)
    if running is not None and not running.finished:
        return redirect(running)
    job = start_job(
        kind=CONFIRM,
        label=_("Importing the activation list “%(name)s”") % {"name": meta["name"]},
        params={"token": token, "campaign": campaign.pk, "name": meta["name"], "forward": True},
        owner=request.user,
        unit=_top_unit(),
    )
    return redirect(job)


@require_POST
@login_required
def cancel(request, token):
    folder, _meta = _folder(request, token)
    shutil.rmtree(folder, ignore_errors=True)
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    messages.info(request, _("The upload was discarded; nothing was imported."))
    return redirect("campaign:activation_list")


@require_GET
@login_required
def done(request, pk):
    job = get_object_or_404(
        Job.objects.visible_to(request.user), pk=pk, kind=CONFIRM, status=Job.Status.DONE
    )
    token = job.params["token"]
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    summary = job.params.get("summary", {})
    if summary.get("unchanged"):
        messages.info(request, _("The list in force already holds these rows: nothing changed."))
    else:
        messages.success(
            request,
            _("The activation list “%(name)s” is now the list in force.")
            % {"name": job.params["name"]},
        )
    return redirect("campaign:activation_list")


# --- The jobs --------------------------------------------------------------------------------


def _problem(problem):
    return {"text": str(problem), "row": problem.row, "column": problem.column}


def _upload_of(job):
    folder = storage_root() / job.params["token"]
    campaign = Campaign.objects.filter(pk=job.params["campaign"]).first()
    if not (folder / "upload").is_file():
        raise JobError(_("The uploaded file is gone (discarded or removed): upload it again."))
    if campaign is None:
        raise JobError(_("The campaign of this import no longer exists."))
    if not may_manage_list(job.owner):
        raise JobError(_("Only the district's administrators import the activation list."))
    return folder, campaign


def _save_preview(folder, result):
    found = {
        "ok": result.ok,
        "file_error": result.file_error,
        "rows": result.rows_read,
        "entries": len(result.entries),
        "format": result.format,
        "sheet": result.sheet,
        "has_portal": result.has_portal,
        "unchanged": result.unchanged,
        "statuses": result.statuses,
        "error_count": len(result.errors),
        "errors": [_problem(p) for p in result.errors[:SHOWN]],
        "warning_count": len(result.warnings),
        "warnings": [_problem(p) for p in result.warnings[:SHOWN]],
        "sha256": result.sha256,
    }
    (folder / "preview.json").write_text(json.dumps(found, ensure_ascii=False))


# The check writes nothing but the preview beside the upload: safe to run again.
@job_kind(CHECK, rerun=True, time_limit=20 * 60)
def check_job(job, progress):
    folder, campaign = _upload_of(job)
    result = import_activation_list(
        folder / "upload",
        campaign=campaign,
        user=job.owner,
        dry_run=True,
        file_name=job.params["name"],
        progress=progress,
    )
    _save_preview(folder, result)
    return reverse("campaign:activation_preview", args=[job.params["token"]])


# The confirm writes the list in one transaction: when its worker dies it is failed with
# what to do, not run again behind the user's back.
@job_kind(
    CONFIRM,
    time_limit=30 * 60,
    stopped=gettext_lazy(
        "The import of the activation list stopped because the server running it stopped "
        "(a restart or a fault). If the activation list page does not show this list in "
        "force, open the preview and confirm again: confirming a list already in force "
        "changes nothing."
    ),
)
def confirm_job(job, progress):
    folder, campaign = _upload_of(job)
    result = import_activation_list(
        folder / "upload",
        campaign=campaign,
        user=job.owner,
        file_name=job.params["name"],
        progress=progress,
    )
    if not result.ok:
        _save_preview(folder, result)
        job.result_url = reverse("campaign:activation_preview", args=[job.params["token"]])
        raise JobError(_("The file now has errors. Nothing was imported."))
    shutil.rmtree(folder, ignore_errors=True)
    job.params = {**job.params, "summary": result.summary()}
    return reverse("campaign:activation_done", args=[job.pk])
