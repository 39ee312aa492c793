"""From a secretary's workbook to the results JSON: the path the district police script.

The workbook is built the way real ones are (a title above the header, headers without
diacritics, ID numbers that lost their leading zero, dates as text, cells and serials, a
row typed twice), and the expected figures are worked out by hand from rules.md.
"""

import datetime
import json

import openpyxl
import pytest
from django.core.management import call_command

from campaign.tests.factories import plan_campaign

pytestmark = pytest.mark.django_db

M1, M2, M3 = "014090000001", "014190000002", "014085000003"


def workbook(path):
    wb = openpyxl.Workbook()
    units = wb.active
    units.title = "Đơn vị"
    units.append(["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"])
    units.append(["HD", "Huyện Đoàn Sốp Cộp", "Đoàn", ""])
    units.append(["DX-A", "Đoàn xã Mường Lạn", "Đoàn", "HD"])
    units.append(["CD-A1", "Chi đoàn bản Mòn", "Đoàn", "DX-A"])
    units.append(["CAH", "Công an huyện Sốp Cộp", "Công an", None])

    members = wb.create_sheet("Thanh vien")
    members.append(["Mã đơn vị", "Họ và tên", "So dinh danh", "Đối tượng"])
    members.append(["CD-A1", "Lò Văn Thành", int(M1), "Cán bộ"])  # lost its zero
    members.append(["DX-A", "Quàng Thị Mai", M2, "Đoàn viên/Hội viên"])
    members.append(["CAH", "Cầm Văn Hùng", M3, "Lực lượng vũ trang"])

    residents = wb.create_sheet("Người dân")
    residents.append(["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN"])
    residents.append([])
    residents.append(
        [
            "STT",
            "Họ và tên",
            "Số định danh",
            "Số định danh người hướng dẫn",
            "Mức định danh",
            "Ngày kích hoạt",
            "Tài khoản DVC",
            "Đối tượng",
        ]
    )
    rows = [
        ("R1", "014195000101", M1, 2, "21/04/2023", "Có", None),  # first day: credited
        ("R2", "014195000102", M1, 1, "20/04/2023", "Có", None),  # day before: never
        ("R3", "014195000103", M1, 2, datetime.date(2023, 5, 2), None, None),  # e-ID only
        ("R4", "014195000104", M1, 2, "03/05/2023", "x", None),  # double claim ...
        ("R4", "014195000104", M3, 2, "03/05/2023", "x", None),  # ... with the police
        ("R5", "014195000105", M2, 2, "03/05/2023", "Có", "Đoàn viên"),  # declared member
        ("R6", M3, M2, 2, "03/05/2023", "Có", None),  # on the roster
        ("R7", "014195000107", M2, None, None, None, None),  # not activated
        ("R8", "014195000108", M2, 2, "2023-06-15", "TRUE", None),  # full
        ("R9", "014195000109", M1, 2, 45056, 1, None),  # serial 10/05/2023
        ("R9", "014195000109", M1, 2, "10/05/2023", "có", None),  # same row again
        ("R10", "014195000110", M3, 1, "21/06/2023", "Có", None),  # after the as-of day
    ]
    for index, (name, id_number, guide, level, day, portal, category) in enumerate(rows, 1):
        residents.append(
            [index, f"Người dân {name}", id_number, guide, level, day, portal, category]
        )
    wb.save(path)
    return path


def results(as_of):
    import io

    out = io.StringIO()
    call_command("campaign_results", "--as-of", as_of, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def imported(tmp_path):
    call_command("import_xlsx", str(workbook(tmp_path / "danh-sach.xlsx")))


def test_members_figures_follow_the_plan(imported):
    data = results("2023-06-20")
    assert data["campaign"] == "vneid-2023" and data["as_of"] == "2023-06-20"
    members = {m["id_number"]: m for m in data["members"]}
    assert members[M1] == {
        "id_number": M1,
        "name": "Lò Văn Thành",
        "unit": "CD-A1",
        "category": "cadre",
        "cases": 5,
        "credited_eid": 3,
        "credited_full": 2,
        "double_claims": 1,
        "quota": 20,
        "meets_quota": False,
        "individual_award": False,
    }
    assert (
        members[M2]["cases"],
        members[M2]["credited_eid"],
        members[M2]["credited_full"],
        members[M2]["double_claims"],
        members[M2]["quota"],
    ) == (4, 1, 1, 0, 10)
    assert (
        members[M3]["cases"],
        members[M3]["credited_eid"],
        members[M3]["credited_full"],
        members[M3]["double_claims"],
        members[M3]["category"],
    ) == (2, 0, 0, 1, "armed_forces")


def test_units_roll_up_their_sub_units(imported):
    units = {u["code"]: u for u in results("2023-06-20")["units"]}
    assert units["CD-A1"] == {
        "code": "CD-A1",
        "name": "Chi đoàn bản Mòn",
        "members": 1,
        "credited_full": 2,
        "average": 2.0,
        "collective_award": False,
    }
    assert (units["DX-A"]["members"], units["DX-A"]["credited_full"], units["DX-A"]["average"]) == (
        2,
        3,
        1.5,
    )
    assert (units["HD"]["members"], units["HD"]["credited_full"]) == (2, 3)
    assert (units["CAH"]["members"], units["CAH"]["credited_full"], units["CAH"]["average"]) == (
        1,
        0,
        0,
    )


def test_a_later_as_of_day_credits_the_later_activation(imported):
    members = {m["id_number"]: m for m in results("2023-06-21")["members"]}
    assert (members[M3]["credited_eid"], members[M3]["credited_full"]) == (1, 1)


def test_collective_threshold_is_the_campaigns_setting_compared_exactly(imported):
    campaign = plan_campaign()
    campaign.collective_award_threshold = 1.5
    campaign.save()
    units = {u["code"]: u for u in results("2023-06-20")["units"]}
    assert units["HD"]["collective_award"] is True  # 3 >= 1.5 × 2
    assert units["CAH"]["collective_award"] is False


def test_importing_the_same_workbook_again_changes_no_figure(imported, tmp_path):
    before = results("2023-11-28")
    call_command("import_xlsx", str(workbook(tmp_path / "lan-2.xlsx")))
    assert results("2023-11-28") == before


def test_a_reporting_period_adds_figures_within_it_and_changes_none(imported):
    import io

    out = io.StringIO()
    call_command("campaign_results", "--period", "dot-1", stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_of"] == "2023-05-12"
    assert data["period"] == {
        "slug": "dot-1",
        "name": "Báo cáo kết quả đợt 1",
        "starts_on": "2023-04-21",
        "ends_on": "2023-05-12",
    }
    plain = {m["id_number"]: m for m in results("2023-05-12")["members"]}
    for member in data["members"]:
        extra = {k: member.pop(k) for k in ("period_eid", "period_full")}
        assert member == plain[member["id_number"]]
        assert extra["period_full"] <= member["credited_full"]
    members = {m["id_number"]: m for m in data["members"]}
    assert members[M1]["credited_full"] == 2  # R1 (21/4) and R9 (10/5)
    may = io.StringIO()
    call_command("campaign_results", "--period", "thang-05-2023", stdout=may)
    may_members = {m["id_number"]: m for m in json.loads(may.getvalue())["members"]}
    assert (may_members[M1]["period_full"], may_members[M1]["credited_full"]) == (1, 2)  # R9 in May


def test_unknown_period_is_a_clear_error_in_vietnamese(imported):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="kỳ báo cáo"):
        call_command("campaign_results", "--period", "dot-9")
