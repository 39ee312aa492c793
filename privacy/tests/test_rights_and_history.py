"""The person's rights page, the change history and the import event."""

import datetime

import pytest
from django.urls import reverse

from campaign import services
from campaign.importing import import_workbook
from campaign.models import Case, Resident
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from privacy.models import ImportEvent, PersonalDataAccess
from privacy.subjects import subject_key
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

ID = "014195000777"


@pytest.fixture
def tree():
    top = UnitFactory(code="HUYEN")
    commune = UnitFactory(code="XA1", parent=top)
    admin = UnitRoleFactory(unit=top, role=UnitRole.Role.ADMIN).user
    secretary = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    guide = MemberFactory(unit=commune, id_number="014095000001")
    case = services.case_create(
        campaign=plan_campaign(),
        member=guide,
        resident_data={"id_number": ID, "full_name": "Quàng Thị Mai", "phone": "0912345678"},
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 2), "portal_used": True},
        user=secretary,
    )
    return {"admin": admin, "secretary": secretary, "case": case, "guide": guide}


def find(client, number=ID):
    return client.post(reverse("privacy:person_search"), {"id_number": number})


def test_an_administrator_finds_everything_held_about_one_id_number(client, tree):
    client.force_login(tree["admin"])
    response = find(client, "14195000777")  # as typed in Excel, leading zero lost
    assert ID not in response["Location"]
    page = client.get(response["Location"])
    held = page.context
    assert held["resident"].id_number == ID
    assert [c.pk for c in held["cases"]] == [tree["case"].pk]
    assert [r.history_user for r in held["resident_history"]] == [tree["secretary"]]
    text = page.content.decode()
    assert tree["secretary"].username in text and "Quàng Thị Mai" in text
    record = PersonalDataAccess.objects.get(
        subject=subject_key(ID), action=PersonalDataAccess.Action.REVEAL
    )
    assert record.what == (
        f"Người dân #{held['resident'].pk}: toàn bộ dữ liệu đang lưu (trang quyền của người dân)"
    )


def test_the_rights_page_is_for_the_administrators_of_the_persons_units(client, tree):
    client.force_login(tree["secretary"])
    assert find(client).status_code == 403
    other = UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.ADMIN).user
    client.force_login(other)
    response = find(client)
    assert response.status_code == 200 and response.context["elsewhere"]
    resident = tree["case"].resident
    assert client.get(reverse("privacy:person", args=[resident.pk])).status_code == 404
    assert (
        client.post(
            reverse("privacy:person_erase", args=[resident.pk]), {"confirm": "1"}
        ).status_code
        == 404
    )
    assert Resident.objects.filter(pk=resident.pk).exists()


def test_a_correction_is_written_kept_in_the_history_and_recorded(client, tree):
    client.force_login(tree["admin"])
    resident = tree["case"].resident
    client.post(
        reverse("privacy:person", args=[resident.pk]),
        {"full_name": "Quàng Thị Mai", "phone": "0987654321", "sex": "", "address": ""},
    )
    resident.refresh_from_db()
    assert resident.phone == "0987654321"
    assert [h.phone for h in resident.history.order_by("history_date")] == [
        "0912345678",
        "0987654321",
    ]
    corrected = PersonalDataAccess.objects.get(action="correct", subject=subject_key(ID))
    assert corrected.what == f"Người dân #{resident.pk}: sửa dữ liệu theo yêu cầu của người dân"


def test_a_deletion_removes_the_person_their_cases_and_their_history(client, tree):
    client.force_login(tree["admin"])
    resident = tree["case"].resident
    client.post(reverse("privacy:person_erase", args=[resident.pk]))  # not confirmed
    assert Resident.objects.filter(pk=resident.pk).exists()
    client.post(reverse("privacy:person_erase", args=[resident.pk]), {"confirm": "1"})
    assert not Resident.objects.filter(pk=resident.pk).exists()
    assert not Case.objects.filter(resident_id=resident.pk).exists()
    assert not Resident.history.filter(id=resident.pk).exists()
    assert not Case.history.filter(resident_id=resident.pk).exists()
    erased = PersonalDataAccess.objects.get(action="erase")
    assert erased.rows == 2 and erased.subject == subject_key(ID)
    assert erased.what == (
        f"Người dân #{resident.pk} và 1 trường hợp của họ: xóa theo yêu cầu của người dân"
    )


