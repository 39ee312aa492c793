"""A secretary's import that claims many of other trees' residents waits for the district
administrator's review (issue 17): approved, its owner confirms it; refused, it stays
refused; an approval covers the claims of that check, no more."""

import io

import pytest
from django.urls import reverse

from campaign import import_jobs
from campaign.import_reviews import review_hold
from campaign.importing import import_workbook
from campaign.models import Case, ImportReview
from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from campaign.tests.import_helpers import (
    MEMBER_HEADERS,
    RESIDENT_HEADERS,
    build_xlsx,
    post_and_run_jobs,
    resident_row,
)
from jobs.models import Job
from privacy.models import PersonalDataAccess
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")


@pytest.fixture
def trees():
    victim = UnitFactory(code="BINHAN", name="Đoàn xã Bị Nhận")
    claimer = UnitFactory(code="GHINHAN", name="Hội Phụ nữ xã Ghi Nhận")
    victim_guide = MemberFactory(unit=victim, id_number="014095000401")
    claimer_guide = MemberFactory(unit=claimer, id_number="014095000402")
    residents = [
        ResidentFactory(id_number=f"0141950005{i:02d}", full_name=f"Hà Thị Được {i}")
        for i in range(12)
    ]
    for resident in residents:
        CaseFactory(member=victim_guide, resident=resident)
    refresh_rule_inputs()
    district = UserFactory(username="huyen")
    for top in (victim, claimer):
        UnitRoleFactory(user=district, unit=top, role=UnitRole.Role.ADMIN)
    return {
        "victim": victim,
        "claimer": claimer,
        "victim_guide": victim_guide,
        "claimer_guide": claimer_guide,
        "residents": residents,
        "secretary": UnitRoleFactory(unit=claimer, role=UnitRole.Role.SECRETARY).user,
        "district": district,
        "victim_admin": UnitRoleFactory(unit=victim, role=UnitRole.Role.ADMIN).user,
    }


