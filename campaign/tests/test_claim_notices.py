"""A case that claims a resident another tree's unit already guides: the losing unit is told
(a ClaimNotice on its data-to-fix page) and the claim is recorded as a look-up of the person
(issue 17, item 2)."""

import io

import pytest
from django.core.management import call_command

from campaign import services
from campaign.importing import import_workbook
from campaign.models import Case, ClaimNotice, Resident
from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from privacy.models import PersonalDataAccess
from privacy.subjects import subject_key
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trees():
    victim = UnitFactory(code="NANNHAN", name="Đoàn xã Bị Lấy")
    claimer = UnitFactory(code="LAY", name="Hội Phụ nữ xã Lấy")
    victim_guide = MemberFactory(unit=victim, id_number="014095000301")
    claimer_guide = MemberFactory(unit=claimer, id_number="014095000302")
    residents = [
        ResidentFactory(id_number=f"0141950004{i:02d}", full_name=f"Lò Thị Người {i}")
        for i in range(12)
    ]
    for resident in residents:
        CaseFactory(member=victim_guide, resident=resident)
    refresh_rule_inputs()
    victim_secretary = UnitRoleFactory(unit=victim, role=UnitRole.Role.SECRETARY).user
    claimer_secretary = UnitRoleFactory(unit=claimer, role=UnitRole.Role.SECRETARY).user
    return {
        "victim": victim,
        "claimer": claimer,
        "victim_guide": victim_guide,
        "claimer_guide": claimer_guide,
        "residents": residents,
        "victim_secretary": victim_secretary,
        "claimer_secretary": claimer_secretary,
    }


