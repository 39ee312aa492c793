"""A record's history begins at its creation by any path (the bulk import's COPY too) and
reads in Vietnamese with names: who by full name, related records by their names."""

import datetime

import pytest
from django.urls import reverse

from campaign import services
from campaign.importing import import_workbook
from campaign.models import Case, Resident
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    top = UnitFactory(code="HUYEN")
    commune = UnitFactory(code="XA1", parent=top)
    admin = UnitRoleFactory(unit=top, role=UnitRole.Role.ADMIN).user
    secretary = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    secretary.first_name = "Lò Thị Mai"
    secretary.save()
    guide = MemberFactory(unit=commune, id_number="014095000001", full_name="Lò Văn Hướng")
    return {"admin": admin, "secretary": secretary, "guide": guide}


def _text(page):
    import re

    html = page.content.decode()
    return re.sub(r"\\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_imported_case_and_resident_have_their_creation_with_who(client, tree, tmp_path):
    rows = [RESIDENT_HEADERS, resident_row("Quàng Thị Hoa", "014195000002", "014095000001")]
    path = build_xlsx(tmp_path / "t5.xlsx", {"Người dân": rows})
    assert import_workbook(path, campaign=plan_campaign(), user=tree["secretary"]).written
    case = Case.objects.get()
    client.force_login(tree["admin"])
    for kind, pk in (("truong-hop", case.pk), ("nguoi-dan", case.resident_id)):
        page = client.get(reverse("privacy:history", args=[kind, pk]))
        text = _text(page)
        assert "Chưa" not in text and "Không có thay đổi" not in text
        assert "tạo mới" in text and "Lò Thị Mai" in text  # by whom, by full name
        [(row, _kind, lines)] = page.context["entries"]
        assert row.by_import and lines  # the values it was created with
    case_page = _text(client.get(reverse("privacy:history", args=["truong-hop", case.pk])))
    assert "Quàng Thị Hoa" in case_page and "Lò Văn Hướng" in case_page


def test_a_case_made_by_the_form_names_its_resident_member_and_campaign(client, tree):
    case = services.case_create(
        campaign=plan_campaign(),
        member=tree["guide"],
        resident_data={"id_number": "014195000777", "full_name": "Quàng Thị Mai"},
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 2)},
        user=tree["secretary"],
    )
    client.force_login(tree["admin"])
    page = client.get(reverse("privacy:history", args=["truong-hop", case.pk]))
    [(row, kind, lines)] = page.context["entries"]
    shown = {str(label): after for label, _before, after in lines}
    assert shown["người dân"] == "Quàng Thị Mai"  # not "Người dân: 9610"
    assert shown["Người hướng dẫn"] == "Lò Văn Hướng"
    assert shown["chiến dịch"] == plan_campaign().name
    assert "ID" not in shown  # the record's own number says nothing


def test_the_person_page_says_the_history_types_in_vietnamese(client, tree):
    services.case_create(
        campaign=plan_campaign(),
        member=tree["guide"],
        resident_data={"id_number": "014195000777", "full_name": "Quàng Thị Mai"},
        case_data={},
        user=tree["secretary"],
    )
    client.force_login(tree["admin"])
    found = client.post(reverse("privacy:person_search"), {"id_number": "014195000777"})
    text = _text(client.get(found["Location"]))
    assert "Created" not in text and "Tạo mới" in text
    assert Resident.objects.count() == 1
