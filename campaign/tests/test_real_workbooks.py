"""Workbooks as unit secretaries really keep them, imported with `import_xlsx` and read back
with `campaign_results`, against figures worked out by hand from rules.md and interfaces.md.

Every expected number below is a literal, counted from the rows written: the product's own
code is never used to compute what it should say. The comments beside the rows say why each
one counts or not.
"""
import datetime
import io
import json
import unicodedata

import openpyxl
import pytest
from django.core.management import call_command

from campaign.models import Case, Resident
from units.models import Member, Unit

pytestmark = pytest.mark.django_db


# --- Running the two commands as the district police do -----------------------------------


def import_file(path, *args):
    """`import_xlsx FILE`: (exit code, stdout lines, stderr lines)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_xlsx", str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue().splitlines()


def imported(path):
    code, out, err = import_file(path)
    assert code == 0, "\n".join(err)
    return out, err


def results(as_of):
    out = io.StringIO()
    call_command("campaign_results", "--as-of", as_of, stdout=out)
    data = json.loads(out.getvalue())
    assert data["as_of"] == as_of and data["campaign"] == "vneid-2023"
    return {m["id_number"]: m for m in data["members"]}, {u["code"]: u for u in data["units"]}


def member(id_number, name, unit, category, cases, eid, full, double, quota, meets, award):
    return {"id_number": id_number, "name": name, "unit": unit, "category": category,
            "cases": cases, "credited_eid": eid, "credited_full": full, "double_claims": double,
            "quota": quota, "meets_quota": meets, "individual_award": award}


def unit(code, name, members, full, average, award):
    return {"code": code, "name": name, "members": members, "credited_full": full,
            "average": average, "collective_award": award}


def warnings_of(err):
    return [line for line in err if line.startswith("Cảnh báo:")]


def new_sheet(workbook, title):
    if workbook.active is not None and workbook.active.title == "Sheet" and workbook.active.max_row == 1:
        sheet = workbook.active
        sheet.title = title
        return sheet
    return workbook.create_sheet(title)


# --- 1. A district's whole file: units, members and residents, as the secretary keeps it ---
#
# Units: Huyện Đoàn HD > Đoàn xã Mường Lạn DX-ML > Chi đoàn bản Nà Khá CD-NK; Hội LHPN huyện
# HPN > Hội Phụ nữ xã Mường Lạn PN-ML; Công an huyện CAH > Đội Cảnh sát QLHC DNV.

A, B, C, D, E, F, G = ("014090000011", "014190000012", "014085000013", "014195000014",
                       "014088000015", "014087000016", "014180000017")


def r(n):
    """Resident n's ID number."""
    return f"0142000001{n:02d}"


