"""What a unit typed about a resident stays its own on the pages around the case: the case
form opened for another guide, the history, the data-to-fix page and its workbooks, the
report's Trùng lặp sheet, the resident list's search (issue 17)."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaign import services
from campaign.models import Case, Resident
from campaign.tests.factories import plan_campaign
from reports.exports.data import open_double_claims
from units.models import Unit, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

ID = "014090123234"
A_NAME, B_NAME = "Quàng Thị Mai", "Quàng T. Mai"
A_TYPED = ("0912345678", "Bản Nà Khá", "04/03/1960", A_NAME)


@pytest.fixture
def trees():
    youth = UnitFactory(code="DOAN", kind=UnitKind.YOUTH_UNION)
    women = UnitFactory(code="HOIPN", kind=UnitKind.WOMENS_UNION)
    found = {
        "youth": youth,
        "women": women,
        "a": UnitRoleFactory(unit=youth, role=UnitRole.Role.SECRETARY).user,
        "b": UnitRoleFactory(unit=women, role=UnitRole.Role.SECRETARY).user,
        "b_admin": UnitRoleFactory(unit=women, role=UnitRole.Role.ADMIN).user,
        "a_admin": UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN).user,
        "guide_a": MemberFactory(unit=youth, full_name="Lò Văn A"),
        "guide_b": MemberFactory(unit=women, full_name="Cầm Thị B"),
    }
    # Tree A records the resident first, with everything; tree B only a shorter name.
    found["case_a"] = services.case_create(
        campaign=plan_campaign(),
        member=found["guide_a"],
        resident_data={
            "id_number": ID,
            "full_name": A_NAME,
            "phone": "0912345678",
            "address": "Bản Nà Khá",
            "birth_date": datetime.date(1960, 3, 4),
        },
        case_data={},
        user=found["a"],
    )
    found["case_b"] = services.case_create(
        campaign=plan_campaign(),
        member=found["guide_b"],
        resident_data={"id_number": ID, "full_name": B_NAME},
        case_data={},
        user=found["b"],
    )
    found["resident"] = Resident.objects.get()
    return found


def text(response):
    return response.content.decode()


# --- The case form opened for another guide ---------------------------------------------------


def test_another_guide_form_shows_the_id_masked_and_the_users_own_name(client, trees):
    client.force_login(trees["b"])
    url = reverse("campaign:case_create")
    response = client.get(url, {"resident": trees["resident"].pk})
    form = response.context["form"]
    assert form["id_number"].value() == "0140•••••234"
    assert form["full_name"].value() == B_NAME
    page = text(response)
    assert ID not in page and A_NAME not in page


def test_the_masked_id_sent_back_untouched_records_the_held_resident(client, trees):
    guide = MemberFactory(unit=trees["women"], full_name="Lường Thị C")
    client.force_login(trees["b"])
    url = reverse("campaign:case_create") + f"?resident={trees['resident'].pk}"
    response = client.post(
        url,
        {
            "id_number": "0140•••••234",
            "full_name": B_NAME,
            "member": guide.pk,
            "category": "resident",
            "place": "home",
        },
    )
    assert response.status_code == 302
    assert Case.objects.filter(member=guide, resident=trees["resident"]).exists()
    assert Resident.objects.count() == 1


def test_another_trees_resident_alone_prefills_nothing(client, trees):
    other = services.case_create(
        campaign=plan_campaign(),
        member=trees["guide_a"],
        resident_data={"id_number": "014090123235", "full_name": "Lò Thị Khác"},
        case_data={},
        user=trees["a"],
    ).resident
    client.force_login(trees["b"])
    response = client.get(reverse("campaign:case_create"), {"resident": other.pk})
    assert response.context["form"]["id_number"].value() is None
    assert "0140•••••235" not in text(response) and "Lò Thị Khác" not in text(response)


# --- The history -------------------------------------------------------------------------------


def test_the_history_masks_birth_dates_and_addresses(client, trees):
    client.force_login(trees["a_admin"])
    resident = trees["resident"]
    resident.address = "Bản Nà Khá Mới"
    resident._history_user = trees["a"]
    resident.save()
    page = text(client.get(reverse("privacy:history", args=["nguoi-dan", resident.pk])))
    assert A_NAME in page  # the own tree's record, named
    for held in ("Bản Nà Khá", "04/03/1960", "1960-03-04", "0912345678", ID):
        assert held not in page
    assert "••/••/1960" in page and "••••••" in page


def test_another_trees_history_of_the_resident_is_its_own_record(client, trees):
    client.force_login(trees["b_admin"])
    page = text(client.get(reverse("privacy:history", args=["nguoi-dan", trees["resident"].pk])))
    assert B_NAME in page
    for held in A_TYPED:
        assert held not in page
    case_page = text(
        client.get(reverse("privacy:history", args=["truong-hop", trees["case_b"].pk]))
    )
    assert B_NAME in case_page and A_NAME not in case_page


def test_a_resolutions_history_names_the_resident_and_member_as_the_user_sees_them(client, trees):
    from django.contrib.auth import get_user_model

    from campaign.models import DoubleClaimResolution

    resolution = DoubleClaimResolution.objects.create(
        campaign=plan_campaign(),
        resident=trees["resident"],
        awarded_to=trees["guide_a"],
        resolved_by=get_user_model().objects.create_superuser("qt", password="x-1234567"),
        reason="Xác minh",
    )
    client.force_login(trees["b_admin"])
    page = text(client.get(reverse("privacy:history", args=["giai-quyet", resolution.pk])))
    assert B_NAME in page and "một thành viên ở đơn vị khác" in page
    for held in (A_NAME, "Lò Văn A"):
        assert held not in page


# --- The data-to-fix page, its search and its workbooks ---------------------------------------


FIX = "/tong-quan/can-sua/"


def test_data_to_fix_names_the_resident_as_the_users_tree_recorded_them(client, trees):
    client.force_login(trees["b"])
    for section in ("claims", "follow_up"):
        page = text(client.get(FIX, {"section": section}))
        assert B_NAME in page, section
        for held in A_TYPED:
            assert held not in page, section
        book = load_workbook(io.BytesIO(client.get(FIX, {"section": section, "xlsx": "1"}).content))
        cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c]
        assert B_NAME in cells, section
        assert not any(held in cell for cell in cells for held in A_TYPED), section


def test_data_to_fix_search_is_posted_and_the_id_never_reaches_the_address(client, trees):
    client.force_login(trees["b"])
    response = client.post(FIX, {"q": ID, "section": "claims"})
    assert response.status_code == 302 and ID not in response["Location"]
    assert "section=claims" in response["Location"]
    found = client.get(response["Location"])
    assert B_NAME in text(found) and found.context["table"].page.paginator.count == 1
    assert ID not in text(found).replace(f'value="{ID}"', "")


@pytest.mark.parametrize("digits", ["0140", "234", "01409012323", "4090123234"])
def test_data_to_fix_search_by_part_of_an_id_finds_nothing(client, trees, digits):
    client.force_login(trees["b"])
    found = client.get(client.post(FIX, {"q": digits, "section": "claims"})["Location"])
    assert found.context["table"].page.paginator.count == 0


def test_data_to_fix_search_finds_the_users_own_name_not_another_trees(client, trees):
    client.force_login(trees["b"])
    own = client.get(FIX, {"q": "quang t.", "section": "claims"})
    assert own.context["table"].page.paginator.count == 1
    theirs = client.get(FIX, {"q": "thi mai", "section": "claims"})
    assert theirs.context["table"].page.paginator.count == 0
    client.force_login(trees["a"])
    assert (
        client.get(FIX, {"q": "thi mai", "section": "claims"}).context["table"].page.paginator.count
        == 1
    )


# --- The resident list's search ----------------------------------------------------------------


def test_the_resident_list_search_matches_the_users_own_trees_name(client, trees):
    client.force_login(trees["b"])
    url = reverse("campaign:resident_list")
    assert client.get(url, {"q": "thi mai"}).context["page"].paginator.count == 0
    assert client.get(url, {"q": "quang t."}).context["page"].paginator.count == 1
    client.force_login(trees["a"])
    assert client.get(url, {"q": "thi mai"}).context["page"].paginator.count == 1
    assert client.get(url, {"q": "quang t."}).context["page"].paginator.count == 0


def test_the_resident_list_search_by_part_of_an_id_finds_nothing(client, trees):
    client.force_login(trees["b"])
    url = reverse("campaign:resident_list")
    found = client.get(client.post(url, {"q": "0140"})["Location"])
    assert found.context["page"].paginator.count == 0
    found = client.get(client.post(url, {"q": ID})["Location"])
    assert found.context["page"].paginator.count == 1


# --- The report's Trùng lặp sheet --------------------------------------------------------------


def test_the_duplicates_sheet_names_the_resident_as_the_reports_tree_recorded_them(trees):
    campaign = plan_campaign()
    women = open_double_claims(campaign, Unit.objects.subtree(trees["women"]))
    assert [(d["name"], d["id_number"]) for d in women] == [(B_NAME, ID)]
    youth = open_double_claims(campaign, Unit.objects.subtree(trees["youth"]))
    assert [d["name"] for d in youth] == [A_NAME]


def test_the_duplicates_sheet_names_nobody_a_tree_did_not_record(trees):
    from campaign.models import ResidentRecord

    ResidentRecord.objects.filter(tree=trees["women"]).update(full_name="")
    women = open_double_claims(plan_campaign(), Unit.objects.subtree(trees["women"]))
    assert [d["name"] for d in women] == ["(do đơn vị khác ghi nhận)"]
