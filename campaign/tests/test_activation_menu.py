"""The activation list from the menu: its page for district administrators, the
discrepancies for the secretaries, with a bounded number of queries; the discrepancies name
each resident as the user's own tree recorded them; the list read through a join, never
written on the cases."""

import datetime

import pytest
from django.urls import reverse

from campaign import verification
from campaign.activations import import_activation_list
from campaign.models import ActivationEntry, Case, ResidentRecord
from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import add_case
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/chien-dich/danh-sach-kich-hoat/"
FIX = "/tong-quan/can-sua/"


@pytest.fixture
def district(tmp_path):
    top = UnitFactory(code="HUYEN", name="Huyện Đoàn")
    women = UnitFactory(code="HPN", name="Hội Phụ nữ huyện", kind="womens_union")
    mine = UnitFactory(code="XA1", name="Đoàn xã Một", parent=top)
    admin = UserFactory(username="quantri")
    UnitRoleFactory(user=admin, unit=top, role=UnitRole.Role.ADMIN)
    UnitRoleFactory(user=admin, unit=women, role=UnitRole.Role.ADMIN)
    secretary = UserFactory(username="bithu")
    UnitRoleFactory(user=secretary, unit=mine, role=UnitRole.Role.SECRETARY)
    guide = MemberFactory(unit=mine, full_name="Lò Văn Một", id_number="014090000001")
    other_guide = MemberFactory(unit=women, full_name="Lò Thị Hai", id_number="014090000002")
    # The Women's Union recorded the resident first: the Resident row holds its details.
    resident = ResidentFactory(id_number="014195000001", full_name="Tên Hội Phụ Nữ Ghi")
    first = add_case(other_guide, resident)
    resident.tree = women
    resident.save()
    case = add_case(guide, resident, level=1)
    ResidentRecord.objects.create(resident=resident, tree=top, full_name="Tên Đoàn Ghi")
    path = tmp_path / "ds.csv"
    path.write_text(
        "Số định danh,Mức định danh,Ngày kích hoạt\n014195000001,2,02/05/2023\n",
        encoding="utf-8",
    )
    assert import_activation_list(path, campaign=plan_campaign(), user=admin).written
    return {"admin": admin, "secretary": secretary, "case": case, "first": first}


def menu_links(client, user):
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    return (f'href="{LIST}"' in page, f'href="{FIX}?section=verification"' in page)


def test_the_menu_offers_the_list_to_district_administrators_only(client, district):
    assert menu_links(client, district["admin"]) == (True, True)
    assert menu_links(client, district["secretary"]) == (False, True)
    viewer = UserFactory(username="xem")
    UnitRoleFactory(user=viewer, unit=district["case"].member.unit, role=UnitRole.Role.VIEWER)
    assert menu_links(client, viewer) == (False, False)
    # An administrator of one tree only is not the district's: no list.
    one_tree = UserFactory(username="quantri-doan")
    UnitRoleFactory(user=one_tree, unit=district["case"].member.unit.parent, role="admin")
    assert menu_links(client, one_tree) == (False, True)


def test_the_list_page_and_the_discrepancies_take_a_bounded_number_of_queries(
    client, district, django_assert_max_num_queries
):
    client.force_login(district["admin"])
    with django_assert_max_num_queries(30):
        page = client.get(LIST)
    assert page.status_code == 200 and "Danh sách kích hoạt" in page.content.decode()
    client.force_login(district["secretary"])
    client.get(FIX, {"section": "verification"})  # the counts and rows kept
    with django_assert_max_num_queries(30):
        page = client.get(FIX, {"section": "verification"})
    assert "Tên Đoàn Ghi" in page.content.decode()


def test_the_discrepancies_name_the_resident_as_the_users_tree_recorded_them(client, district):
    client.force_login(district["secretary"])
    for query in ({"section": "verification"}, {"section": "verification", "sort": "name"}):
        page = client.get(FIX, query).content.decode()
        assert "Tên Đoàn Ghi" in page and "Tên Hội Phụ Nữ Ghi" not in page
        assert "lệch với danh sách kích hoạt" in page
    workbook = client.get(FIX, {"section": "verification", "xlsx": "1"})
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Tên Đoàn Ghi" in names and "Tên Hội Phụ Nữ Ghi" not in names


def test_without_a_list_the_discrepancies_link_says_so(client, district):
    ActivationEntry.objects.all().delete()
    plan_campaign().activation_lists.all().delete()
    client.force_login(district["secretary"])
    page = client.get(FIX, {"section": "verification"}).content.decode()
    assert 'id="no-activation-list"' in page


def test_the_list_is_joined_not_written_on_the_cases(district):
    """The import writes the list's rows, each joined to its resident; the cases read them
    through the join, and a corrected ID number moves the join at once."""
    case = Case.objects.get(pk=district["case"].pk)
    entry = ActivationEntry.objects.get()
    assert entry.resident_id == case.resident_id
    assert (case.official_level, case.official_activated_on) == (2, datetime.date(2023, 5, 2))
    assert verification.status_of(case, plan_campaign()) == verification.DIFFERS
    resident = case.resident
    resident.id_number = "014195000009"
    resident.save()
    verification.refresh_official(resident_ids=[resident.pk])
    assert ActivationEntry.objects.get().resident_id is None
    case = Case.objects.get(pk=case.pk)
    assert verification.status_of(case, plan_campaign()) == verification.NOT_FOUND
    resident.id_number = "014195000001"
    resident.save()
    verification.refresh_official(resident_ids=[resident.pk])
    assert ActivationEntry.objects.get().resident_id == resident.pk


def test_the_list_page_after_an_import_from_the_command_line(client, district, tmp_path):
    """A list imported by `import_activations` has nobody as its importer: the page shows a
    dash, not an error."""
    path = tmp_path / "cli.csv"
    path.write_text(
        "Số định danh,Mức định danh,Ngày kích hoạt\n014195000001,1,02/05/2023\n",
        encoding="utf-8",
    )
    assert import_activation_list(path, campaign=plan_campaign()).written
    client.force_login(district["admin"])
    page = client.get(LIST)
    assert page.status_code == 200 and "cli.csv" in page.content.decode()
