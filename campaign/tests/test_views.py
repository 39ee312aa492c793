import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.claims import refresh_rule_inputs
from campaign.models import Case, Resident
from campaign.tests.factories import CampaignFactory, CaseFactory, ResidentFactory, plan_campaign
from privacy.models import PersonalDataAccess
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def user_with(role, unit):
    user = UnitRoleFactory(unit=unit, role=role).user
    user.save()  # the factory sets the password after saving; keep it for the session hash
    return user


def case_post(member, **extra):
    data = {
        "id_number": "014 090 123 234",
        "full_name": "  Quàng   Thị Mai ",
        "member": member.pk,
        "eid_level": "2",
        "activated_on": "02/05/2023",
        "portal_used": "on",
        "guided_on": "2/5/2023",
        "place": "market",
        "category": "resident",
        "phone": "+84912345678",
    }
    data.update(extra)
    return data


def test_case_create_normalises_and_stamps_and_refreshes(client, district):
    client.force_login(district["secretary"])
    response = client.post(reverse("campaign:case_create"), case_post(district["guide_a"]))
    resident = Resident.objects.get()
    assert response.status_code == 302 and response["Location"] == resident.get_absolute_url()
    assert resident.id_number == "014090123234"
    assert resident.full_name == "Quàng Thị Mai"
    assert resident.phone == "0912345678"
    case = Case.objects.get()
    assert case.activated_on == datetime.date(2023, 5, 2) and case.eid_level == 2
    assert case.campaign == plan_campaign()
    assert case.created_by == district["secretary"] == case.updated_by
    assert resident.created_by == district["secretary"]


def test_second_guide_makes_a_double_claim_not_a_refusal(client, district):
    client.force_login(district["secretary"])
    client.post(reverse("campaign:case_create"), case_post(district["guide_a"]))
    client.force_login(district["outsider"])
    response = client.post(reverse("campaign:case_create"), case_post(district["guide_b"]))
    assert response.status_code == 302
    assert sorted(Case.objects.values_list("claimants", flat=True)) == [2, 2]
    assert Resident.objects.count() == 1


