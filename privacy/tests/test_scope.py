"""Knowing an ID number does not open what another unit recorded; the look-up is limited and
recorded; import errors do not name another unit."""

import datetime
import json

import pytest
from django.urls import reverse

from campaign import services
from campaign.models import Resident
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from privacy.models import PersonalDataAccess
from privacy.subjects import subject_key
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

ID = "014090123234"


@pytest.fixture
def two_trees():
    youth = UnitFactory(code="DOAN", kind=UnitKind.YOUTH_UNION)
    women = UnitFactory(code="HOIPN", kind=UnitKind.WOMENS_UNION)
    a = UnitRoleFactory(unit=youth, role=UnitRole.Role.SECRETARY).user
    b = UnitRoleFactory(unit=women, role=UnitRole.Role.SECRETARY).user
    return {
        "a": a,
        "b": b,
        "guide_a": MemberFactory(unit=youth, full_name="Lò Văn A"),
        "guide_b": MemberFactory(unit=women, full_name="Cầm Thị B"),
    }


def record(user, member, **details):
    data = {"id_number": ID, "full_name": "Quàng Thị Mai", **details}
    return services.case_create(
        campaign=plan_campaign(),
        member=member,
        resident_data=data,
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 2), "portal_used": True},
        user=user,
    )


def test_recording_a_case_for_another_units_resident_does_not_open_their_details(client, two_trees):
    record(
        two_trees["a"],
        two_trees["guide_a"],
        phone="0912345678",
        address="Bản Nà Khá",
        birth_date=datetime.date(1960, 3, 4),
    )
    case = record(two_trees["b"], two_trees["guide_b"], full_name="Quàng T. Mai")
    client.force_login(two_trees["b"])
    page = client.get(reverse("campaign:resident_detail", args=[case.resident_id])).content.decode()
    for held in ("0912345678", "Bản Nà Khá", "04/03/1960", "Quàng Thị Mai", ID):
        assert held not in page
    assert "0140•••••234" in page
    form = client.get(reverse("campaign:case_edit", args=[case.pk])).content.decode()
    for held in ("0912345678", "Bản Nà Khá", "Quàng Thị Mai"):
        assert held not in form


def test_the_unit_that_typed_the_details_still_sees_them(client, two_trees):
    case = record(two_trees["a"], two_trees["guide_a"], phone="0912345678")
    record(two_trees["b"], two_trees["guide_b"])
    client.force_login(two_trees["a"])
    url = reverse("campaign:resident_detail", args=[case.resident_id])
    page = client.get(url).content.decode()
    assert "091••••678" in page and "0912345678" not in page and "Quàng Thị Mai" in page
    client.post(reverse("privacy:reveal_resident", args=[case.resident_id]))
    assert "0912345678" in client.get(url).content.decode()


def test_the_saved_message_names_the_resident_as_the_user_typed_them(client, two_trees):
    record(two_trees["a"], two_trees["guide_a"])
    client.force_login(two_trees["b"])
    response = client.post(
        reverse("campaign:case_create"),
        {
            "id_number": ID,
            "full_name": "Quàng T. Mai",
            "member": two_trees["guide_b"].pk,
            "category": "resident",
            "place": "home",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Quàng T. Mai" in text and "Quàng Thị Mai" not in text


def test_the_look_up_after_recording_does_not_give_the_other_units_name(client, two_trees):
    record(two_trees["a"], two_trees["guide_a"])
    record(two_trees["b"], two_trees["guide_b"], full_name="Quàng T. Mai")
    client.force_login(two_trees["b"])
    answer = json.loads(client.post(reverse("campaign:resident_lookup"), {"id_number": ID}).content)
    assert "Quàng Thị Mai" not in json.dumps(answer, ensure_ascii=False)
    assert answer["other_guides"] == 1


def test_the_look_up_is_limited_per_user_per_minute_and_each_use_recorded(
    client, two_trees, settings
):
    settings.ID_LOOKUPS_PER_MINUTE = 3
    record(two_trees["a"], two_trees["guide_a"])
    client.force_login(two_trees["b"])
    answers = [
        json.loads(client.post(reverse("campaign:resident_lookup"), {"id_number": ID}).content)
        for _ in range(4)
    ]
    assert [a["valid"] for a in answers] == [True, True, True, False]
    assert "phút" in answers[3]["error"]
    uses = PersonalDataAccess.objects.filter(
        user=two_trees["b"], action=PersonalDataAccess.Action.LOOKUP
    )
    assert uses.count() == 3
    assert {(u.rows, u.subject, u.where, u.what) for u in uses} == {
        (1, subject_key(ID), "127.0.0.1", "Tra cứu số định danh khi nhập trường hợp")
    }
    client.force_login(two_trees["a"])  # another user has their own allowance
    assert json.loads(client.post(reverse("campaign:resident_lookup"), {"id_number": ID}).content)[
        "valid"
    ]


def test_the_access_record_does_not_hold_the_id_number(two_trees):
    PersonalDataAccess.record(
        user=two_trees["a"], action=PersonalDataAccess.Action.LOOKUP, what="x", id_number=ID
    )
    row = PersonalDataAccess.objects.values().get()
    assert ID not in json.dumps(row, default=str)


def test_import_errors_tell_another_units_guide_as_unknown(tmp_path, two_trees):
    """A guide on another unit's roster is told as one nobody knows: the file learns
    nothing about who is on that roster (no member ID oracle)."""
    from campaign.importing import import_workbook

    guide = MemberFactory(unit=UnitFactory(code="BIMAT-XA9"), id_number="014095000009")
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000002", guide.id_number),
                resident_row("B", "014195000003", "014095000008"),
            ]
        },
    )
    plan = import_workbook(path, campaign=plan_campaign(), user=two_trees["a"], dry_run=True)
    texts = [p.message for p in plan.parsed.errors + plan.errors]
    on_roster = [t for t in texts if guide.id_number in t]
    nobody = [t for t in texts if "014095000008" in t]
    assert on_roster and nobody
    assert on_roster[0].replace(guide.id_number, "X") == nobody[0].replace("014095000008", "X")
    assert not any("BIMAT-XA9" in t or "thuộc đơn vị khác" in t for t in texts)
    assert Resident.objects.count() == 0


