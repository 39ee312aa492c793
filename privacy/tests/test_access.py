"""Every reveal recorded, no whole ID number where it is not needed, no ID number in an
address; administrators browse the record."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from campaign.tests.factories import CaseFactory
from privacy.subjects import subject_key
from reports.models import PersonalDataAccess
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
    assert PersonalDataAccess.objects.filter(what__startswith="admin list").count() == 2
    client.get(reverse("admin:campaign_resident_change", args=[case.resident_id]))
    assert PersonalDataAccess.objects.filter(subject=subject_key(ID)).count() == 1


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
    page = client.get(reverse("reports:access_list"))
    assert {r.user for r in page.context["page"]} == {inside}
    exports = client.get(reverse("reports:access_list"), {"action": "export"})
    assert [r.rows for r in exports.context["page"]] == [501]
    assert "501" in exports.content.decode()


def test_the_record_is_filtered_by_person_without_the_number_in_the_address(client, accesses):
    admin, inside, _outside = accesses
    client.force_login(admin)
    response = client.post(reverse("reports:access_list"), {"id_number": ID})
    assert ID not in response["Location"] and subject_key(ID) in response["Location"]
    page = client.get(response["Location"])
    assert [r.what for r in page.context["page"]] == ["resident 1"]
    today = datetime.date.today().isoformat()
    assert client.get(reverse("reports:access_list"), {"since": today}).status_code == 200


def test_the_record_is_for_administrators(client, accesses):
    _admin, inside, _outside = accesses
    client.force_login(inside)
    assert client.get(reverse("reports:access_list")).status_code == 403


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
        f"member {member.pk}: ID number on the form",
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
