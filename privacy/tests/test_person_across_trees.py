"""The person's-data page is the data controller's: an administrator of a tree's top unit
sees, corrects and deletes only that tree's record of a person another tree also guides
(issue 17, item 4)."""

import datetime

import pytest
from django.urls import reverse

from campaign import services
from campaign.models import Case, Resident, ResidentRecord
from campaign.tests.factories import plan_campaign
from privacy.models import PersonalDataAccess
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

ID = "014090123234"
A_NAME, B_NAME = "Quàng Thị Mai", "Lường Thị Mây"
B_PHONE, B_ADDRESS = "0987001122", "Bản Pú Nhi"
A_PHONE = "0912345678"


def build(first):
    """Two trees guiding one resident; `first` ("a" or "b") records them first, so owns the
    Resident row's details."""
    youth = UnitFactory(code="DOAN", name="Đoàn huyện", kind=UnitKind.YOUTH_UNION)
    commune_a = UnitFactory(code="DOAN-XA", name="Đoàn xã Nà Tấu", parent=youth)
    women = UnitFactory(code="HOIPN", name="Hội Phụ nữ huyện", kind=UnitKind.WOMENS_UNION)
    commune_b = UnitFactory(code="HOIPN-XA", name="Hội Phụ nữ xã Thanh Minh", parent=women)
    found = {
        "a_admin": UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN).user,
        "a_commune_admin": UnitRoleFactory(unit=commune_a, role=UnitRole.Role.ADMIN).user,
        "a": UnitRoleFactory(unit=commune_a, role=UnitRole.Role.SECRETARY).user,
        "b": UnitRoleFactory(unit=commune_b, role=UnitRole.Role.SECRETARY).user,
        "guide_a": MemberFactory(unit=commune_a, full_name="Lò Văn Anh"),
        "guide_b": MemberFactory(unit=commune_b, full_name="Cầm Thị Bích"),
    }
    found["b"].username = "bi-mat-cay-b"
    found["b"].save()
    typed = {
        "a": {"id_number": ID, "full_name": A_NAME, "phone": A_PHONE},
        "b": {
            "id_number": ID,
            "full_name": B_NAME,
            "phone": B_PHONE,
            "address": B_ADDRESS,
            "birth_date": datetime.date(1961, 7, 8),
        },
    }
    for tree in (first, "b" if first == "a" else "a"):
        found[f"case_{tree}"] = services.case_create(
            campaign=plan_campaign(),
            member=found[f"guide_{tree}"],
            resident_data=typed[tree],
            case_data={},
            user=found[tree],
        )
    found["resident"] = Resident.objects.get()
    # Tree B's secretary revealed the person: an access record of tree B.
    PersonalDataAccess.record(
        user=found["b"],
        action=PersonalDataAccess.Action.REVEAL,
        what="Người dân: xem ở cây B",
        rows=1,
        id_number=ID,
    )
    return found


@pytest.fixture
def b_first():
    return build("b")


@pytest.fixture
def a_first():
    return build("a")


def page(client, user, resident):
    client.force_login(user)
    return client.get(reverse("privacy:person", args=[resident.pk]))


def b_words():
    return [
        B_NAME,
        B_PHONE,
        B_ADDRESS,
        "08/07/1961",
        "Cầm Thị Bích",
        "Hội Phụ nữ",
        "bi-mat-cay-b",
        "xem ở cây B",
    ]


@pytest.mark.parametrize("first", ["a", "b"])
def test_the_page_shows_only_the_trees_record_and_counts_the_other_trees_cases(client, first):
    found = build(first)
    response = page(client, found["a_admin"], found["resident"])
    assert response.status_code == 200
    text = response.content.decode()
    for word in b_words():
        assert word not in text, word
    assert A_NAME in text and "Lò Văn Anh" in text
    assert [c.pk for c in response.context["cases"]] == [found["case_a"].pk]
    assert response.context["other_cases"] == 1
    assert "1 trường hợp của đơn vị thuộc cây đơn vị khác không hiển thị" in text
    # The form opens with tree A's own details.
    assert response.context["form"]["full_name"].value() == A_NAME