def test_level_without_date_is_a_form_error(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:case_create"), case_post(district["guide_a"], activated_on="")
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("activated_on", "activation_date_missing")
    assert not Case.objects.exists()


def test_unknown_province_code_is_a_warning_and_the_case_is_saved(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:case_create"),
        case_post(district["guide_a"], id_number="999090123234"),
        follow=True,
    )
    assert Case.objects.count() == 1
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels and "success" in levels


def test_guide_outside_editable_units_is_refused(client, district):
    client.force_login(district["secretary"])
    response = client.post(reverse("campaign:case_create"), case_post(district["guide_b"]))
    assert response.status_code == 200
    assert response.context["form"].has_error("member")
    assert not Case.objects.exists()


def test_viewer_reads_lists_but_cannot_write(client, district):
    case = CaseFactory(member=district["guide_a"])
    client.force_login(district["viewer"])
    assert client.get(reverse("campaign:resident_list")).status_code == 200
    assert client.get(case.resident.get_absolute_url()).status_code == 200
    for name, args in [
        ("case_create", []),
        ("quick_entry", []),
        ("batch_entry", []),
        ("case_edit", [case.pk]),
        ("case_delete", [case.pk]),
    ]:
        assert client.get(reverse(f"campaign:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("campaign:case_delete", args=[case.pk])).status_code == 403
    assert (
        client.post(
            reverse("campaign:resident_lookup"), {"id_number": case.resident.id_number}
        ).status_code
        == 403
    )
    assert Case.objects.filter(pk=case.pk).exists()


def test_objects_of_other_units_are_not_found(client, district):
    case = CaseFactory(member=district["guide_b"])
    client.force_login(district["secretary"])
    assert client.get(case.resident.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:case_edit", args=[case.pk])).status_code == 404
    assert client.post(reverse("campaign:case_delete", args=[case.pk])).status_code == 404
    assert Case.objects.filter(pk=case.pk).exists()


def test_resident_page_shows_only_visible_cases_and_counts_the_others(client, district):
    resident = ResidentFactory(id_number="014090123234")
    CaseFactory(resident=resident, member=district["guide_a"])
    CaseFactory(resident=resident, member=district["guide_b"])
    refresh_rule_inputs(resident_ids=[resident.pk])
    client.force_login(district["secretary"])
    response = client.get(resident.get_absolute_url())
    assert [c.member for c in response.context["cases"]] == [district["guide_a"]]
    assert response.context["other_guides"] == 1
    content = response.content.decode()
    assert "0140•••••234" in content and "014090123234" not in content
    assert "Cầm Thị B" not in content
    assert not PersonalDataAccess.objects.exists()


def test_resident_list_masks_ids_searches_and_stays_scoped(
    client, district, django_assert_max_num_queries
):
    for n in range(60):
        CaseFactory(member=district["guide_a"], resident__full_name=f"Người {n:02d}")
    hidden = CaseFactory(member=district["guide_b"], resident__full_name="Người ẩn")
    client.force_login(district["secretary"])
    # + 2: which residents of the page other trees also guide (and the user's roles for it)
    # (+ 2 since the count asks whether the user sees every unit)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("campaign:resident_list"))
    page = response.context["page"]
    assert page.paginator.count == 60 and len(page.object_list) == 50
    content = response.content.decode()
    first = page.object_list[0]
    assert first.id_number not in content
    assert f"{first.id_number[:4]}•••••{first.id_number[-3:]}" in content
    assert "Người ẩn" not in content
    response = client.get(reverse("campaign:resident_list"), {"q": "người 07"})
    assert [r.full_name for r in response.context["page"]] == ["Người 07"]
    target = page.object_list[3]
    response = client.get(reverse("campaign:resident_list"), {"q": target.id_number[1:]})
    assert list(response.context["page"]) == [target]
    response = client.get(reverse("campaign:resident_list"), {"q": hidden.resident.id_number})
    assert list(response.context["page"]) == []


def test_case_edit_moves_case_to_corrected_id_and_drops_orphan(client, district):
    case = CaseFactory(member=district["guide_a"], resident__id_number="014090123234")
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:case_edit", args=[case.pk]),
        case_post(district["guide_a"], id_number="014090123235"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.resident.id_number == "014090123235"
    assert list(Resident.objects.values_list("id_number", flat=True)) == ["014090123235"]
    assert case.updated_by == district["secretary"]


def test_case_delete_confirms_then_deletes_and_refreshes(client, district):
    resident = ResidentFactory()
    kept = CaseFactory(resident=resident, member=district["guide_b"])
    case = CaseFactory(resident=resident, member=district["guide_a"])
    refresh_rule_inputs(resident_ids=[resident.pk])
    client.force_login(district["secretary"])
    response = client.get(reverse("campaign:case_delete", args=[case.pk]))
    assert response.status_code == 200 and Case.objects.filter(pk=case.pk).exists()
    response = client.post(reverse("campaign:case_delete", args=[case.pk]))
    assert response.status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()
    kept.refresh_from_db()
    assert kept.claimants == 1


def test_quick_entry_defaults_and_next_resident(client, district):
    client.force_login(district["secretary"])
    form = client.get(reverse("campaign:quick_entry")).context["form"]
    assert form["place"].value() == "volunteer_saturday"
    response = client.post(
        reverse("campaign:quick_entry"),
        {
            "member": district["guide_a"].pk,
            "id_number": "14090123234",
            "full_name": "Lường Văn C",
            "eid_level": "1",
            "activated_on": "02/05/2023",
            "guided_on": form["guided_on"].value(),
            "place": "volunteer_saturday",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert case.resident.id_number == "014090123234"
    assert case.place == "volunteer_saturday" and case.guided_on == timezone.localdate()
    assert response.redirect_chain[-1][0] == reverse("campaign:quick_entry")
    assert any("Lường Văn C" in str(m) for m in response.context["messages"])
    # The next form keeps the guide and is empty for the next resident.
    assert response.context["form"]["member"].value() == district["guide_a"].pk
    assert not response.context["form"]["id_number"].value()


def test_quick_entry_shows_the_guidance_date_and_presets_no_figure(client, district):
    """The guidance date is a field (a case guided in August belongs to August's report),
    and neither the level nor the activation date is chosen for the user."""
    client.force_login(district["secretary"])
    page = client.get(reverse("campaign:quick_entry"))
    form = page.context["form"]
    html = page.content.decode()
    assert 'name="guided_on"' in html
    assert form["guided_on"].value() == timezone.localdate().strftime("%d/%m/%Y")
    assert form["eid_level"].value() is None and form["activated_on"].value() is None
    radios = re.findall(r'<input[^>]*name="eid_level"[^>]*>', html)
    assert len(radios) == 3 and not any("checked" in radio for radio in radios)
    sent = {
        "member": district["guide_a"].pk,
        "id_number": "014090123234",
        "full_name": "Lường Văn C",
        "activated_on": "",
        "guided_on": "14/08/2023",
        "place": "market",
    }
    refused = client.post(reverse("campaign:quick_entry"), sent)
    assert refused.status_code == 200 and not Case.objects.exists()
    assert "Chọn mức định danh" in refused.content.decode()
    client.post(reverse("campaign:quick_entry"), {**sent, "eid_level": "none"})
    case = Case.objects.get()
    assert case.guided_on == datetime.date(2023, 8, 14) and case.eid_level is None
    assert case.activated_on is None


def batch_data(member, rows, prefix="rows"):
    data = {
        "list-member": member.pk,
        "list-place": "home",
        "list-guided_on": "03/05/2023",
        f"{prefix}-TOTAL_FORMS": "10",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def test_batch_saves_filled_rows_and_ignores_blank_ones(client, district):
    client.force_login(district["secretary"])
    rows = [
        {
            "id_number": "014090123234",
            "full_name": "Một",
            "eid_level": "1",
            "activated_on": "02/05/2023",
        },
        {},
        {"id_number": "014090123235", "full_name": "Hai"},
    ]
    response = client.post(reverse("campaign:batch_entry"), batch_data(district["guide_a"], rows))
    assert response.status_code == 302
    cases = Case.objects.order_by("resident__full_name")
    assert [c.resident.full_name for c in cases] == ["Hai", "Một"]
    assert {c.place for c in cases} == {"home"}
    assert {c.guided_on for c in cases} == {datetime.date(2023, 5, 3)}


def test_batch_with_one_wrong_row_saves_nothing_and_marks_the_row(client, district):
    client.force_login(district["secretary"])
    rows = [
        {"id_number": "014090123234", "full_name": "Một"},
        {"id_number": "0140901", "full_name": "Hai"},
        {"id_number": "014090123234", "full_name": "Ba"},
    ]
    response = client.post(reverse("campaign:batch_entry"), batch_data(district["guide_a"], rows))
    assert response.status_code == 200
    forms = response.context["rows"].forms
    assert not forms[0].errors
    assert forms[1].has_error("id_number", "id_number")
    assert not Case.objects.exists() and not Resident.objects.exists()


def test_batch_duplicate_row_is_an_error_naming_the_first(client, district):
    client.force_login(district["secretary"])
    rows = [
        {"id_number": "014090123234", "full_name": "Một"},
        {"id_number": "14090123234", "full_name": "Một lần nữa"},
    ]
    response = client.post(reverse("campaign:batch_entry"), batch_data(district["guide_a"], rows))
    assert response.context["rows"].forms[1].has_error("id_number", "duplicate_row")
    assert not Case.objects.exists()


def lookup(client, id_number):
    return json.loads(
        client.post(reverse("campaign:resident_lookup"), {"id_number": id_number}).content
    )


def test_lookup_names_resident_and_guides_in_scope(client, district):
    case = CaseFactory(
        member=district["guide_a"],
        resident__id_number="014090123234",
        resident__full_name="Quàng Thị Mai",
    )
    CaseFactory(member=district["guide_b"], resident=case.resident)
    client.force_login(district["secretary"])
    answer = lookup(client, "14090123234")
    assert answer["exists"] and answer["resident"]["full_name"] == "Quàng Thị Mai"
    assert [g["name"] for g in answer["guides"]] == ["Lò Văn A"]
    assert answer["other_guides"] == 1


def test_lookup_does_not_leak_a_resident_outside_the_users_units(client, district):
    CaseFactory(
        member=district["guide_b"],
        resident__id_number="014090123234",
        resident__full_name="Quàng Thị Mai",
        resident__phone="0912345678",
    )
    client.force_login(district["secretary"])
    response = client.post(reverse("campaign:resident_lookup"), {"id_number": "014090123234"})
    assert response["Cache-Control"].startswith("max-age=0")
    answer = json.loads(response.content)
    assert answer["exists"] and answer["resident"] is None and answer["guides"] == []
    assert answer["other_guides"] == 1
    text = response.content.decode()
    assert "Quàng" not in text and "Mai" not in text and "0912345678" not in text
    assert "Cầm Thị B" not in text


def test_lookup_of_new_and_invalid_numbers(client, district):
    client.force_login(district["secretary"])
    assert lookup(client, "014090123234") | {} == {
        "valid": True,
        "id_number": "014090123234",
        "warnings": [],
        "exists": False,
        "resident": None,
        "guides": [],
        "other_guides": 0,
    }
    assert lookup(client, "0140")["valid"] is False
    assert (
        client.get(reverse("campaign:resident_lookup"), {"id_number": "014090123234"}).status_code
        == 405
    )


def test_several_active_campaigns_offer_a_selector(client, district):
    other = CampaignFactory(slug="vneid-2024", name="Chiến dịch 2024")
    client.force_login(district["secretary"])
    response = client.get(reverse("campaign:case_create"), {"campaign": "vneid-2024"})
    assert response.context["campaign"] == other
    assert 'name="campaign"' in response.content.decode()
    client.post(reverse("campaign:case_create"), case_post(district["guide_a"]))
    assert Case.objects.get().campaign == other


def test_resident_list_flags_an_activation_before_the_campaign(client):
    import datetime

    from campaign.tests.factories import CaseFactory
    from units.models import UnitRole
    from units.tests.factories import UnitRoleFactory

    early = CaseFactory(activated_on=datetime.date(2023, 4, 20))
    CaseFactory(member=early.member, activated_on=datetime.date(2023, 4, 21))
    client.force_login(UnitRoleFactory(unit=early.member.unit, role=UnitRole.Role.VIEWER).user)
    page = client.get(reverse("campaign:resident_list")).content.decode()
    assert page.count("trước ngày bắt đầu: không tính") == 1


def test_a_case_is_prefilled_only_from_a_resident_the_user_sees(client, district):
    mine = CaseFactory(member=district["guide_a"]).resident
    theirs = CaseFactory(member=district["guide_b"]).resident
    client.force_login(district["secretary"])
    url = reverse("campaign:case_create")
    assert (
        client.get(url, {"resident": mine.pk}).context["form"]["full_name"].value()
        == mine.full_name
    )
    for other in (theirs.pk, "abc", f"{mine.pk}\x00", "99999999999999999999"):
        response = client.get(url, {"resident": other})
        assert response.status_code == 200 and response.context["form"]["full_name"].value() is None
        assert theirs.full_name not in response.content.decode()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("full_name", "Quàng\x00 Thị Mai", "ký tự điều khiển"),
        ("address", "Bản\x00 Mạ", "ký tự điều khiển"),
        ("note", "đã hướng dẫn\x07", "ký tự điều khiển"),
        ("full_name", "\u200b", "bắt buộc"),
    ],
)
def test_text_with_a_control_character_is_refused_in_vietnamese_and_nothing_is_saved(
    client, district, field, value, message
):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:case_create"), case_post(district["guide_a"], **{field: value})
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Case.objects.exists() and not Resident.objects.exists()


def test_invisible_characters_pasted_with_a_name_are_dropped(client, district):
    client.force_login(district["secretary"])
    client.post(
        reverse("campaign:case_create"),
        case_post(
            district["guide_a"], full_name="\ufeffQuàng\u200b Thị Mai\u202c", address="Bản Mạ\u200b"
        ),
    )
    resident = Resident.objects.get()
    assert (resident.full_name, resident.address) == ("Quàng Thị Mai", "Bản Mạ")


@pytest.mark.parametrize(
    "total, message",
    [
        ("100000", "tối đa 50 dòng"),
        ("99999999999999999999", "tối đa 50 dòng"),
        ("51", "tối đa 50 dòng"),
        ("-1", "ít nhất một dòng"),
        ("abc", "tải lại trang"),
        ("", "tải lại trang"),
    ],
)
def test_a_row_count_changed_by_hand_is_refused_in_vietnamese(client, district, total, message):
    client.force_login(district["secretary"])
    data = batch_data(district["guide_a"], [{"id_number": "014090123234", "full_name": "Một"}])
    data["rows-TOTAL_FORMS"] = total
    response = client.post(reverse("campaign:batch_entry"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["rows"].non_form_errors())
    assert len(response.context["rows"].forms) <= 50
    assert not Case.objects.exists()


def test_resident_list_counts_a_roster_resident_when_the_campaign_does_not_exclude_them(client):
    from campaign.tests.factories import CaseFactory

    on_roster = CaseFactory()
    MemberFactory(id_number=on_roster.resident.id_number)
    declared = CaseFactory(member=on_roster.member, resident__category="cadre")
    campaign = plan_campaign()
    campaign.roster_excludes_residents = False
    campaign.save()
    refresh_rule_inputs()
    client.force_login(user_with(UnitRole.Role.VIEWER, on_roster.member.unit))
    page = client.get(reverse("campaign:resident_list")).content.decode()
    rows = {
        name: row
        for name in (on_roster.resident.full_name, declared.resident.full_name)
        for row in page.split("<tr>")
        if name in row
    }
    assert "không tính" not in rows[on_roster.resident.full_name]
    assert "không tính: Cán bộ" in rows[declared.resident.full_name]


def test_resident_list_names_the_category_a_resident_is_not_counted_for(client):
    from campaign.tests.factories import CaseFactory

    declared = CaseFactory(resident__category="member")
    on_roster = CaseFactory(member=declared.member)
    MemberFactory(id_number=on_roster.resident.id_number)
    refresh_rule_inputs()
    client.force_login(user_with(UnitRole.Role.VIEWER, declared.member.unit))
    page = client.get(reverse("campaign:resident_list")).content.decode()
    rows = {
        name: row
        for name in (on_roster.resident.full_name, declared.resident.full_name)
        for row in page.split("<tr>")
        if name in row
    }
    # The words of the member's page ("người dân được khai là: Đoàn viên/Hội viên").
    assert "không tính: Đoàn viên/Hội viên" in rows[declared.resident.full_name]
    assert "cán bộ" not in rows[declared.resident.full_name].lower()
    assert "không tính: có trong danh sách thành viên" in rows[on_roster.resident.full_name]


def test_the_member_list_and_the_resident_list_show_the_same_chosen_campaign(client, district):
    other = CampaignFactory(slug="vneid-2024", name="Chiến dịch 2024")
    CaseFactory(member=district["guide_a"], campaign=other)
    client.force_login(district["secretary"])
    residents = client.get(reverse("campaign:resident_list"), {"campaign": "vneid-2024"})
    assert residents.context["campaign"] == other
    members = client.get(reverse("units:member_list"))
    assert members.context["campaign"] == other
    assert [m.case_count for m in members.context["page"] if m == district["guide_a"]] == [1]


def test_the_resident_list_counts_with_a_thousands_separator(client, district):
    from campaign.tests.helpers import add_full_cases

    add_full_cases(district["guide_a"], 1000)
    client.force_login(district["secretary"])
    page = client.get(reverse("campaign:resident_list")).content.decode()
    listed = Case.objects.visible_to(district["secretary"]).values("resident_id").distinct().count()
    assert listed >= 1000
    assert f"{listed:,} người dân".replace(",", ".") in page
