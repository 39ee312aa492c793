"""Searching names ignores case and Vietnamese diacritics, on SQLite and PostgreSQL alike."""

import pytest
from django.urls import reverse

from campaign.models import Resident
from campaign.tests.factories import CaseFactory, ResidentFactory
from units.models import UnitRole
from units.search import Folded
from units.tests.factories import MemberFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


def test_database_folding_matches_the_python_folding():
    from units.normalize import fold

    names = [
        "Lò Văn Thành",
        "ĐIÊU THỊ ÁNH",
        "Quàng Thị Ín",
        "Vừ A Dế",
        "Lường Thị Diêm",
        "Nguyễn Ngọc Hưởng",
        "Cầm Bá Thước",
    ]
    for name in names:
        ResidentFactory(full_name=name)
    folded = dict(Resident.objects.annotate(k=Folded("full_name")).values_list("full_name", "k"))
    assert folded == {name: fold(name) for name in names}


@pytest.mark.parametrize("typed", ["lo van thanh", "LÒ VĂN", "thanh", "Thành", "van  thanh"])
def test_member_search_without_diacritics_finds_the_member(client, typed):
    thanh = MemberFactory(full_name="Lò Văn Thành")
    MemberFactory(unit=thanh.unit, full_name="Quàng Thị Mai")
    role = UnitRoleFactory(unit=thanh.unit, role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    page = client.get(reverse("units:member_list"), {"q": typed})
    found = [m.full_name for m in page.context["page"].object_list]
    assert found == ["Lò Văn Thành"]


def test_resident_search_folds_d_bar(client):
    case = CaseFactory(resident=ResidentFactory(full_name="Điêu Thị Đào"))
    CaseFactory(member=case.member)
    role = UnitRoleFactory(unit=case.member.unit, role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    page = client.get(reverse("campaign:resident_list"), {"q": "dieu thi dao"})
    assert [r.full_name for r in page.context["page"].object_list] == ["Điêu Thị Đào"]


def test_residents_keep_their_folded_name_on_every_write(tmp_path):
    from django.core.management import call_command

    from campaign.bulk import insert_objects
    from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
    from units.tests.factories import MemberFactory

    resident = ResidentFactory(full_name="Lường Thị Diêm")
    resident.refresh_from_db()
    assert resident.search_name == "luong thi diem"
    insert_objects([Resident(id_number="014195000999", full_name="Tòng Thị Ín")])
    assert Resident.objects.get(id_number="014195000999").search_name == "tong thi in"
    guide = MemberFactory(id_number="014095000001")
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row(
                    "Điêu Văn Ánh", "014195000999", guide.id_number
                ),  # renamed by the import
                resident_row("Hà Thị Lả", "014195000998", guide.id_number),  # new
            ]
        },
    )
    call_command("import_xlsx", str(path))
    folded = dict(Resident.objects.values_list("id_number", "search_name"))
    assert folded["014195000999"] == "dieu van anh" and folded["014195000998"] == "ha thi la"
