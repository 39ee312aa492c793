"""The job page says what is true of the job: a running job goes on without the user, a
finished one does not say so."""

import pytest
from django.urls import reverse

from jobs.models import Job
from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOES_ON = "công việc vẫn tiếp tục"


@pytest.mark.parametrize(
    "status, says_it_goes_on",
    [
        (Job.Status.QUEUED, True),
        (Job.Status.RUNNING, True),
        (Job.Status.DONE, False),
        (Job.Status.FAILED, False),
    ],
)
def test_only_an_unfinished_job_says_the_work_goes_on(client, status, says_it_goes_on):
    owner = UserFactory()
    job = Job.objects.create(kind="test", label="Đếm", owner=owner, status=status, total=5, done=5)
    client.force_login(owner)
    html = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert (GOES_ON in html) is says_it_goes_on
    partial = client.get(reverse("jobs:job", args=[job.pk]) + "?partial=1").content.decode()
    assert (GOES_ON in partial) is says_it_goes_on  # the page's refresh says it too


def test_the_rows_done_never_run_past_the_rows_in_all(client):
    from jobs.runner import Progress

    owner = UserFactory()
    job = Job.objects.create(kind="test", label="Đếm", owner=owner, status=Job.Status.RUNNING)
    Job.objects.filter(pk=job.pk).update(total=5, done=8)  # as an older worker left it
    client.force_login(owner)
    html = client.get(reverse("jobs:job", args=[job.pk]) + "?partial=1").content.decode()
    assert "Đã xong 5/5 dòng" in html and "8/5" not in html
    job.refresh_from_db()
    progress = Progress(job, every=0)
    progress(3, 5)
    progress(8)  # the estimate of 5 was short: the rows in all grow with the rows done
    job.refresh_from_db()
    assert (job.done, job.total) == (8, 8)
