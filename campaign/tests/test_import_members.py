"""The Thành viên sheet's own-compliance columns (plan II.1) and optional details."""

import datetime

import pytest

from campaign.importing import import_workbook
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import UNIT_HEADERS, build_xlsx
from units.models import Member

pytestmark = pytest.mark.django_db

HEADERS = [
    "Mã đơn vị",
    "Họ và tên",
    "Số định danh",
    "Đối tượng",
    "Ngày sinh",
    "Số điện thoại",
    "Định danh mức 2",
    "Đã kích hoạt VNeID",
    "Đã dùng Cổng DVC",
]


def test_own_compliance_and_details_are_read_from_the_roster(tmp_path):
    path = build_xlsx(
        tmp_path / "thanh-vien.xlsx",
        {
            "Đơn vị": [UNIT_HEADERS, ["HPN", "Hội LHPN huyện Sốp Cộp", "Hội Phụ nữ", None]],
            "Thành viên": [
                HEADERS,
                [
                    "HPN",
                    "Lò Thị Ban",
                    "014190000011",
                    "Cán bộ",
                    "3/2/1990",
                    "+84 912 345 678",
                    "Có",
                    "x",
                    "TRUE",
                ],
                [
                    "HPN",
                    "Cầm Thị Dợ",
                    14192000012,
                    "Hội viên",
                    33000,
                    "0388123456",
                    "Không",
                    None,
                    0,
                ],
            ],
        },
    )
    plan = import_workbook(path, campaign=plan_campaign())
    assert plan.ok, [p.message for p in plan.errors]
    ban = Member.objects.get(id_number="014190000011")
    assert (ban.has_level2_account, ban.vneid_activated, ban.portal_used) == (True, True, True)
    assert (ban.birth_date, ban.phone, ban.category) == (
        datetime.date(1990, 2, 3),
        "0912345678",
        "cadre",
    )
    do = Member.objects.get(id_number="014192000012")
    assert (do.has_level2_account, do.vneid_activated, do.portal_used) == (False, False, False)
    assert do.birth_date == datetime.date(1990, 5, 7) and do.category == "member"
    assert do.unit.kind == "womens_union"


def test_an_unreadable_member_phone_is_a_warning(tmp_path):
    path = build_xlsx(
        tmp_path / "tv.xlsx",
        {
            "Đơn vị": [UNIT_HEADERS, ["HPN", "Hội LHPN huyện", "Hội Phụ nữ", None]],
            "Thành viên": [
                HEADERS,
                ["HPN", "Lò Thị Ban", "014190000011", "Cán bộ", None, "chưa có", None, None, None],
            ],
        },
    )
    plan = import_workbook(path, campaign=plan_campaign())
    assert plan.ok and [w.code for w in plan.warnings] == ["detail_ignored"]
    assert Member.objects.get().phone == ""