def test_another_trees_case_does_not_take_the_resident(client, two_trees):
    """Issue 17, failure 1: tree A's secretary records a case for tree B's resident knowing
    only the ID number and types a detail B left blank. B's record stays B's (its page, its
    reveal, its case form); A sees and reveals only what A typed."""
    case_b = record(
        two_trees["b"],
        two_trees["guide_b"],
        phone="0912345678",
        address="Bản Nà Khá",
        birth_date=datetime.date(1960, 3, 4),
    )
    case_a = record(two_trees["a"], two_trees["guide_a"], full_name="Tên A gõ", village="Bản A gõ")
    resident = Resident.objects.get()
    assert resident.updated_by == two_trees["b"] and resident.village == ""
    client.force_login(two_trees["a"])
    client.post(reverse("privacy:reveal_resident", args=[resident.pk]))
    page = client.get(reverse("campaign:resident_detail", args=[resident.pk])).content.decode()
    assert "Tên A gõ" in page
    assert resident.records.get(tree=two_trees["guide_a"].unit).village == "Bản A gõ"
    for held in ("0912345678", "Bản Nà Khá", "04/03/1960", "Quàng Thị Mai"):
        assert held not in page
    form = client.get(reverse("campaign:case_edit", args=[case_a.pk])).content.decode()
    assert "Tên A gõ" in form and "Quàng Thị Mai" not in form
    client.force_login(two_trees["b"])
    url = reverse("campaign:resident_detail", args=[resident.pk])
    assert client.post(reverse("privacy:reveal_resident", args=[resident.pk])).status_code == 302
    page = client.get(url).content.decode()
    assert "0912345678" in page and "Quàng Thị Mai" in page and "Tên A gõ" not in page
    form = client.get(reverse("campaign:case_edit", args=[case_b.pk])).content.decode()
    assert "Quàng Thị Mai" in form and "Bản Nà Khá" in form


def test_deleting_the_first_trees_case_hands_the_row_to_the_tree_left(two_trees):
    case_b = record(two_trees["b"], two_trees["guide_b"], phone="0912345678")
    record(two_trees["a"], two_trees["guide_a"], full_name="Tên A gõ", phone="0987654321")
    services.case_delete(case=case_b, user=two_trees["b"])
    resident = Resident.objects.get()
    assert (resident.full_name, resident.phone) == ("Tên A gõ", "0987654321")
    assert resident.tree_id == two_trees["guide_a"].unit_id and not resident.records.exists()


def test_a_command_import_and_a_seeded_resident_get_a_tree(tmp_path, two_trees):
    from campaign.importing import import_workbook
    from campaign.owners import assign_trees
    from campaign.tests.factories import CaseFactory

    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000002", two_trees["guide_a"].id_number),
            ]
        },
    )
    import_workbook(path, campaign=plan_campaign())
    assert Resident.objects.get(id_number="014195000002").tree_id == two_trees["guide_a"].unit_id
    seeded = CaseFactory(member=two_trees["guide_b"]).resident
    assign_trees()
    seeded.refresh_from_db()
    assert seeded.tree_id == two_trees["guide_b"].unit_id
