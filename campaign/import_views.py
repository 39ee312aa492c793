"""The workbook import on the web: template download, upload → check → preview → confirm,
and the error workbook.

The uploaded file is kept server-side in a private temporary folder named by a random token
held in the session (nothing goes into the domain tables before the confirm). No request waits
for the import's work: the check (parse and plan) and the confirm run as jobs of the task
worker (import_jobs), whose pages show the rows done and then lead to the preview, or to the
upload page with what was imported. The check stores the preview beside the upload; the
confirm reads and checks the file again, against the database as it is then, and writes it
in one transaction.
"""

import errno
import json
import secrets
import shutil
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from jobs.models import Job
from privacy.models import PersonalDataAccess

from . import import_jobs, import_reviews
from . import workbook as wb
from .importing import Problem, storage
from .importing.plan import may_import
from .models import Campaign

SESSION_KEY = "campaign_imports"


class ImportForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx, .xls or .ods)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.xls,.ods,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
                "application/vnd.ms-excel,application/vnd.oasis.opendocument.spreadsheet",
            }
        ),
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["campaign"].queryset = Campaign.objects.active()
        if too_large:
            # The file was sent but not kept (it was too large): say so, not that none came.
            self.fields["file"].required = False

    def clean(self):
        if self.too_large:
            raise forms.ValidationError(wb.too_large(self.too_large).message)
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(wb.too_large(upload.size).message)
        return self.cleaned_data


class SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload over IMPORT_MAX_BYTES instead of writing it all to disk."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.seen = 0
        if content_length and content_length > settings.IMPORT_MAX_BYTES + 64 * 1024:
            self.request.import_too_large = content_length

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if getattr(self.request, "import_too_large", 0) or self.seen > settings.IMPORT_MAX_BYTES:
            self.request.import_too_large = max(
                self.seen, getattr(self.request, "import_too_large", 0)
            )
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def disk_full_upload_message():
    return _(
        "The server's disk is full, so the file could not be stored; nothing was kept. "
        "Tell the district administrator, then upload it again."
    )


def _require_editor(user):
    if not may_import(user):
        raise PermissionDenied


@csrf_exempt
@login_required
def upload(request):
    """The upload form; a POST stores the file, checks it and shows the preview."""
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeLimitHandler(request))
    return _upload(request)