def district_workbook(path):
    workbook = openpyxl.Workbook()

    units = new_sheet(workbook, "Đơn vị")
    units.append(["DANH SÁCH ĐƠN VỊ THAM GIA KẾ HOẠCH PHỐI HỢP"])
    units.merge_cells("A1:E1")
    units.append([])
    units.append(["STT", "Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"])
    units.append([1, "HD", "Huyện Đoàn Sốp Cộp", "Đoàn", None])
    units.append([2, "DX-ML", "Đoàn xã Mường Lạn", "đoàn", "HD"])
    units.append([3, "CD-NK", "Chi đoàn bản Nà Khá", "Đoàn TN", "DX-ML"])
    units.append([4, "HPN", "Hội LHPN huyện Sốp Cộp", "Hội LHPN", ""])
    units.append([5, "PN-ML", "Hội Phụ nữ xã Mường Lạn", "Hội Phụ nữ", "HPN"])
    units.append([6, "CAH", "Công an huyện Sốp Cộp", "CÔNG AN", None])
    units.append([7, "DNV", "Đội Cảnh sát QLHC về TTXH", "Công an", "CAH"])
    units.append([])
    units.append([None, "Tổng cộng: 7 đơn vị"])                                      # row 12
    units.append([])
    units.append([None, "Người lập biểu", None, "Sốp Cộp, ngày 20 tháng 6 năm 2023"])  # row 14
    units.append([None, "(Ký, ghi rõ họ tên)", None, "TM. BAN THƯỜNG VỤ"])
    units.append([])
    units.append([None, "Lo Van Thanh", None, "Cầm Thị Hoa"])                          # row 17

    members = new_sheet(workbook, "thành viên")
    members.append(["DANH SÁCH CÁN BỘ, ĐOÀN VIÊN, HỘI VIÊN THAM GIA HƯỚNG DẪN"])
    members.append(["(Kèm theo Kế hoạch số 125/KH-CAH-HĐ-HPN ngày 21/4/2023)"])
    members.append([])
    members.append(["TT", "Mã đơn vị", "Họ và tên", "Số định\ndanh", "Đối\ntượng",
                    "Ngày, tháng, năm sinh", "Điện thoại", "Chức vụ"])
    members.append([1, "CD-NK", "Lò Văn Thành", int(A), "Cán bộ", "15/3/1990", "0912345678", "Bí thư"])
    members.append([2, "DX-ML", "Quàng Thị Mai", B, "Đoàn viên", datetime.date(1990, 7, 1), 912345679, None])
    members.append([3, "DX-ML", "Quàng Thị Mai", B, "Đoàn viên", datetime.date(1990, 7, 1), 912345679, None])
    members.append([])                                                                 # blank, kept
    members.append([4, "HD", "Hà Văn Cường", "014 085 000 013", "Công chức", None, "+84 977 000 111", None])
    members.append([5, "PN-ML", "Lường Thị Dung", D, "Hội viên", "1995-02-03", None, None])
    members.append([6, "DNV", "Cầm Văn Hùng", "014.088.000.015", "Công an", None, None, "Đội phó"])
    members.append([7, "CAH", "Lò Văn Phong", "014-087-000-016", "Lực lượng vũ trang", None, None, None])
    members.append([8, "HPN", "Tòng Thị Giang", G, "CÁN BỘ", None, None, "Chủ tịch"])
    members.append([9])                                                               # numbered, empty
    members.append([10])

    residents = new_sheet(workbook, "NGUOI DAN")
    residents.append(["ĐOÀN TN CÔNG AN HUYỆN", None, None, None, None, None, None, None,
                      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    residents.append([None] * 8 + ["Độc lập - Tự do - Hạnh phúc"])
    residents.append([])
    residents.append(["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN CÀI ĐẶT, KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ"])
    residents.merge_cells("A4:M4")
    residents.append(["(Số liệu tính đến ngày 20/6/2023)"])
    residents.merge_cells("A5:M5")
    # A header on two rows: groups merged across, the other columns merged down.
    residents.append(["STT", "Họ và tên", "Số định\ndanh", "Ngày sinh", "Giới tính", "Số điện thoại",
                      "Người hướng dẫn", None, "Tài khoản định danh điện tử", None, "Tài khoản DVC",
                      "Đối tượng", "Ghi chú"])                                                    # row 6
    residents.append([None] * 6 + ["Họ và tên", "Số định danh", "Mức định danh", "Ngày kích hoạt"])  # row 7
    for column in "ABCDEFKLM":
        residents.merge_cells(f"{column}6:{column}7")
    residents.merge_cells("G6:H6")
    residents.merge_cells("I6:J6")
    residents.append([f"({n})" for n in range(1, 14)])                                          # row 8
    nfd = unicodedata.normalize("NFD", "Lò Thị Mười Một")
    rows = [
        # STT, name, ID, birth, sex, phone, guide's name, guide ID, level, activated, portal, category, note
        (1, "Lò Thị Một", 14200000101, "01/01/1995", "Nữ", None, "Lò Văn Thành", int(A), 2, "21/4/2023", "x", None, None),
        (2, "Lò Văn Hai", "014 200 000 102", None, "Nam", None, "Lò Văn Thành", A, 1,
         datetime.date(2023, 4, 20), "Có", None, "Kích hoạt trước kế hoạch"),
        (3, "Lò Văn Ba", "014.200.000.103", None, None, None, "Lò Văn Thành", A, 2, 45048, None, None, None),
        (4, "Lò Thị Bốn", r(4), None, None, None, "Lò Văn Thành", A, 2, "03-05-2023", "X", None, None),
        (5, "Lò Văn Năm", "014-200-000-105", None, None, None, "Lò Văn Thành", A, "Mức 2", "2023-05-04", True, None, None),
        (6, "Lò Thị Sáu", r(6), None, None, None, "Lò Văn Thành", A, 2, "05/05/2023", "Có", None, None),
        (7, "Lò Thị Sáu", r(6), None, None, None, "Lò Văn Thành", A, 2, datetime.datetime(2023, 5, 5), "có", None, None),
        (8, "Lò Văn Bảy", r(7), None, None, None, "Lò Văn Thành", A, 2, "06/05/2023", "Có", "Đoàn viên", None),
        (9, "Hà Văn Cường", C, None, None, None, "Lò Văn Thành", A, 2, "06/05/2023", "Có", None, None),
        (10, "Lò Văn Chín", r(9), None, None, None, "Lò Văn Thành", A, 2, "21/06/2023", "Có", None, None),
        (11, "Lò Văn Mười", r(10), None, None, None, "Lò Văn Thành", A, None, None, None, None, "Chưa kích hoạt"),
        (12, nfd, r(11), "2/9/1999", "Nữ", "+84 912 345 678", "Lò Văn Thành", A, 2, "10/5/2023", 1, None, None),
        (None,) * 13,                                                                  # row 21: blank
        (13, "Quàng Văn Mười Hai", r(12), None, None, "912345670", "Quàng Thị Mai", B, 2, "06/05/2023", "Có", None, None),
        (14, "Quàng Thị Mười Ba", r(13), None, None, None, "Quàng Thị Mai", B, 2, "08/05/2023", "Có", None, None),
        (15, "Quàng Văn Mười Bốn", r(14), None, None, None, "Quàng Thị Mai", B, 1, "07/05/2023", "Không", None, None),
        (16, "Quàng Thị Mười Lăm", r(15), None, None, None, "Quàng Thị Mai", B, 2, "15/6/2023", "Có", "Người dân", None),
        (17, "Quàng Thị Mười Ba", r(13), None, None, None, "Lường Thị Dung", D, 2, "08/05/2023", "Có", None, None),
        (18, "Lường Văn Mười Sáu", r(16), None, None, None, "Lường Thị Dung", D, 2, "09/05/2023", "Có", "Công chức", None),
        (19, "Lường Thị Mười Bảy", r(17), None, None, None, "Lường Thị Dung", D, 2, "09/05/2023", "Có", None, None),
        (20, "Lò Thị Bốn", r(4), None, None, None, "Cầm Văn Hùng", E, 2, "03-05-2023", "x", None, None),
        (21, "Cầm Văn Mười Tám", r(18), None, None, None, "Cầm Văn Hùng", E, 2, "11/05/2023", "Có", None, None),
        (22, "Lò Văn Mười Chín", r(19), None, None, None, "Lò Văn Phong", F, 1, "12/05/2023", "Có", None, None),
        (23, "Lò Văn Hai Mươi", r(20), None, None, None, "Lò Văn Phong", F, 2, "20/06/2023", "Có", None, None),
        (24, "Hà Thị Hai Mốt", r(21), None, None, None, "Hà Văn Cường", C, 2, "13/05/2023", "Có", None, None),
    ]
    for row in rows:
        residents.append(list(row))
    residents.append([None, "Tổng cộng", None, None, None, None, None, None, None, None, 18])  # row 34
    residents.append([])
    residents.append([None, None, None, None, None, None, None, None, "Sốp Cộp, ngày 20 tháng 6 năm 2023"])
    residents.append([None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, "BÍ THƯ"])  # row 37
    residents.append([None, "(Ký, ghi rõ họ tên)", None, None, None, None, None, None, "(Ký tên, đóng dấu)"])
    residents.append([])
    residents.append([None, "Lò Văn Thành", None, None, None, None, None, None, "Cầm Văn Hùng"])  # row 40
    workbook.save(path)
    return path


@pytest.fixture
def district(tmp_path):
    return imported(district_workbook(tmp_path / "Danh sach huong dan T6.xlsx"))


def test_district_file_is_imported_whole_and_only_its_rows(district):
    out, err = district
    assert out[:4] == [
        "Đơn vị: 7 mới, 0 thay đổi, 0 không đổi",
        "Thành viên: 7 mới, 0 thay đổi, 0 không đổi",
        "Người dân: 21 mới, 0 thay đổi, 0 không đổi",
        "Lượt hướng dẫn (người dân và người hướng dẫn): 23 mới, 0 thay đổi, 0 không đổi",
    ]
    assert Unit.objects.count() == 7 and Member.objects.count() == 7
    assert Resident.objects.count() == 21 and Case.objects.count() == 23
    # What was left out is said, row by row.
    warnings = warnings_of(err)
    assert "Cảnh báo: Trang Đơn vị, dòng 12: Không nhập: dòng tổng cộng." in warnings
    assert "Cảnh báo: Trang Đơn vị, dòng 14: Các dòng 14–17 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập." in warnings
    assert "Cảnh báo: Trang NGUOI DAN, dòng 8: Không nhập: dòng đánh số thứ tự các cột." in warnings
    assert "Cảnh báo: Trang NGUOI DAN, dòng 34: Không nhập: dòng tổng cộng." in warnings
    assert "Cảnh báo: Trang NGUOI DAN, dòng 36: Các dòng 36–40 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập." in warnings
    assert not any("Trang thành viên" in w and "Không nhập" in w for w in warnings)  # STT only: blank


def test_district_values_are_stored_as_read(district):
    lo = Resident.objects.get(id_number=r(11))
    assert lo.full_name == "Lò Thị Mười Một" and unicodedata.is_normalized("NFC", lo.full_name)
    assert (lo.phone, lo.birth_date, lo.sex) == ("0912345678", datetime.date(1999, 9, 2), "F")
    assert Resident.objects.get(id_number=r(12)).phone == "0912345670"
    assert Resident.objects.get(id_number=r(1)).birth_date == datetime.date(1995, 1, 1)
    assert Member.objects.get(id_number=C).phone == "0977000111"
    cases = {c.resident.id_number: c for c in Case.objects.filter(member__id_number=A).select_related("resident")}
    assert {k: (c.eid_level, c.activated_on, c.portal_used) for k, c in cases.items()} == {
        r(1): (2, datetime.date(2023, 4, 21), True),
        r(2): (1, datetime.date(2023, 4, 20), True),
        r(3): (2, datetime.date(2023, 5, 2), False),
        r(4): (2, datetime.date(2023, 5, 3), True),
        r(5): (2, datetime.date(2023, 5, 4), True),
        r(6): (2, datetime.date(2023, 5, 5), True),
        r(7): (2, datetime.date(2023, 5, 6), True),
        C: (2, datetime.date(2023, 5, 6), True),
        r(9): (2, datetime.date(2023, 6, 21), True),
        r(10): (None, None, False),
        r(11): (2, datetime.date(2023, 5, 10), True),
    }
    assert dict(Unit.objects.values_list("code", "parent__code")) == {
        "HD": None, "DX-ML": "HD", "CD-NK": "DX-ML", "HPN": None, "PN-ML": "HPN", "CAH": None, "DNV": "CAH"}
    assert dict(Unit.objects.values_list("code", "kind")) == {
        "HD": "youth_union", "DX-ML": "youth_union", "CD-NK": "youth_union", "HPN": "womens_union",
        "PN-ML": "womens_union", "CAH": "police", "DNV": "police"}


def test_district_members_on_the_day_of_the_phase_2_report(district):
    members, _units = results("2023-06-20")
    assert members == {
        # Lò Văn Thành lists 11 residents: 1 (21/4, the first day) full; 2 (20/4) before the
        # start; 3 e-ID without the portal; 4 also listed by Cầm Văn Hùng (police): double
        # claim, nobody; 5 and 6 (twice, identical: one case) full; 7 declared Đoàn viên;
        # Hà Văn Cường is on the roster; 9 activated 21/6, after the day; 10 not activated;
        # 11 full.
        A: member(A, "Lò Văn Thành", "CD-NK", "cadre", 11, 5, 4, 1, 20, False, False),
        # 12 full; 13 also listed by Lường Thị Dung (women's union): double; 14 e-ID only;
        # 15 full (15/6).
        B: member(B, "Quàng Thị Mai", "DX-ML", "member", 4, 3, 2, 1, 10, False, False),
        C: member(C, "Hà Văn Cường", "HD", "civil_servant", 1, 1, 1, 0, 20, False, False),
        # 13 double; 16 declared Công chức; 17 full.
        D: member(D, "Lường Thị Dung", "PN-ML", "member", 3, 1, 1, 1, 10, False, False),
        # 4 double; 18 full.
        E: member(E, "Cầm Văn Hùng", "DNV", "armed_forces", 2, 1, 1, 1, 20, False, False),
        # 19 level 1 counts; 20 activated on the day itself.
        F: member(F, "Lò Văn Phong", "CAH", "armed_forces", 2, 2, 2, 0, 20, False, False),
        G: member(G, "Tòng Thị Giang", "HPN", "cadre", 0, 0, 0, 0, 20, False, False),
    }


def test_district_units_roll_up_their_sub_units(district):
    _members, units = results("2023-06-20")
    assert units == {
        "HD": unit("HD", "Huyện Đoàn Sốp Cộp", 3, 7, 2.33, False),        # 7 / 3
        "DX-ML": unit("DX-ML", "Đoàn xã Mường Lạn", 2, 6, 3.0, False),
        "CD-NK": unit("CD-NK", "Chi đoàn bản Nà Khá", 1, 4, 4.0, False),
        "HPN": unit("HPN", "Hội LHPN huyện Sốp Cộp", 2, 1, 0.5, False),
        "PN-ML": unit("PN-ML", "Hội Phụ nữ xã Mường Lạn", 1, 1, 1.0, False),
        "CAH": unit("CAH", "Công an huyện Sốp Cộp", 2, 3, 1.5, False),
        "DNV": unit("DNV", "Đội Cảnh sát QLHC về TTXH", 1, 1, 1.0, False),
    }


def test_district_figures_follow_the_as_of_day(district):
    members, units = results("2023-06-21")  # resident 9 (21/6) now counts for Lò Văn Thành
    assert (members[A]["credited_eid"], members[A]["credited_full"], members[A]["cases"]) == (6, 5, 11)
    assert (units["CD-NK"]["credited_full"], units["HD"]["credited_full"], units["HD"]["average"]) == (5, 8, 2.67)
    members, units = results("2023-05-05")
    # By 5/5: Lò Văn Thành's 1 (21/4), 3 (2/5, e-ID only), 5 (4/5), 6 (5/5); nobody else's yet.
    assert [(m["credited_eid"], m["credited_full"], m["cases"], m["double_claims"])
            for m in (members[A], members[B], members[D], members[E], members[F], members[C])] == [
        (4, 3, 11, 1), (0, 0, 4, 1), (0, 0, 3, 1), (0, 0, 2, 1), (0, 0, 2, 0), (0, 0, 1, 0)]
    assert {code: (u["members"], u["credited_full"], u["average"]) for code, u in units.items()} == {
        "HD": (3, 3, 1.0), "DX-ML": (2, 3, 1.5), "CD-NK": (1, 3, 3.0), "HPN": (2, 0, 0),
        "PN-ML": (1, 0, 0), "CAH": (2, 0, 0), "DNV": (1, 0, 0)}
    members, _units = results("2023-04-20")  # before the campaign: nothing is credited
    assert all(m["credited_eid"] == 0 for m in members.values())


def test_district_file_imported_again_changes_nothing(district, tmp_path):
    before = results("2023-06-20")
    code, out, _err = import_file(district_workbook(tmp_path / "lan-2.xlsx"))
    assert code == 0
    assert out[:4] == [
        "Đơn vị: 0 mới, 0 thay đổi, 7 không đổi",
        "Thành viên: 0 mới, 0 thay đổi, 7 không đổi",
        "Người dân: 0 mới, 0 thay đổi, 21 không đổi",
        "Lượt hướng dẫn (người dân và người hướng dẫn): 0 mới, 0 thay đổi, 23 không đổi",
    ]
    assert results("2023-06-20") == before