def test_a_commune_administrator_is_not_the_data_controller(client, b_first):
    client.force_login(b_first["a_commune_admin"])
    assert client.get(reverse("privacy:person_search")).status_code == 403
    assert reverse("privacy:person_search") not in client.get("/").content.decode()
    resident = b_first["resident"]
    assert client.get(reverse("privacy:person", args=[resident.pk])).status_code == 403
    response = client.post(reverse("privacy:person_erase", args=[resident.pk]), {"confirm": "1"})
    assert response.status_code == 403
    assert Case.objects.count() == 2
    client.force_login(b_first["a_admin"])
    assert reverse("privacy:person_search") in client.get("/").content.decode()


def test_a_correction_writes_only_the_trees_record(client, b_first):
    client.force_login(b_first["a_admin"])
    resident = b_first["resident"]
    response = client.post(
        reverse("privacy:person", args=[resident.pk]),
        {"full_name": "Quàng Thị Mai Anh", "phone": "0900000001", "sex": "", "address": ""},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.full_name, resident.phone, resident.address) == (B_NAME, B_PHONE, B_ADDRESS)
    assert resident.birth_date == datetime.date(1961, 7, 8)
    record = ResidentRecord.objects.get(resident=resident)  # tree A's; B owns the row
    assert (record.full_name, record.phone) == ("Quàng Thị Mai Anh", "0900000001")


def erase(client, found):
    client.force_login(found["a_admin"])
    resident = found["resident"]
    return client.post(reverse("privacy:person_erase", args=[resident.pk]), {"confirm": "1"})


def assert_tree_b_is_whole(found):
    resident = Resident.objects.get(pk=found["resident"].pk)
    assert list(Case.objects.values_list("pk", flat=True)) == [found["case_b"].pk]
    assert Case.history.filter(id=found["case_b"].pk).exists()
    assert not Case.history.filter(id=found["case_a"].pk).exists()
    assert not ResidentRecord.objects.filter(resident=resident).exists()
    assert (resident.full_name, resident.phone, resident.address) == (B_NAME, B_PHONE, B_ADDRESS)
    assert resident.birth_date == datetime.date(1961, 7, 8)
    assert resident.tree_id == found["guide_b"].unit.parent_id
    # No copy of tree A's details is left anywhere in the resident's history.
    assert not Resident.history.filter(id=resident.pk, full_name=A_NAME).exists()
    assert not Resident.history.filter(id=resident.pk, phone=A_PHONE).exists()
    assert not ResidentRecord.history.filter(resident_id=resident.pk, full_name=A_NAME).exists()
    return resident


def test_erasure_keeps_the_other_trees_case_record_and_history(client, b_first):
    b_history = set(Resident.history.filter(id=b_first["resident"].pk).values_list("pk", flat=True))
    assert erase(client, b_first).status_code == 302
    assert_tree_b_is_whole(b_first)
    assert (
        set(Resident.history.filter(id=b_first["resident"].pk).values_list("pk", flat=True))
        >= b_history
    )
    erased = PersonalDataAccess.objects.get(action="erase")
    assert erased.rows == 2 and "cây đơn vị khác vẫn hướng dẫn" in erased.what


def test_erasure_of_the_row_owning_tree_hands_the_row_to_the_tree_left(client, a_first):
    assert a_first["resident"].full_name == A_NAME  # tree A owned the row
    assert erase(client, a_first).status_code == 302
    assert_tree_b_is_whole(a_first)
    # Tree B's administrator sees their own record on the page now.
    b_admin = UnitRoleFactory(unit=a_first["guide_b"].unit.parent, role=UnitRole.Role.ADMIN).user
    text = page(client, b_admin, a_first["resident"]).content.decode()
    assert B_NAME in text and A_NAME not in text


def test_erasure_with_no_other_tree_deletes_the_person_whole(client, b_first):
    Case.objects.filter(pk=b_first["case_b"].pk).delete()
    erase(client, b_first)
    assert not Resident.objects.exists() and not Case.objects.exists()
    assert not Resident.history.exists() and not Case.history.exists()
    assert not ResidentRecord.objects.exists() and not ResidentRecord.history.exists()