@csrf_protect
def _upload(request):
    _require_editor(request.user)
    if request.method != "POST":
        form = ImportForm()
        return render(request, "campaign/import_upload.html", {"form": form})
    form = ImportForm(
        request.POST, request.FILES, too_large=getattr(request, "import_too_large", 0)
    )
    if not form.is_valid():
        return render(request, "campaign/import_upload.html", {"form": form}, status=400)
    root = storage.storage_root()
    storage.purge_old(root)
    token = secrets.token_hex(16)
    folder = root / token
    upload = form.cleaned_data["file"]
    campaign = form.cleaned_data["campaign"]
    name = Path(upload.name).name[:200]
    try:
        folder.mkdir(mode=0o700)
        with open(folder / "upload", "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        storage.save_meta(folder, {"user": request.user.pk, "campaign": campaign.pk, "name": name})
    except OSError as error:
        # The disk full: no part of the upload stays, and nothing says it exists.
        shutil.rmtree(folder, ignore_errors=True)
        if error.errno != errno.ENOSPC:
            raise
        form.add_error("file", disk_full_upload_message())
        return render(request, "campaign/import_upload.html", {"form": form}, status=507)
    request.session[SESSION_KEY] = ([token] + request.session.get(SESSION_KEY, []))[:5]
    import_jobs.start_check(user=request.user, token=token, campaign=campaign, name=name)
    return redirect("campaign:import_preview", token=token)


def _read_json(path):
    content = storage.read_json(path)
    if content is None:
        raise Http404
    return content


def _folder(request, token):
    """The stored upload of this user, or 404: also when it is gone or going (purged after a
    day, discarded or imported from another tab) or damaged. Its owner is the one named in
    its meta, not the session: a check outlives signing in again (the job page says the work
    goes on), until it is confirmed, discarded or purged. The token is 128 random bits."""
    if not storage.TOKEN.fullmatch(token or ""):
        raise Http404
    folder = storage.storage_root() / token
    meta = _read_json(folder / "meta.json")
    if (
        not isinstance(meta, dict)
        or meta.get("user") != request.user.pk
        or not (folder / "upload").is_file()
    ):
        raise Http404
    return folder, meta


COUNT_LABELS = {
    "units": gettext_lazy("Units (sheet Đơn vị)"),
    "members": gettext_lazy("Members (sheet Thành viên)"),
    "cases": gettext_lazy("Cases (sheet Người dân)"),
    "residents": gettext_lazy("Residents (sheet Người dân)"),
}


@require_GET
@login_required
def preview(request, token):
    folder, meta = _folder(request, token)
    check = _job(request, import_jobs.CHECK, token)
    if check is not None and check.status != Job.Status.DONE:
        return redirect(check)  # the check is running, or says why it failed
    preview = _read_json(folder / "preview.json")
    campaign = get_object_or_404(Campaign, pk=meta["campaign"])
    counts = [
        {"label": COUNT_LABELS[key], **preview["counts"][key]}
        for key in ("units", "members", "cases", "residents")
        if key in preview["counts"]
    ]
    errors = [Problem(**p) for p in preview["errors"]]
    review = import_reviews.review_of(token) if _held(preview) else None
    approved = review is not None and review.status == review.Status.APPROVED
    return render(
        request,
        "campaign/import_preview.html",
        {
            "token": token,
            "meta": meta,
            "campaign": campaign,
            "preview": preview,
            "counts": counts,
            "errors": [] if approved else errors,
            "review": review,
            "may_confirm": preview["ok"] or approved,
            "warnings": [Problem(**p) for p in preview["warnings"]],
            "more_errors": preview["error_count"] - len(errors),
            "more_warnings": preview["warning_count"] - len(preview["warnings"]),
        },
    )


@require_POST
@login_required
def confirm(request, token):
    """Queue the import of the stored file: the job checks it again against the database as
    it is then, and writes it; its page shows the progress."""
    _require_editor(request.user)
    folder, meta = _folder(request, token)
    campaign = get_object_or_404(Campaign, pk=meta["campaign"])
    running = _job(request, import_jobs.CONFIRM, token)
    if running is not None and not running.finished:
        return redirect(running)  # confirmed twice: the first import goes on
    preview = storage.read_json(folder / "preview.json") or {}
    if _held(preview):
        review = import_reviews.review_of(token)
        if review is None or review.status != review.Status.APPROVED:
            messages.error(
                request,
                _(
                    "This import waits for the district administrator's review: it cannot "
                    "be confirmed before it is approved."
                ),
            )
            return redirect("campaign:import_preview", token=token)
    job = import_jobs.start_confirm(
        user=request.user, token=token, campaign=campaign, name=meta["name"]
    )
    return redirect(job)


def _held(preview):
    """Whether the checked file's only error is that it is held for review."""
    codes = [p.get("code") for p in preview.get("errors", [])]
    return preview.get("error_count") == 1 and codes == ["claims_held"]


def _job(request, kind, token):
    """The latest job of `kind` this user may see for the upload `token`, or None."""
    return (
        Job.objects.visible_to(request.user)
        .filter(kind=kind, owner=request.user, params__token=token)
        .order_by("-created_at")
        .first()
    )


@require_GET
@login_required
def done(request, pk):
    """Where a finished import leads: the upload page, saying what was imported."""
    job = get_object_or_404(
        Job.objects.visible_to(request.user),
        pk=pk,
        kind=import_jobs.CONFIRM,
        status=Job.Status.DONE,
    )
    token = job.params["token"]
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    messages.success(
        request, _("The workbook “%(name)s” was imported.") % {"name": job.params["name"]}
    )
    for line in job.params.get("summary", []):
        messages.info(request, line)
    return redirect("campaign:import_upload")


@require_POST
@login_required
def cancel(request, token):
    folder, _meta = _folder(request, token)
    shutil.rmtree(folder, ignore_errors=True)
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    messages.info(request, _("The upload was discarded; nothing was imported."))
    return redirect("campaign:import_upload")


@require_GET
@login_required
def error_workbook(request, token):
    """The uploaded workbook with an “Lỗi” column beside every wrong row (personal data:
    the download is recorded)."""
    folder, meta = _folder(request, token)
    preview = _read_json(folder / "preview.json")
    if not preview["has_rows_to_fix"]:
        raise Http404
    out = folder / storage.ERRORS
    held = preview.get("error_rows_held")
    if held is None or not out.is_file():
        # Checked before the check job wrote it (an upload of an older version): once.
        preview["format"] = preview.get("format") or meta.get("format")  # older: in meta
        held = storage.save_error_workbook(folder, preview)
        preview["error_rows_held"] = held
        storage.write_whole(folder / "preview.json", json.dumps(preview, ensure_ascii=False))
    PersonalDataAccess.record(
        user=request.user,
        action=PersonalDataAccess.Action.EXPORT,
        what=_("Import error workbook: %(name)s") % {"name": meta["name"]},
        rows=held,  # every person the file holds, not only the wrong rows
        request=request,
    )
    stem = Path(meta["name"]).stem or "tep"
    return FileResponse(
        open(out, "rb"),
        as_attachment=True,
        filename=f"{stem}-loi.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
@login_required
def template(request):
    """The empty template workbook."""
    response = HttpResponse(
        wb.template_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-lieu-vneid.xlsx"'
    return response
