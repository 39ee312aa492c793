"""The workbook import's check and confirm as jobs of the task worker, so that no web request
waits for them: the check (parse and plan) stores the preview beside the upload, the confirm
writes the workbook all or nothing (import_workbook's transaction). Each job's page shows the
rows done of the file's rows."""

import shutil

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.runner import JobError, job_kind, record_committed, start_job
from units.models import Unit, UnitRole

from .import_reviews import review_hold
from .importing import import_workbook
from .importing.plan import may_import
from .importing.storage import save_preview, storage_root
from .models import Campaign

CHECK = "import_check"
CONFIRM = "import_confirm"


def start_check(*, user, token, campaign, name):
    return start_job(
        kind=CHECK,
        label=_("Checking the workbook “%(name)s”") % {"name": name},
        params={"token": token, "campaign": campaign.pk, "name": name, "forward": True},
        owner=user,
        unit=_top_unit(user),
    )


def start_confirm(*, user, token, campaign, name):
    """Queue the import of the upload `token`: one at a time per upload (a double click,
    two tabs, two servers: the second gets the first's job)."""
    return start_job(
        kind=CONFIRM,
        label=_("Importing the workbook “%(name)s”") % {"name": name},
        params={"token": token, "campaign": campaign.pk, "name": name, "forward": True},
        owner=user,
        unit=_top_unit(user),
        key=f"{CONFIRM}:{token}",
    )


def _top_unit(user):
    """The unit the job is filed under, so that the administrators above the user see it:
    the unit of the user's first role that may import."""
    role = (
        UnitRole.objects.filter(user=user, role__in=[UnitRole.Role.ADMIN, UnitRole.Role.SECRETARY])
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    return role.unit if role else None


def _approves_claims(user):
    """The district administrator's own imports may claim other trees' residents."""
    return Unit.objects.administers_all(user)


def _claims_policy(job, campaign):
    """How the job's import treats many claims on other trees' residents: allowed for the
    district administrator, else held for their review (import_reviews)."""
    if _approves_claims(job.owner):
        return {"allow_claims": True}
    review = review_hold(
        token=job.params["token"], campaign=campaign, owner=job.owner, name=job.params["name"]
    )
    return {"review": review}


def _upload(job):
    folder = storage_root() / job.params["token"]
    campaign = Campaign.objects.filter(pk=job.params["campaign"]).first()
    if not (folder / "upload").is_file():
        raise JobError(_("The uploaded file is gone (discarded or removed): upload it again."))
    if campaign is None:
        raise JobError(_("The campaign of this import no longer exists."))
    if not may_import(job.owner):
        raise JobError(_("You are no longer responsible for any unit."))
    return folder, campaign


# The check writes nothing but the preview beside the upload: safe to run again.
@job_kind(CHECK, rerun=True, time_limit=20 * 60)
def check(job, progress):
    folder, campaign = _upload(job)
    plan = import_workbook(
        folder / "upload",
        campaign=campaign,
        user=job.owner,
        dry_run=True,
        progress=progress,
        **_claims_policy(job, campaign),
    )
    save_preview(folder, plan, job.owner)
    return reverse("campaign:import_preview", args=[job.params["token"]])


# The confirm writes: not run again when its worker dies. It records in its own writing
# transaction that it committed, so a worker that dies after the commit leaves it done.
@job_kind(
    CONFIRM,
    time_limit=30 * 60,
    stopped=gettext_lazy(
        "The import stopped because the server running it stopped (a restart or a fault) "
        "before it was written: nothing of the workbook was imported. Open the preview and "
        "confirm the import again."
    ),
)
def confirm(job, progress):
    # The confirm parses and plans the file again rather than reuse the check's plan. The
    # file cannot have changed (the upload is kept under its token and never rewritten), but
    # what the plan read can, and nothing tells whether it did: the figures version
    # (dashboards/0001, 0005, 0006) watches the tables the figures read, while the plan also
    # reads the user's roles (their scope: units_unitrole), the units' dated changes
    # (units.history.merged_into: units_unitchange, units_unitmove) and the other trees'
    # records of a resident (campaign_residentrecord), none of which moves it. A role taken away or a merge between the check and the confirm
    # would be written past. And the plan must be made inside the writing transaction
    # (import_workbook), so that its checks hold against the rows as they are written and a
    # retry after a concurrent import plans against what that import wrote; the check's plan
    # was made in another job, outside it. Parsing again costs a share of the import (one
    # step of three on the job's progress); a wrong write cannot be undone.
    folder, campaign = _upload(job)

    def committed(plan):
        params = {**job.params, "summary": plan.summary()}
        record_committed(
            job, result_url=reverse("campaign:import_done", args=[job.pk]), params=params
        )

    plan = import_workbook(
        folder / "upload",
        campaign=campaign,
        user=job.owner,
        progress=progress,
        in_transaction=committed,
        **_claims_policy(job, campaign),
    )
    if not plan.ok:
        save_preview(folder, plan, job.owner)
        job.result_url = reverse("campaign:import_preview", args=[job.params["token"]])
        held = [p.message for p in plan.errors if p.code == "claims_held"]
        if held and len(plan.errors) == 1:
            raise JobError(held[0])
        raise JobError(
            _("The data changed since the preview: the file now has errors. Nothing was imported.")
        )
    shutil.rmtree(folder, ignore_errors=True)
    job.params = {**job.params, "summary": plan.summary()}
    return reverse("campaign:import_done", args=[job.pk])
