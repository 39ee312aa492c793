"""Two at once, with real concurrent transactions on PostgreSQL: threads, each with its own
connection, released together by a barrier."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from campaign.claims import resolve_double_claim
from campaign.import_jobs import start_confirm
from campaign.importing import import_workbook
from campaign.models import Case, DoubleClaimResolution, Resident
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from jobs.models import Job
from reports.models import Submission
from reports.submissions import submit_report
from units.models import Member

from .conftest import said
from .faults_workers import campaign, fresh_unit, period, upload

pytestmark = pytest.mark.faults


def at_once(*calls):
    """Run the calls in threads released together; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # kept: the test says which is allowed
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_two_confirms_of_one_preview_at_once_are_one_import(demo, tmp_path):
    _path, token, _folder = upload(demo, tmp_path, "0031")
    jobs = at_once(
        *[lambda: start_confirm(user=demo, token=token, campaign=campaign(), name="x")] * 2
    )
    assert all(isinstance(job, Job) for job in jobs), jobs
    assert jobs[0].pk == jobs[1].pk
    assert Job.objects.filter(kind="import_confirm", params__token=token).count() == 1
    said(
        "two confirms of the same preview at the same moment (two tabs, two servers)",
        "two threads, two transactions, start the confirm together",
        "one job (the job key's unique index): the second click gets the first's job",
        "both tabs show the same import's progress",
    )


def test_two_submissions_of_one_unit_and_period_at_once_are_one_version(demo):
    unit = fresh_unit()
    results = at_once(*[lambda: submit_report(period=period(), unit=unit, user=demo)] * 2)
    sent = [r for r in results if isinstance(r, Submission)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(sent) == 1 and len(refused) == 1, results
    assert Submission.objects.filter(period=period(), unit=unit).count() == 1
    said(
        "two submissions of one unit and period at the same moment",
        "two threads submit together",
        "one version saved; the other refused in words (the unit's row locked)",
        f"one: the report as sent; the other: «{refused[0].messages[0]}»",
    )


def test_two_secretaries_importing_the_same_new_resident_make_one(demo, tmp_path):
    guides = list(Member.objects.order_by("pk")[:2])
    paths = [
        build_xlsx(
            tmp_path / f"g{n}.xlsx",
            {
                "Người dân": [RESIDENT_HEADERS]
                + [
                    resident_row(f"Người chung {i}", f"0032{i:08d}", guide.id_number)
                    for i in range(300)
                ]
            },
        )
        for n, guide in enumerate(guides)
    ]
    plans = at_once(
        *[lambda p=p: import_workbook(p, campaign=campaign(), user=demo) for p in paths]
    )
    assert all(getattr(plan, "ok", False) and plan.written for plan in plans), plans
    assert Resident.objects.filter(id_number__startswith="0032").count() == 300
    assert Case.objects.filter(resident__id_number__startswith="0032").count() == 600
    said(
        "two imports adding the same 300 new residents at the same moment",
        "two threads import two workbooks (two guides) together",
        "both imports succeed; 300 residents, once each; 600 cases (300 double claims)",
        "both: imported",
    )


def test_two_administrators_resolving_one_double_claim_make_one_resolution(demo):
    from django.contrib.auth import get_user_model

    resident = Resident.objects.filter(id_number__startswith="0032").order_by("pk").first()
    if resident is None:
        pytest.skip("runs after the import case above")
    other = get_user_model().objects.create_superuser("quantri2", password=None)
    guide = Case.objects.filter(resident=resident).first().member
    results = at_once(
        *[
            lambda user=user: resolve_double_claim(
                campaign=campaign(),
                resident=resident,
                awarded_to=guide,
                reason="Đã xác minh",
                user=user,
            )
            for user in (demo, other)
        ]
    )
    made = [r for r in results if isinstance(r, DoubleClaimResolution)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert DoubleClaimResolution.objects.filter(resident=resident, undone_at=None).count() == 1
    said(
        "two administrators resolving the same double claim at the same moment",
        "two threads resolve together",
        "one resolution; the other refused in words",
        f"one: resolved; the other: «{refused[0].messages[0]}»",
    )
