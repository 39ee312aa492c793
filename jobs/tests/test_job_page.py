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