def test_an_import_of_another_units_residents_is_recorded_and_shown(tmp_path, trees, client):
    rows = [
        resident_row("Tên Khác", r.id_number, trees["claimer_guide"].id_number)
        for r in trees["residents"]
    ]
    path = build_xlsx(tmp_path / "r.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]})
    # More than the campaign's claims_review_threshold (5): held, nothing written.
    plan = import_workbook(path, campaign=plan_campaign(), user=trees["claimer_secretary"])
    assert not plan.written and [e.code for e in plan.errors] == ["claims_held"]
    assert "12 người dân" in str(plan.errors[0]) and "quản trị viên cấp huyện" in str(
        plan.errors[0]
    )
    assert not Case.objects.filter(member=trees["claimer_guide"]).exists()
    assert not ClaimNotice.objects.exists()
    # Approved (allowed), it is written, and every claim recorded.
    plan = import_workbook(
        path, campaign=plan_campaign(), user=trees["claimer_secretary"], allow_claims=True
    )
    assert plan.written
    notices = ClaimNotice.objects.filter(losing_unit=trees["victim"])
    assert notices.count() == 12
    assert set(notices.values_list("claimed_by_id", flat=True)) == {trees["claimer"].pk}
    lookup = PersonalDataAccess.objects.get(
        user=trees["claimer_secretary"], action=PersonalDataAccess.Action.LOOKUP
    )
    assert lookup.rows == 12
    assert set(lookup.subjects.values_list("subject", flat=True)) == {
        subject_key(r.id_number) for r in trees["residents"]
    }
    # Importing the same file again claims nobody new: no second notice, no second record.
    import_workbook(
        path, campaign=plan_campaign(), user=trees["claimer_secretary"], allow_claims=True
    )
    assert notices.count() == 12
    assert PersonalDataAccess.objects.filter(action="lookup").count() == 1

    client.force_login(trees["victim_secretary"])
    html = client.get("/tong-quan/can-sua/").content.decode()
    assert 'id="claim-notices"' in html
    assert "Hội Phụ nữ xã Lấy" in html and "Lò Thị Người 3" in html
    assert "Tên Khác" not in html  # the resident as the losing tree recorded them
    client.force_login(trees["claimer_secretary"])
    assert 'id="claim-notices"' not in client.get("/tong-quan/can-sua/").content.decode()
    viewer = UnitRoleFactory(unit=trees["victim"], role=UnitRole.Role.VIEWER).user
    client.force_login(viewer)
    assert 'id="claim-notices"' not in client.get("/tong-quan/can-sua/").content.decode()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert 'id="claim-notices"' in client.get("/tong-quan/can-sua/").content.decode()


def test_a_case_form_claim_is_recorded_but_not_one_of_the_same_tree(trees):
    resident = trees["residents"][0]
    services.case_create(
        campaign=plan_campaign(),
        member=trees["claimer_guide"],
        resident_data={"id_number": resident.id_number, "full_name": "Ai Đó"},
        case_data={},
        user=trees["claimer_secretary"],
    )
    notice = ClaimNotice.objects.get()
    assert (notice.resident, notice.claimed_by, notice.losing_unit) == (
        resident,
        trees["claimer"],
        trees["victim"],
    )
    assert notice.case == Case.objects.get(resident=resident, member=trees["victim_guide"])
    lookup = PersonalDataAccess.objects.get(action=PersonalDataAccess.Action.LOOKUP)
    assert lookup.subject == subject_key(resident.id_number) and lookup.rows == 1

    # A second guide of the victim's own tree: a double claim, but nobody else's credit.
    sub = UnitFactory(code="NANNHAN-CON", parent=trees["victim"])
    services.cases_create(
        campaign=plan_campaign(),
        rows=[
            {
                "member": MemberFactory(unit=sub, id_number="014095000303"),
                "resident_data": {"id_number": trees["residents"][1].id_number},
                "case_data": {},
            }
        ],
        user=trees["victim_secretary"],
    )
    assert ClaimNotice.objects.count() == 1
    assert PersonalDataAccess.objects.filter(action="lookup").count() == 1


def test_the_command_refuses_many_claims_without_allow_claims(tmp_path, trees):
    rows = [
        resident_row("Tên Khác", r.id_number, trees["claimer_guide"].id_number)
        for r in trees["residents"][:6]
    ]
    path = build_xlsx(tmp_path / "r.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]})
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_xlsx", str(path), stderr=err, stdout=io.StringIO())
    assert "6 người dân" in err.getvalue()
    assert not Case.objects.filter(member=trees["claimer_guide"]).exists()
    call_command("import_xlsx", str(path), "--allow-claims", stdout=io.StringIO())
    assert ClaimNotice.objects.filter(losing_unit=trees["victim"]).count() == 6
    # Five are under the threshold: imported without the flag.
    rows = [
        resident_row("Tên Khác", r.id_number, trees["victim_guide"].id_number)
        for r in ResidentFactory.create_batch(5)
    ]
    for resident in Resident.objects.filter(id_number__in=[row[1] for row in rows]):
        CaseFactory(member=trees["claimer_guide"], resident=resident)
    path = build_xlsx(tmp_path / "s.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]})
    call_command("import_xlsx", str(path), stdout=io.StringIO())
    assert ClaimNotice.objects.filter(losing_unit=trees["claimer"]).count() == 5


def test_the_losing_unit_marks_a_notice_seen_and_keeps_it_listed(tmp_path, trees, client):
    rows = [
        resident_row("Tên Khác", r.id_number, trees["claimer_guide"].id_number)
        for r in trees["residents"][:3]
    ]
    path = build_xlsx(tmp_path / "r.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]})
    import_workbook(path, campaign=plan_campaign(), user=trees["claimer_secretary"])
    notice = ClaimNotice.objects.order_by("pk").first()
    url = f"/chien-dich/bi-ghi-nhan/{notice.pk}/da-xem/"

    # Only the losing unit's editors may mark it; by POST.
    for outsider in (
        trees["claimer_secretary"],
        UnitRoleFactory(unit=trees["victim"], role=UnitRole.Role.VIEWER).user,
    ):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    client.force_login(trees["victim_secretary"])
    assert client.get(url).status_code == 405
    assert "3 mới" in client.get("/tong-quan/can-sua/").content.decode()
    assert client.post(url).status_code == 302
    notice.refresh_from_db()
    assert notice.seen
    html = client.get("/tong-quan/can-sua/").content.decode()
    assert "2 mới" in html
    assert html.count('class="claim-notice seen"') == 1  # still listed, marked seen
    assert html.count('class="claim-notice"') == 2