def test_a_case_history_shows_who_changed_what_masked(client, tree):
    case = tree["case"]
    services.case_update(
        case=case,
        member=case.member,
        resident_data={"id_number": ID, "full_name": "Quàng Thị Mai"},
        case_data={"eid_level": 1, "activated_on": datetime.date(2023, 5, 3), "portal_used": True},
        user=tree["admin"],
    )
    client.force_login(tree["admin"])
    page = client.get(reverse("privacy:history", args=["truong-hop", case.pk]))
    assert page.status_code == 200
    newest = page.context["entries"][0]
    assert newest[0].history_user == tree["admin"]
    assert ("02/05/2023", "03/05/2023") in [(before, after) for _l, before, after in newest[2]]
    assert len(newest[2]) == 2  # the level and the date: nothing unchanged is listed
    resident_page = client.get(reverse("privacy:history", args=["nguoi-dan", case.resident_id]))
    assert "0912345678" not in resident_page.content.decode()  # masked
    assert "091••••678" in resident_page.content.decode()


def test_a_deleted_case_keeps_its_history_for_its_administrators_only(client, tree):
    case = tree["case"]
    other = MemberFactory(unit=case.member.unit)
    kept = services.case_create(
        campaign=plan_campaign(),
        member=other,
        resident_data={"id_number": ID, "full_name": "Quàng Thị Mai"},
        case_data={},
        user=tree["secretary"],
    )
    pk = kept.pk
    services.case_delete(case=kept, user=tree["secretary"])
    client.force_login(tree["admin"])
    page = client.get(reverse("privacy:history", args=["truong-hop", pk]))
    assert [e[1] for e in page.context["entries"]][0] in ("deleted", "đã xóa")
    client.force_login(UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.ADMIN).user)
    assert client.get(reverse("privacy:history", args=["truong-hop", pk])).status_code == 404
    assert client.get(reverse("privacy:history", args=["nope", 1])).status_code == 404


def test_an_import_is_recorded_as_one_event_naming_its_file_and_rows(tmp_path, tree):
    rows = [RESIDENT_HEADERS] + [
        resident_row(f"Người {n}", f"01419500{n:04d}", tree["guide"].id_number) for n in range(3)
    ]
    path = build_xlsx(tmp_path / "thang-5.xlsx", {"Người dân": rows})
    plan = import_workbook(path, campaign=plan_campaign(), user=tree["secretary"])
    assert plan.written
    event = ImportEvent.objects.get()
    assert (event.user, event.file_name, len(event.file_sha256)) == (
        tree["secretary"],
        "thang-5.xlsx",
        64,
    )
    assert event.counts["residents"]["new"] == 3
    assert sorted(event.resident_ids) == sorted(
        Resident.objects.exclude(id_number=ID).values_list("pk", flat=True)
    )
    import_workbook(path, campaign=plan_campaign(), user=tree["secretary"], dry_run=True)
    assert ImportEvent.objects.count() == 1  # a preview writes no event


def test_a_record_written_before_the_history_began_has_its_creation_told_from_itself(client, tree):
    from campaign.tests.factories import CaseFactory

    case = CaseFactory(member=tree["guide"])
    Case.history.filter(id=case.pk).delete()
    client.force_login(tree["admin"])
    page = client.get(reverse("privacy:history", args=["truong-hop", case.pk]))
    assert page.status_code == 200
    [(row, kind, lines)] = page.context["entries"]
    assert kind == "tạo mới" and row.by_import and row.history_date == case.created_at
    assert "không lưu từng trường" in page.content.decode()
    client.force_login(tree["secretary"])  # not an administrator
    assert client.get(reverse("privacy:history", args=["truong-hop", case.pk])).status_code == 404


def test_the_correction_form_reads_and_shows_dates_day_first(client, tree):
    client.force_login(tree["admin"])
    resident = tree["case"].resident
    client.post(
        reverse("privacy:person", args=[resident.pk]),
        {"full_name": "Quàng Thị Mai", "birth_date": "04/03/1960", "sex": ""},
    )
    resident.refresh_from_db()
    assert resident.birth_date == datetime.date(1960, 3, 4)
    assert (
        "04/03/1960" in client.get(reverse("privacy:person", args=[resident.pk])).content.decode()
    )


def test_every_person_search_is_a_recorded_look_up_held_to_the_minutes_limit(
    client, tree, settings
):
    settings.ID_LOOKUPS_PER_MINUTE = 2
    other = UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.ADMIN).user
    client.force_login(other)
    assert find(client).context["elsewhere"]  # held by units this user does not administer
    assert find(client, "014195000778").context["elsewhere"] is False
    lookups = PersonalDataAccess.objects.filter(user=other, action=PersonalDataAccess.Action.LOOKUP)
    assert [r.subject for r in lookups.order_by("at")] == [
        subject_key(ID),
        subject_key("014195000778"),
    ]
    # The limit reached: no answer either way, and nothing more recorded.
    refused = find(client)
    assert refused.context["elsewhere"] is False
    assert "Tra cứu quá nhiều lần trong một phút" in refused.content.decode()
    assert lookups.count() == 2
