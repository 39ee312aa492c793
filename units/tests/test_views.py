import datetime

import pytest
from django.urls import reverse

from campaign.claims import refresh_rule_inputs
from campaign.models import Resident
from campaign.tests.factories import CaseFactory, ResidentFactory
from units.models import Member, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def user_with(role, unit):
    user = UnitRoleFactory(unit=unit, role=role).user
    user.save()
    return user


@pytest.fixture
def units():
    top = UnitFactory(code="HD")
    a, b = UnitFactory(code="XA", parent=top), UnitFactory(code="XB", parent=top)
    return {
        "a": a,
        "b": b,
        "secretary": user_with(UnitRole.Role.SECRETARY, a),
        "viewer": user_with(UnitRole.Role.VIEWER, a),
    }


def member_post(unit, **extra):
    data = {
        "unit": unit.pk,
        "full_name": " Lò  Văn Thành ",
        "id_number": "14090123234",
        "category": "cadre",
        "phone": "+84912345678",
        "has_level2_account": "on",
        "own_procedures_online": 1,
        "own_procedures_total": 2,
        "family_procedures_online": 0,
        "family_procedures_total": 0,
    }
    data.update(extra)
    return data


def test_member_list_is_scoped_masked_filtered_and_paginated(
    client, units, django_assert_max_num_queries
):
    for n in range(55):
        MemberFactory(unit=units["a"], full_name=f"Thành viên {n:02d}")
    MemberFactory(unit=units["a"], full_name="Đã nghỉ", active=False)
    MemberFactory(unit=units["b"], full_name="Người xã khác")
    client.force_login(units["viewer"])
    with django_assert_max_num_queries(11):
        response = client.get(reverse("units:member_list"))
    page = response.context["page"]
    assert page.paginator.count == 56 and len(page.object_list) == 50
    content = response.content.decode()
    assert "Người xã khác" not in content
    first = page.object_list[0]
    assert first.id_number not in content and first.id_number[-3:] in content
    response = client.get(reverse("units:member_list"), {"active": "0"})
    assert [m.full_name for m in response.context["page"]] == ["Đã nghỉ"]
    response = client.get(reverse("units:member_list"), {"q": first.id_number})
    assert list(response.context["page"]) == [first]


def test_member_create_normalises_stamps_and_refreshes_the_roster(client, units):
    resident = ResidentFactory(id_number="014090123234")
    case = CaseFactory(resident=resident, member=MemberFactory(unit=units["a"]))
    refresh_rule_inputs(resident_ids=[resident.pk])
    client.force_login(units["secretary"])
    response = client.post(reverse("units:member_create"), member_post(units["a"]))
    member = Member.objects.get(id_number="014090123234")
    assert response.status_code == 302 and response["Location"] == member.get_absolute_url()
    assert member.full_name == "Lò Văn Thành" and member.phone == "0912345678"
    assert member.created_by == units["secretary"]
    resident.refresh_from_db()
    case.refresh_from_db()
    assert resident.on_roster and case.resident_excluded


