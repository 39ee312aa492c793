"""The disk fills: a report workbook, an upload and an error workbook written onto a full
filesystem. As root the suite mounts a size-limited tmpfs and fills it (a real ENOSPC from
the kernel); where mounting is refused it injects ENOSPC at the file layer (os.write),
and says which."""

import errno
import io
import os
import shutil
import subprocess
import tempfile

import pytest
from django.test import Client
from django.urls import reverse

from campaign.import_views import SESSION_KEY as UPLOADS_KEY
from campaign.models import Campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from jobs.models import Job
from jobs.runner import run_job
from privacy.models import PersonalDataAccess
from units.models import Member, Unit

from .conftest import said
from .faults_workers import report_job

pytestmark = pytest.mark.faults


@pytest.fixture
def full_disk(tmp_path, settings, monkeypatch):
    """A filesystem with no room left, where jobs, uploads and temporary files go."""
    mount = tmp_path / "full"
    mount.mkdir()
    how = "tmpfs of 1 MB, filled"
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
            capture_output=True,
        ).returncode
        == 0
    )
    for folder in ("media/jobs", "uploads", "tmp"):
        (mount / folder).mkdir(parents=True)
    settings.MEDIA_ROOT = str(mount / "media")
    settings.IMPORT_TEMP_DIR = str(mount / "uploads")
    monkeypatch.setattr(tempfile, "tempdir", str(mount / "tmp"))
    state = {"how": how, "mount": mount, "fill": None}

    def fill():
        if mounted:
            with open(mount / "filler", "wb") as handle:
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                        handle.flush()
                except OSError as error:
                    assert error.errno == errno.ENOSPC
        else:
            real_write = os.write

            def no_space(fd, data):
                path = os.readlink(f"/proc/self/fd/{fd}")
                if path.startswith(str(mount)):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_write(fd, data)

            monkeypatch.setattr(os, "write", no_space)
            state["how"] = "ENOSPC injected at os.write (tmpfs mount refused)"

    state["fill"] = fill
    yield state
    if mounted:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def files_under(folder):
    return sorted(
        os.path.relpath(os.path.join(root, name), folder)
        for root, _dirs, names in os.walk(folder)
        for name in names
    )


def test_a_report_workbook_onto_a_full_disk_fails_and_keeps_no_file(demo, full_disk):
    full_disk["fill"]()
    records = PersonalDataAccess.objects.count()
    job = report_job(demo)
    run_job.call(str(job.pk))  # in this process: its files go to the full disk
    job = Job.objects.get(pk=job.pk)
    mount = full_disk["mount"]
    assert job.status == Job.Status.FAILED and "đầy" in job.error, job.error
    assert not job.file and job.filename == ""
    assert files_under(mount / "media") == [] and files_under(mount / "tmp") == []
    assert PersonalDataAccess.objects.count() == records  # no export recorded
    said(
        f"disk full ({full_disk['how']}) while a report workbook is written",
        "report job run with its temporary folder and the jobs' folder on the full disk",
        "job failed with its reason; no file, partial or whole, in either folder; the job "
        "names no file; no export recorded",
        f"'Thất bại': «{job.error}»",
    )


def secretary_client():
    from units.models import UnitRole

    role = UnitRole.objects.filter(role=UnitRole.Role.SECRETARY).select_related("unit").first()
    client = Client()
    client.force_login(role.user)
    return client, role


def small_workbook(tmp_path, role, wrong=False):
    guide = Member.objects.filter(unit__in=Unit.objects.editable_by(role.user)).first()
    rows = [resident_row(f"Người {i}", f"00310{i:07d}", guide.id_number) for i in range(20)]
    if wrong:
        rows.append(resident_row("Sai", "12345", guide.id_number))
    path = build_xlsx(tmp_path / "nho.xlsx", {"Người dân": [RESIDENT_HEADERS] + rows})
    data = io.BytesIO(path.read_bytes())
    data.name = "nho.xlsx"
    return data


def test_an_upload_onto_a_full_disk_is_refused_in_words_and_leaves_nothing(
    demo, full_disk, tmp_path
):
    client, role = secretary_client()
    workbook = small_workbook(tmp_path, role)
    full_disk["fill"]()
    jobs = Job.objects.count()
    response = client.post(
        reverse("campaign:import_upload"),
        {"campaign": Campaign.objects.get().pk, "file": workbook},
    )
    page = response.content.decode()
    assert response.status_code == 507 and "Ổ đĩa của máy chủ đã đầy" in page
    assert files_under(full_disk["mount"] / "uploads") == []
    assert Job.objects.count() == jobs  # no check queued for a file that is not there
    said(
        f"disk full ({full_disk['how']}) while an upload is stored",
        "a secretary uploads a workbook; the uploads' folder is on the full disk",
        "the form again with the reason (507); no folder or part of the file kept; no job",
        "«Ổ đĩa của máy chủ đã đầy nên không lưu được tệp … tải tệp lên lại» under the file",
    )


def test_an_error_workbook_onto_a_full_disk_says_so_and_leaves_no_part(demo, full_disk, tmp_path):
    # The check job writes the error workbook (issue 17): the disk fills before it runs.
    client, role = secretary_client()
    client.post(
        reverse("campaign:import_upload"),
        {"campaign": Campaign.objects.get().pk, "file": small_workbook(tmp_path, role, True)},
    )
    token = client.session[UPLOADS_KEY][0]
    check = Job.objects.filter(params__token=token).get()
    folder = full_disk["mount"] / "uploads" / token
    full_disk["fill"]()
    records = PersonalDataAccess.objects.count()
    run_job.call(str(check.pk))
    check.refresh_from_db()
    assert check.status == Job.Status.FAILED and check.error
    assert not [p.name for p in folder.iterdir() if p.name.startswith(("errors", "preview"))]
    client.raise_request_exception = False
    response = client.get(reverse("campaign:import_errors", args=[token]))
    assert response.status_code == 404
    assert PersonalDataAccess.objects.count() == records
    shutil.rmtree(folder, ignore_errors=True)
    said(
        f"disk full ({full_disk['how']}) while the check job writes an error workbook",
        "a secretary's upload is checked; its folder is on the full disk",
        "the check job fails in words; no part of the error workbook or preview kept; "
        "no download recorded",
        f"«{check.error}»",
    )