def claiming_file(tmp_path, trees, extra=()):
    rows = [
        resident_row("Tên Khác", r.id_number, trees["claimer_guide"].id_number)
        for r in trees["residents"]
    ]
    rows += [resident_row("Người Mới", n, trees["claimer_guide"].id_number) for n in extra]
    return build_xlsx(tmp_path / "r.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]})


def upload(client, user, path):
    client.force_login(user)
    with open(path, "rb") as f:
        data = io.BytesIO(f.read())
    data.name = "ghi-nhan.xlsx"
    response = post_and_run_jobs(
        client, reverse("campaign:import_upload"), {"campaign": plan_campaign().pk, "file": data}
    )
    return response["Location"]  # the preview


def confirm(client, preview):
    return post_and_run_jobs(client, preview + "xac-nhan/")


def decide(client, review, **data):
    return client.post(reverse("campaign:import_review_decide", args=[review.pk]), data)


def claimer_cases(trees):
    return Case.objects.filter(member=trees["claimer_guide"])


def test_a_held_import_waits_for_the_review_and_is_confirmed_once_approved(client, trees, tmp_path):
    preview = upload(client, trees["secretary"], claiming_file(tmp_path, trees))
    review = ImportReview.objects.get()
    assert (review.status, review.claimed_count, review.owner) == (
        ImportReview.Status.WAITING,
        12,
        trees["secretary"],
    )
    page = client.get(preview).content.decode()
    assert 'data-status="waiting"' in page and "chờ quản trị viên cấp huyện duyệt" in page
    assert "xac-nhan" not in page  # no confirm button
    # The owner learns only that more than the threshold are claimed, and that is recorded
    # as a look-up of the persons claimed.
    assert "hơn 5 người dân" in page and "12 người dân" not in page
    lookup = PersonalDataAccess.objects.get(user=trees["secretary"], action="lookup")
    assert lookup.rows == 12 and lookup.subjects.count() == 12

    # The secretary cannot confirm before approval: nothing is queued, nothing written.
    response = confirm(client, preview)
    assert response["Location"] == preview
    assert not claimer_cases(trees).exists()
    assert not Job.objects.filter(kind=import_jobs.CONFIRM).exists()
    # Nor approve her own file.
    assert decide(client, review, decision="approve").status_code == 404

    # A commune administrator of the losing tree does not administer the claiming unit.
    client.force_login(trees["victim_admin"])
    assert 'id="held-imports"' not in client.get("/tong-quan/can-sua/").content.decode()
    assert decide(client, review, decision="approve").status_code == 404
    review.refresh_from_db()
    assert review.status == ImportReview.Status.WAITING

    # The district administrator sees the claiming unit, the count and the losing unit,
    # never the residents.
    client.force_login(trees["district"])
    page = client.get("/tong-quan/can-sua/").content.decode()
    section = page[page.index('id="held-imports"') : page.index("</section>")]
    assert "Hội Phụ nữ xã Ghi Nhận" in section and "Đoàn xã Bị Nhận" in section
    assert "<b>12</b>" in section
    assert "Hà Thị Được" not in section and "Tên Khác" not in section
    assert "014195000500" not in section
    assert client.get(reverse("campaign:import_review_decide", args=[review.pk])).status_code == 405
    response = decide(client, review, decision="approve")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ImportReview.Status.APPROVED
    assert review.decided_by == trees["district"] and review.decided_at is not None
    assert review.history.first().history_user == trees["district"]
    assert 'id="held-imports"' not in client.get("/tong-quan/can-sua/").content.decode()

    # The owner sees the approval and confirms.
    client.force_login(trees["secretary"])
    page = client.get(preview).content.decode()
    assert 'data-status="approved"' in page and "xac-nhan" in page
    confirm(client, preview)
    assert claimer_cases(trees).count() == 12


def test_a_refused_import_stays_refused(client, trees, tmp_path):
    preview = upload(client, trees["secretary"], claiming_file(tmp_path, trees))
    review = ImportReview.objects.get()
    client.force_login(trees["district"])
    decide(client, review, decision="refuse", reason="")  # a refusal says why
    review.refresh_from_db()
    assert review.status == ImportReview.Status.WAITING
    decide(client, review, decision="refuse", reason="Trùng với danh sách của Đoàn xã")
    review.refresh_from_db()
    assert (review.status, review.decided_by) == (ImportReview.Status.REFUSED, trees["district"])
    decide(client, review, decision="approve")  # decided once
    review.refresh_from_db()
    assert review.status == ImportReview.Status.REFUSED

    client.force_login(trees["secretary"])
    page = client.get(preview).content.decode()
    assert 'data-status="refused"' in page and "Trùng với danh sách của Đoàn xã" in page
    assert confirm(client, preview)["Location"] == preview
    # Checked again, it is still refused.
    token = preview.rstrip("/").split("/")[-1]
    plan = import_workbook(
        claiming_file(tmp_path, trees),
        campaign=plan_campaign(),
        user=trees["secretary"],
        review=review_hold(
            token=token, campaign=plan_campaign(), owner=trees["secretary"], name="x"
        ),
    )
    assert not plan.written and "Trùng với danh sách của Đoàn xã" in plan.errors[0].message
    review.refresh_from_db()
    assert review.status == ImportReview.Status.REFUSED
    assert not claimer_cases(trees).exists()


def test_the_approval_is_lost_when_the_file_claims_more(client, trees, tmp_path):
    extra = [f"0141950006{i:02d}" for i in range(3)]
    preview = upload(client, trees["secretary"], claiming_file(tmp_path, trees, extra))
    review = ImportReview.objects.get()
    assert review.claimed_count == 12  # the three others are nobody's yet
    client.force_login(trees["district"])
    decide(client, review, decision="approve")
    # Meanwhile the losing tree records the three others: the file now claims 15.
    for number in extra:
        CaseFactory(member=trees["victim_guide"], resident=ResidentFactory(id_number=number))
    client.force_login(trees["secretary"])
    confirm(client, preview)
    assert not claimer_cases(trees).exists()
    review.refresh_from_db()
    assert (review.status, review.claimed_count) == (ImportReview.Status.WAITING, 15)
    assert 'data-status="waiting"' in client.get(preview).content.decode()
    client.force_login(trees["district"])
    assert 'id="held-imports"' in client.get("/tong-quan/can-sua/").content.decode()


def test_guides_the_file_adds_count_toward_the_threshold(trees, tmp_path):
    # New members, in the claimer's unit and in a unit new in the file under it, credited
    # with the other tree's residents: held as existing members would be.
    rows = [
        resident_row("Tên Khác", r.id_number, f"0140950007{i % 2:02d}")
        for i, r in enumerate(trees["residents"][:6])
    ]
    path = build_xlsx(
        tmp_path / "m.xlsx",
        {
            "Đơn vị": [
                ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"],
                ["GHINHAN-CHI", "Chi hội Ghi Nhận", "Hội Phụ nữ", "GHINHAN"],
            ],
            "Thành viên": [
                MEMBER_HEADERS,
                ["GHINHAN", "Mới Một", "014095000700", "Hội viên", None, None],
                ["GHINHAN-CHI", "Mới Hai", "014095000701", "Hội viên", None, None],
            ],
            "Người dân": [RESIDENT_HEADERS, *rows],
        },
    )
    plan = import_workbook(path, campaign=plan_campaign(), user=trees["secretary"])
    assert [e.code for e in plan.errors] == ["claims_held"], plan.errors
    assert "6 người dân" in plan.errors[0].message
    assert not plan.written