def test_member_edit_of_id_number_refreshes_both_residents(client, units):
    member = MemberFactory(unit=units["a"], id_number="014090123234")
    old = ResidentFactory(id_number="014090123234")
    new = ResidentFactory(id_number="014090123299")
    for resident in (old, new):
        CaseFactory(resident=resident, member=MemberFactory(unit=units["a"]))
    refresh_rule_inputs(resident_ids=[old.pk, new.pk])
    client.force_login(units["secretary"])
    response = client.post(
        reverse("units:member_edit", args=[member.pk]),
        member_post(units["a"], id_number="014090123299"),
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.on_roster and new.on_roster


def test_member_with_cases_cannot_be_deleted_only_deactivated(client, units):
    member = MemberFactory(unit=units["a"])
    CaseFactory(member=member)
    client.force_login(units["secretary"])
    response = client.get(reverse("units:member_delete", args=[member.pk]))
    assert response.context["case_count"] == 1
    response = client.post(reverse("units:member_delete", args=[member.pk]), follow=True)
    assert Member.objects.filter(pk=member.pk).exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    client.post(reverse("units:member_deactivate", args=[member.pk]), {"active": "0"})
    member.refresh_from_db()
    assert not member.active and member.updated_by == units["secretary"]
    client.post(reverse("units:member_deactivate", args=[member.pk]), {"active": "1"})
    member.refresh_from_db()
    assert member.active


def test_member_without_cases_is_deleted(client, units):
    member = MemberFactory(unit=units["a"])
    client.force_login(units["secretary"])
    response = client.post(reverse("units:member_delete", args=[member.pk]))
    assert response.status_code == 302 and not Member.objects.filter(pk=member.pk).exists()


def test_viewer_gets_403_and_outsider_404(client, units):
    member = MemberFactory(unit=units["a"])
    other = MemberFactory(unit=units["b"])
    client.force_login(units["viewer"])
    assert client.get(member.get_absolute_url()).status_code == 200
    for name in ("member_edit", "member_delete"):
        assert client.get(reverse(f"units:{name}", args=[member.pk])).status_code == 403
    assert client.post(reverse("units:member_deactivate", args=[member.pk])).status_code == 403
    assert client.get(reverse("units:member_create")).status_code == 403
    client.force_login(units["secretary"])
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.post(reverse("units:member_delete", args=[other.pk])).status_code == 404
    assert Member.objects.filter(pk=other.pk).exists()


def test_member_page_shows_a_viewer_masked_details_and_records_nothing(client, units):
    from privacy.models import PersonalDataAccess

    member = MemberFactory(
        unit=units["a"],
        id_number="014090123234",
        phone="0912345678",
        birth_date=datetime.date(1990, 4, 21),
    )
    client.force_login(units["viewer"])
    page = client.get(member.get_absolute_url()).content.decode()
    assert "0140•••••234" in page and "091••••678" in page and "••/••/1990" in page
    assert "014090123234" not in page and "0912345678" not in page and "21/04/1990" not in page
    assert reverse("privacy:reveal_member_id", args=[member.pk]) not in page
    assert client.post(reverse("privacy:reveal_member_id", args=[member.pk])).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_member_page_shows_a_secretary_the_details_after_a_recorded_reveal(client, units):
    from privacy.models import PersonalDataAccess

    member = MemberFactory(unit=units["a"], id_number="014090123234", phone="0912345678")
    client.force_login(units["secretary"])
    url = member.get_absolute_url()
    page = client.get(url).content.decode()
    assert "014090123234" not in page and "Hiện đầy đủ dữ liệu cá nhân" in page
    assert not PersonalDataAccess.objects.exists()
    response = client.post(reverse("privacy:reveal_member_id", args=[member.pk]), {"page": "1"})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "014090123234" in page and "0912345678" in page
    assert "014090123234" not in client.get(url).content.decode()  # once
    record = PersonalDataAccess.objects.get()
    assert (record.action, record.where, record.what) == (
        PersonalDataAccess.Action.REVEAL,
        "127.0.0.1",
        f"Thành viên #{member.pk}, trang chi tiết: số định danh, số điện thoại",
    )


def test_unit_pages_still_work(client, units):
    client.force_login(units["secretary"])
    assert client.get(reverse("units:unit_detail", args=["XA"])).context["unit"] == units["a"]
    assert client.get(reverse("units:unit_detail", args=["XB"])).status_code == 404
    assert Resident.objects.count() == 0


def test_the_unit_in_the_add_link_is_chosen_only_among_the_users_units(client, units):
    client.force_login(units["secretary"])
    url = reverse("units:member_create")
    assert client.get(url, {"unit": "XA"}).context["form"]["unit"].value() == units["a"].pk
    for other in ("XB", "xa\x00", "khong-co"):
        assert client.get(url, {"unit": other}).context["form"]["unit"].value() is None


@pytest.mark.parametrize(
    "name, message",
    [
        ("Lò Văn\x00 Thành", "ký tự điều khiển"),  # PostgreSQL cannot store a NUL byte
        ("Lò Văn \x01Thành", "ký tự điều khiển"),
        ("\u200b\ufeff", "bắt buộc"),
        ("Lò Văn Thành 😀", "biểu tượng cảm xúc"),
    ],
)
def test_a_name_nobody_could_type_is_refused_in_vietnamese_and_nothing_is_saved(
    client, units, name, message
):
    client.force_login(units["secretary"])
    response = client.post(reverse("units:member_create"), member_post(units["a"], full_name=name))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["full_name"])
    assert not Member.objects.exists()


@pytest.mark.parametrize("posted", [{"active": "abc"}, {"active": "\x00"}, {}])
def test_a_status_other_than_active_or_former_changes_nothing(client, units, posted):
    member = MemberFactory(unit=units["a"])
    client.force_login(units["secretary"])
    response = client.post(
        reverse("units:member_deactivate", args=[member.pk]), posted, follow=True
    )
    member.refresh_from_db()
    assert member.active
    assert [str(m) for m in response.context["messages"]] == [
        "Hãy chọn thành viên đang hoạt động hay đã nghỉ."
    ]


def test_a_member_reading_their_own_page_gets_no_link_to_a_unit_they_cannot_open(client, units):
    me = MemberFactory(unit=units["a"], user=UserFactory(), full_name="Quàng Thị Lan")
    client.force_login(me.user)
    html = client.get(me.get_absolute_url()).content.decode()
    assert units["a"].name in html
    assert f'href="{units["a"].get_absolute_url()}"' not in html
    assert client.get(units["a"].get_absolute_url()).status_code == 404
    client.force_login(units["viewer"])
    html = client.get(me.get_absolute_url()).content.decode()
    assert f'href="{units["a"].get_absolute_url()}"' in html
