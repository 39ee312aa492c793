"""Every reveal recorded, no whole ID number where it is not needed, no ID number in an
address; administrators browse the record."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from campaign.tests.factories import CaseFactory
from privacy.models import PersonalDataAccess
from privacy.subjects import subject_key
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

ID = "014195000777"


@pytest.fixture
def secretary():
    unit = UnitFactory(code="DX1")
    user = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    case = CaseFactory(member=MemberFactory(unit=unit), resident__id_number=ID)
    return user, case


def test_the_case_form_shows_the_number_masked_until_a_recorded_reveal(client, secretary):
    user, case = secretary
    client.force_login(user)
    url = reverse("campaign:case_edit", args=[case.pk])
    assert ID not in client.get(url).content.decode()
    assert "0141•••••777" in client.get(url).content.decode()
    assert not PersonalDataAccess.objects.exists()
    response = client.post(reverse("privacy:reveal_case_id", args=[case.pk]))
    assert response["Location"] == url
    assert ID in client.get(url).content.decode()
    assert ID not in client.get(url).content.decode()  # once
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.action, record.rows, record.subject, record.where) == (
        user,
        PersonalDataAccess.Action.REVEAL,
        1,
        subject_key(ID),
        "127.0.0.1",
    )


def test_saving_the_form_with_the_masked_number_keeps_the_number(client, secretary):
    user, case = secretary
    client.force_login(user)
    url = reverse("campaign:case_edit", args=[case.pk])
    response = client.post(
        url,
        {
            "id_number": "0141•••••777",
            "full_name": "Quàng Thị Mai",
            "member": case.member_id,
            "category": "resident",
            "eid_level": "2",
            "activated_on": "02/05/2023",
            "portal_used": "on",
            "place": "home",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.resident.id_number == ID


def test_a_reveal_of_another_units_case_is_not_found_and_not_recorded(client, secretary):
    _user, case = secretary
    other = UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.SECRETARY).user
    client.force_login(other)
    assert client.post(reverse("privacy:reveal_case_id", args=[case.pk])).status_code == 404
    assert client.get(reverse("privacy:reveal_case_id", args=[case.pk])).status_code == 405
    assert not PersonalDataAccess.objects.exists()


def test_a_search_by_id_number_never_puts_the_number_in_the_address(client, secretary):
    user, case = secretary
    client.force_login(user)
    for url in (reverse("campaign:resident_list"), reverse("units:member_list")):
        response = client.post(url, {"q": ID})
        assert response.status_code == 302 and ID not in response["Location"]
        assert "~" in response["Location"]
        page = client.get(response["Location"])
        assert page.status_code == 200
    page = client.get(client.post(reverse("campaign:resident_list"), {"q": ID})["Location"])
    assert [r.pk for r in page.context["page"]] == [case.resident_id]
    by_name = client.post(reverse("campaign:resident_list"), {"q": "Mai"})
    assert "q=Mai" in by_name["Location"]


def test_an_unknown_search_token_finds_nothing(client, secretary):
    user, _case = secretary
    client.force_login(user)
    page = client.get(reverse("campaign:resident_list"), {"q": "~0123456789abcdef"})
    assert page.status_code == 200


def test_the_admin_lists_mask_the_number_and_are_recorded(client, secretary):
    _user, case = secretary
    admin = get_user_model().objects.create_superuser("quantri", password="x-12345678")
    client.force_login(admin)
    for name in ("admin:campaign_resident_changelist", "admin:units_member_changelist"):
        page = client.get(reverse(name)).content.decode()
        assert ID not in page and case.member.id_number not in page
    listed = PersonalDataAccess.objects.filter(what__startswith="Trang quản trị, danh sách: ")
    assert listed.count() == 2
    client.get(reverse("admin:campaign_resident_change", args=[case.resident_id]))
    record = PersonalDataAccess.objects.get(subject=subject_key(ID))
    assert record.what == f"Trang quản trị, bản ghi: người dân #{case.resident_id}"


@pytest.fixture
def accesses():
    top = UnitFactory(code="HUYEN")
    admin = UnitRoleFactory(unit=top, role=UnitRole.Role.ADMIN).user
    inside = UnitRoleFactory(unit=UnitFactory(parent=top), role=UnitRole.Role.SECRETARY).user
    outside = UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.SECRETARY).user
    for user, what in ((inside, "resident 1"), (outside, "resident 2")):
        PersonalDataAccess.record(
            user=user, action=PersonalDataAccess.Action.REVEAL, what=what, id_number=ID
        )
    PersonalDataAccess.record(
        user=inside, action=PersonalDataAccess.Action.EXPORT, what="list", rows=501
    )
    return admin, inside, outside


def test_an_administrator_browses_the_record_of_their_tree_only(client, accesses):
    admin, inside, outside = accesses
    client.force_login(admin)
    page = client.get(reverse("privacy:access_list"))
    assert {r.user for r in page.context["page"]} == {inside}
    exports = client.get(reverse("privacy:access_list"), {"action": "export"})
    assert [r.rows for r in exports.context["page"]] == [501]
    assert "501" in exports.content.decode()


def test_the_record_is_filtered_by_person_without_the_number_in_the_address(client, accesses):
    admin, inside, _outside = accesses
    client.force_login(admin)
    response = client.post(reverse("privacy:access_list"), {"id_number": ID})
    assert ID not in response["Location"] and subject_key(ID) in response["Location"]
    page = client.get(response["Location"])
    assert [r.what for r in page.context["page"]] == ["resident 1"]
    today = datetime.date.today().isoformat()
    assert client.get(reverse("privacy:access_list"), {"since": today}).status_code == 200


def test_the_record_is_filtered_by_days_written_day_first(client, accesses):
    from django.utils import timezone

    admin, _inside, _outside = accesses
    client.force_login(admin)
    today = timezone.localdate()
    page = client.get(
        reverse("privacy:access_list"), {"since": f"{today.day}-{today.month}-{today.year}"}
    )
    assert page.context["form"].cleaned_data["since"] == today
    assert len(page.context["page"]) == 2
    later = today + datetime.timedelta(days=1)
    page = client.get(reverse("privacy:access_list"), {"since": f"{later:%d/%m/%Y}"})
    assert len(page.context["page"]) == 0
    assert 'placeholder="ngày/tháng/năm"' in page.content.decode()


def test_the_records_former_address_leads_to_its_page_with_the_filter(client, accesses):
    admin, _inside, _outside = accesses
    client.force_login(admin)
    response = client.get("/bao-cao/truy-cap-du-lieu/", {"action": "export"})
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:access_list") + "?action=export"
    assert reverse("privacy:access_list") == "/du-lieu-ca-nhan/truy-cap-du-lieu/"


def test_the_record_is_for_administrators(client, accesses):
    _admin, inside, _outside = accesses
    client.force_login(inside)
    assert client.get(reverse("privacy:access_list")).status_code == 403


def test_the_error_workbook_is_recorded_with_every_person_it_holds(client, settings, tmp_path):
    import io as io_

    from campaign.tests.factories import plan_campaign
    from campaign.tests.import_helpers import (
        RESIDENT_HEADERS,
        build_xlsx,
        post_and_run_jobs,
        resident_row,
    )

    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    unit = UnitFactory(code="DX9")
    user = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    MemberFactory(unit=unit, id_number="014095000001")
    client.force_login(user)
    rows = [resident_row(f"Người {n}", f"01419500{n:04d}", "014095000001") for n in range(5)]
    rows.append(resident_row("Sai", "12345", "014095000001"))
    path = build_xlsx(tmp_path / "a.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]})
    data = io_.BytesIO(path.read_bytes())
    data.name = "a.xlsx"
    location = post_and_run_jobs(
        client, reverse("campaign:import_upload"), {"campaign": plan_campaign().pk, "file": data}
    )["Location"]
    token = location.rstrip("/").split("/")[-1]
    client.get(reverse("campaign:import_errors", args=[token]))
    record = PersonalDataAccess.objects.get(action="export")
    assert record.rows == 6 and record.where == "127.0.0.1"


@pytest.fixture
def member_secretary():
    unit = UnitFactory(code="DX9")
    user = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    return user, MemberFactory(unit=unit, id_number=ID, full_name="Lò Văn Thành")


def test_the_member_form_shows_the_number_masked_until_a_recorded_reveal(client, member_secretary):
    user, member = member_secretary
    client.force_login(user)
    url = reverse("units:member_edit", args=[member.pk])
    page = client.get(url).content.decode()
    assert ID not in page and "0141•••••777" in page
    assert reverse("privacy:reveal_member_id", args=[member.pk]) in page
    assert not PersonalDataAccess.objects.exists()
    response = client.post(reverse("privacy:reveal_member_id", args=[member.pk]))
    assert response["Location"] == url
    assert ID in client.get(url).content.decode()
    assert ID not in client.get(url).content.decode()  # once
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.action, record.rows, record.subject, record.what) == (
        user,
        PersonalDataAccess.Action.REVEAL,
        1,
        subject_key(ID),
        f"Thành viên #{member.pk}, biểu mẫu sửa: số định danh",
    )


def _member_post(member, **changes):
    return {
        "unit": member.unit_id,
        "full_name": member.full_name,
        "id_number": "0141•••••777",
        "category": member.category,
        "own_procedures_online": 0,
        "own_procedures_total": 0,
        "family_procedures_online": 0,
        "family_procedures_total": 0,
        **changes,
    }


def test_saving_the_member_form_with_the_masked_number_keeps_the_number(client, member_secretary):
    user, member = member_secretary
    client.force_login(user)
    url = reverse("units:member_edit", args=[member.pk])
    response = client.post(url, _member_post(member, full_name="Lò Văn Thanh"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.id_number, member.full_name) == (ID, "Lò Văn Thanh")


def test_a_member_form_sent_back_with_errors_keeps_the_number_masked(client, member_secretary):
    user, member = member_secretary
    client.force_login(user)
    url = reverse("units:member_edit", args=[member.pk])
    response = client.post(url, _member_post(member, own_procedures_online=5))
    assert response.status_code == 200 and response.context["form"].errors
    page = response.content.decode()
    assert ID not in page and "0141•••••777" in page


def test_a_reveal_of_another_units_member_is_not_found_and_not_recorded(client, member_secretary):
    user, _member = member_secretary
    other = MemberFactory(unit=UnitFactory(code="DX8"))
    client.force_login(user)
    assert client.post(reverse("privacy:reveal_member_id", args=[other.pk])).status_code == 404
    assert client.get(reverse("privacy:reveal_member_id", args=[other.pk])).status_code == 405
    assert not PersonalDataAccess.objects.exists()


# --- The phone on the forms, the details on the pages ----------------------------------------

PHONE = "0373639144"


@pytest.fixture
def case_with_phone(secretary):
    user, case = secretary
    resident = case.resident
    resident.phone, resident.birth_date, resident.address = (
        PHONE,
        datetime.date(1995, 3, 4),
        "Bản Hua Mường",
    )
    resident.save()
    return user, case


def _case_post(case, **changes):
    return {
        "id_number": "0141•••••777",
        "full_name": "Quàng Thị Mai",
        "member": case.member_id,
        "category": "resident",
        "eid_level": "2",
        "activated_on": "02/05/2023",
        "portal_used": "on",
        "place": "home",
        "phone": "037••••144",
        **changes,
    }


def test_the_case_form_shows_the_phone_masked_until_the_recorded_reveal(client, case_with_phone):
    user, case = case_with_phone
    client.force_login(user)
    url = reverse("campaign:case_edit", args=[case.pk])
    page = client.get(url).content.decode()
    assert PHONE not in page and 'value="037••••144"' in page
    assert "Hiện số định danh và số điện thoại đầy đủ" in page
    client.post(reverse("privacy:reveal_case_id", args=[case.pk]))
    page = client.get(url).content.decode()
    assert f'value="{PHONE}"' in page and f'value="{ID}"' in page
    record = PersonalDataAccess.objects.get()
    assert (record.what, record.where) == (
        f"Người dân #{case.resident_id}, biểu mẫu sửa trường hợp #{case.pk}: "
        "số định danh, số điện thoại",
        "127.0.0.1",
    )
    assert ID not in record.what and "Quàng" not in record.what


def test_saving_the_case_form_with_the_masked_phone_keeps_the_phone(client, case_with_phone):
    user, case = case_with_phone
    client.force_login(user)
    response = client.post(reverse("campaign:case_edit", args=[case.pk]), _case_post(case))
    assert response.status_code == 302
    case.resident.refresh_from_db()
    assert (case.resident.phone, case.resident.id_number) == (PHONE, ID)


def test_a_changed_phone_on_the_case_form_is_checked_and_saved(client, case_with_phone):
    user, case = case_with_phone
    client.force_login(user)
    url = reverse("campaign:case_edit", args=[case.pk])
    refused = client.post(url, _case_post(case, phone="12345"))
    assert refused.status_code == 200 and refused.context["form"].errors["phone"]
    client.post(url, _case_post(case, phone="0912 345 678"))
    case.resident.refresh_from_db()
    assert case.resident.phone == "0912345678"


def test_a_case_form_sent_back_with_errors_keeps_the_numbers_masked(client, case_with_phone):
    user, case = case_with_phone
    client.force_login(user)
    url = reverse("campaign:case_edit", args=[case.pk])
    response = client.post(url, _case_post(case, full_name=""))
    assert response.status_code == 200 and response.context["form"].errors
    page = response.content.decode()
    assert PHONE not in page and ID not in page and "037••••144" in page


def test_the_member_form_masks_the_phone_and_keeps_it_or_saves_a_new_one(client, member_secretary):
    user, member = member_secretary
    member.phone = PHONE
    member.save()
    client.force_login(user)
    url = reverse("units:member_edit", args=[member.pk])
    page = client.get(url).content.decode()
    assert PHONE not in page and 'value="037••••144"' in page
    client.post(url, _member_post(member, phone="037••••144"))
    member.refresh_from_db()
    assert member.phone == PHONE
    refused = client.post(url, _member_post(member, phone="037••••145"))
    assert refused.context["form"].errors["phone"]
    client.post(url, _member_post(member, phone="0912345678"))
    member.refresh_from_db()
    assert member.phone == "0912345678"
    client.post(reverse("privacy:reveal_member_id", args=[member.pk]))
    assert 'value="0912345678"' in client.get(url).content.decode()
    assert PersonalDataAccess.objects.get().what == (
        f"Thành viên #{member.pk}, biểu mẫu sửa: số định danh, số điện thoại"
    )


def test_a_viewer_sees_the_resident_page_masked_and_may_not_reveal(client, case_with_phone):
    _user, case = case_with_phone
    viewer = UnitRoleFactory(unit=case.member.unit, role=UnitRole.Role.VIEWER).user
    client.force_login(viewer)
    url = reverse("campaign:resident_detail", args=[case.resident_id])
    page = client.get(url).content.decode()
    assert "0141•••••777" in page and "037••••144" in page and "••/••/1995" in page
    for whole in (ID, PHONE, "04/03/1995", "Bản Hua Mường"):
        assert whole not in page
    assert reverse("privacy:reveal_resident", args=[case.resident_id]) not in page
    assert (
        client.post(reverse("privacy:reveal_resident", args=[case.resident_id])).status_code == 404
    )
    assert not PersonalDataAccess.objects.exists()


def test_a_secretary_reveals_the_resident_page_once_and_it_is_recorded(client, case_with_phone):
    user, case = case_with_phone
    client.force_login(user)
    url = reverse("campaign:resident_detail", args=[case.resident_id])
    assert PHONE not in client.get(url).content.decode()
    assert not PersonalDataAccess.objects.exists()  # opening the page records nothing
    response = client.post(reverse("privacy:reveal_resident", args=[case.resident_id]))
    assert response["Location"] == url
    page = client.get(url).content.decode()
    for whole in (ID, PHONE, "04/03/1995", "Bản Hua Mường"):
        assert whole in page
    assert PHONE not in client.get(url).content.decode()  # once
    record = PersonalDataAccess.objects.get()
    assert (record.action, record.subject, record.where, record.what) == (
        PersonalDataAccess.Action.REVEAL,
        subject_key(ID),
        "127.0.0.1",
        f"Người dân #{case.resident_id}, trang chi tiết: "
        "số định danh, ngày sinh, số điện thoại, địa chỉ",
    )
