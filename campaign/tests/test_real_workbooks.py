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
from campaign.tests.import_helpers import build_ods
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
    return {
        "id_number": id_number,
        "name": name,
        "unit": unit,
        "category": category,
        "cases": cases,
        "credited_eid": eid,
        "credited_full": full,
        "double_claims": double,
        "quota": quota,
        "meets_quota": meets,
        "individual_award": award,
    }


def unit(code, name, members, full, average, award):
    return {
        "code": code,
        "name": name,
        "members": members,
        "credited_full": full,
        "average": average,
        "collective_award": award,
    }


def warnings_of(err):
    return [line for line in err if line.startswith("Cảnh báo:")]


def new_sheet(workbook, title):
    if (
        workbook.active is not None
        and workbook.active.title == "Sheet"
        and workbook.active.max_row == 1
    ):
        sheet = workbook.active
        sheet.title = title
        return sheet
    return workbook.create_sheet(title)


# --- 1. A district's whole file: units, members and residents, as the secretary keeps it ---
#
# Units: Huyện Đoàn HD > Đoàn xã Mường Lạn DX-ML > Chi đoàn bản Nà Khá CD-NK; Hội LHPN huyện
# HPN > Hội Phụ nữ xã Mường Lạn PN-ML; Công an huyện CAH > Đội Cảnh sát QLHC DNV.

A, B, C, D, E, F, G = (
    "014090000011",
    "014190000012",
    "014085000013",
    "014195000014",
    "014088000015",
    "014087000016",
    "014180000017",
)


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
    units.append([None, "Tổng cộng: 7 đơn vị"])  # row 12
    units.append([])
    units.append([None, "Người lập biểu", None, "Sốp Cộp, ngày 20 tháng 6 năm 2023"])  # row 14
    units.append([None, "(Ký, ghi rõ họ tên)", None, "TM. BAN THƯỜNG VỤ"])
    units.append([])
    units.append([None, "Lo Van Thanh", None, "Cầm Thị Hoa"])  # row 17

    members = new_sheet(workbook, "thành viên")
    members.append(["DANH SÁCH CÁN BỘ, ĐOÀN VIÊN, HỘI VIÊN THAM GIA HƯỚNG DẪN"])
    members.append(["(Kèm theo Kế hoạch số 125/KH-CAH-HĐ-HPN ngày 21/4/2023)"])
    members.append([])
    members.append(
        [
            "TT",
            "Mã đơn vị",
            "Họ và tên",
            "Số định\ndanh",
            "Đối\ntượng",
            "Ngày, tháng, năm sinh",
            "Điện thoại",
            "Chức vụ",
        ]
    )
    members.append(
        [1, "CD-NK", "Lò Văn Thành", int(A), "Cán bộ", "15/3/1990", "0912345678", "Bí thư"]
    )
    members.append(
        [2, "DX-ML", "Quàng Thị Mai", B, "Đoàn viên", datetime.date(1990, 7, 1), 912345679, None]
    )
    members.append(
        [3, "DX-ML", "Quàng Thị Mai", B, "Đoàn viên", datetime.date(1990, 7, 1), 912345679, None]
    )
    members.append([])  # blank, kept
    members.append(
        [4, "HD", "Hà Văn Cường", "014 085 000 013", "Công chức", None, "+84 977 000 111", None]
    )
    members.append([5, "PN-ML", "Lường Thị Dung", D, "Hội viên", "1995-02-03", None, None])
    members.append([6, "DNV", "Cầm Văn Hùng", "014.088.000.015", "Công an", None, None, "Đội phó"])
    members.append(
        [7, "CAH", "Lò Văn Phong", "014-087-000-016", "Lực lượng vũ trang", None, None, None]
    )
    members.append([8, "HPN", "Tòng Thị Giang", G, "CÁN BỘ", None, None, "Chủ tịch"])
    members.append([9])  # numbered, empty
    members.append([10])

    residents = new_sheet(workbook, "NGUOI DAN")
    residents.append(
        [
            "ĐOÀN TN CÔNG AN HUYỆN",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        ]
    )
    residents.append([None] * 8 + ["Độc lập - Tự do - Hạnh phúc"])
    residents.append([])
    residents.append(
        ["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN CÀI ĐẶT, KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ"]
    )
    residents.merge_cells("A4:M4")
    residents.append(["(Số liệu tính đến ngày 20/6/2023)"])
    residents.merge_cells("A5:M5")
    # A header on two rows: groups merged across, the other columns merged down.
    residents.append(
        [
            "STT",
            "Họ và tên",
            "Số định\ndanh",
            "Ngày sinh",
            "Giới tính",
            "Số điện thoại",
            "Người hướng dẫn",
            None,
            "Tài khoản định danh điện tử",
            None,
            "Tài khoản DVC",
            "Đối tượng",
            "Ghi chú",
        ]
    )  # row 6
    residents.append(
        [None] * 6 + ["Họ và tên", "Số định danh", "Mức định danh", "Ngày kích hoạt"]
    )  # row 7
    for column in "ABCDEFKLM":
        residents.merge_cells(f"{column}6:{column}7")
    residents.merge_cells("G6:H6")
    residents.merge_cells("I6:J6")
    residents.append([f"({n})" for n in range(1, 14)])  # row 8
    nfd = unicodedata.normalize("NFD", "Lò Thị Mười Một")
    rows = [
        # STT, name, ID, birth, sex, phone, guide's name, guide ID, level, activated, portal, category, note
        (
            1,
            "Lò Thị Một",
            14200000101,
            "01/01/1995",
            "Nữ",
            None,
            "Lò Văn Thành",
            int(A),
            2,
            "21/4/2023",
            "x",
            None,
            None,
        ),
        (
            2,
            "Lò Văn Hai",
            "014 200 000 102",
            None,
            "Nam",
            None,
            "Lò Văn Thành",
            A,
            1,
            datetime.date(2023, 4, 20),
            "Có",
            None,
            "Kích hoạt trước kế hoạch",
        ),
        (
            3,
            "Lò Văn Ba",
            "014.200.000.103",
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            45048,
            None,
            None,
            None,
        ),
        (
            4,
            "Lò Thị Bốn",
            r(4),
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            "03-05-2023",
            "X",
            None,
            None,
        ),
        (
            5,
            "Lò Văn Năm",
            "014-200-000-105",
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            "Mức 2",
            "2023-05-04",
            True,
            None,
            None,
        ),
        (
            6,
            "Lò Thị Sáu",
            r(6),
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            "05/05/2023",
            "Có",
            None,
            None,
        ),
        (
            7,
            "Lò Thị Sáu",
            r(6),
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            datetime.datetime(2023, 5, 5),
            "có",
            None,
            None,
        ),
        (
            8,
            "Lò Văn Bảy",
            r(7),
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            "06/05/2023",
            "Có",
            "Đoàn viên",
            None,
        ),
        (
            9,
            "Hà Văn Cường",
            C,
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            "06/05/2023",
            "Có",
            None,
            None,
        ),
        (
            10,
            "Lò Văn Chín",
            r(9),
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            2,
            "21/06/2023",
            "Có",
            None,
            None,
        ),
        (
            11,
            "Lò Văn Mười",
            r(10),
            None,
            None,
            None,
            "Lò Văn Thành",
            A,
            None,
            None,
            None,
            None,
            "Chưa kích hoạt",
        ),
        (
            12,
            nfd,
            r(11),
            "2/9/1999",
            "Nữ",
            "+84 912 345 678",
            "Lò Văn Thành",
            A,
            2,
            "10/5/2023",
            1,
            None,
            None,
        ),
        (None,) * 13,  # row 21: blank
        (
            13,
            "Quàng Văn Mười Hai",
            r(12),
            None,
            None,
            "912345670",
            "Quàng Thị Mai",
            B,
            2,
            "06/05/2023",
            "Có",
            None,
            None,
        ),
        (
            14,
            "Quàng Thị Mười Ba",
            r(13),
            None,
            None,
            None,
            "Quàng Thị Mai",
            B,
            2,
            "08/05/2023",
            "Có",
            None,
            None,
        ),
        (
            15,
            "Quàng Văn Mười Bốn",
            r(14),
            None,
            None,
            None,
            "Quàng Thị Mai",
            B,
            1,
            "07/05/2023",
            "Không",
            None,
            None,
        ),
        (
            16,
            "Quàng Thị Mười Lăm",
            r(15),
            None,
            None,
            None,
            "Quàng Thị Mai",
            B,
            2,
            "15/6/2023",
            "Có",
            "Người dân",
            None,
        ),
        (
            17,
            "Quàng Thị Mười Ba",
            r(13),
            None,
            None,
            None,
            "Lường Thị Dung",
            D,
            2,
            "08/05/2023",
            "Có",
            None,
            None,
        ),
        (
            18,
            "Lường Văn Mười Sáu",
            r(16),
            None,
            None,
            None,
            "Lường Thị Dung",
            D,
            2,
            "09/05/2023",
            "Có",
            "Công chức",
            None,
        ),
        (
            19,
            "Lường Thị Mười Bảy",
            r(17),
            None,
            None,
            None,
            "Lường Thị Dung",
            D,
            2,
            "09/05/2023",
            "Có",
            None,
            None,
        ),
        (
            20,
            "Lò Thị Bốn",
            r(4),
            None,
            None,
            None,
            "Cầm Văn Hùng",
            E,
            2,
            "03-05-2023",
            "x",
            None,
            None,
        ),
        (
            21,
            "Cầm Văn Mười Tám",
            r(18),
            None,
            None,
            None,
            "Cầm Văn Hùng",
            E,
            2,
            "11/05/2023",
            "Có",
            None,
            None,
        ),
        (
            22,
            "Lò Văn Mười Chín",
            r(19),
            None,
            None,
            None,
            "Lò Văn Phong",
            F,
            1,
            "12/05/2023",
            "Có",
            None,
            None,
        ),
        (
            23,
            "Lò Văn Hai Mươi",
            r(20),
            None,
            None,
            None,
            "Lò Văn Phong",
            F,
            2,
            "20/06/2023",
            "Có",
            None,
            None,
        ),
        (
            24,
            "Hà Thị Hai Mốt",
            r(21),
            None,
            None,
            None,
            "Hà Văn Cường",
            C,
            2,
            "13/05/2023",
            "Có",
            None,
            None,
        ),
    ]
    for row in rows:
        residents.append(list(row))
    residents.append(
        [None, "Tổng cộng", None, None, None, None, None, None, None, None, 18]
    )  # row 34
    residents.append([])
    residents.append(
        [None, None, None, None, None, None, None, None, "Sốp Cộp, ngày 20 tháng 6 năm 2023"]
    )
    residents.append(
        [None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, "BÍ THƯ"]
    )  # row 37
    residents.append(
        [None, "(Ký, ghi rõ họ tên)", None, None, None, None, None, None, "(Ký tên, đóng dấu)"]
    )
    residents.append([])
    residents.append(
        [None, "Lò Văn Thành", None, None, None, None, None, None, "Cầm Văn Hùng"]
    )  # row 40
    workbook.save(path)
    return path


@pytest.fixture
def district_file(tmp_path):
    return imported(district_workbook(tmp_path / "Danh sach huong dan T6.xlsx"))


def test_district_file_is_imported_whole_and_only_its_rows(district_file):
    out, err = district_file
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
    assert (
        "Cảnh báo: Trang Đơn vị, dòng 14: Các dòng 14–17 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập."
        in warnings
    )
    assert "Cảnh báo: Trang NGUOI DAN, dòng 8: Không nhập: dòng đánh số thứ tự các cột." in warnings
    assert "Cảnh báo: Trang NGUOI DAN, dòng 34: Không nhập: dòng tổng cộng." in warnings
    assert (
        "Cảnh báo: Trang NGUOI DAN, dòng 36: Các dòng 36–40 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập."
        in warnings
    )
    assert not any(
        "Trang thành viên" in w and "Không nhập" in w for w in warnings
    )  # STT only: blank


def test_district_values_are_stored_as_read(district_file):
    lo = Resident.objects.get(id_number=r(11))
    assert lo.full_name == "Lò Thị Mười Một" and unicodedata.is_normalized("NFC", lo.full_name)
    assert (lo.phone, lo.birth_date, lo.sex) == ("0912345678", datetime.date(1999, 9, 2), "F")
    assert Resident.objects.get(id_number=r(12)).phone == "0912345670"
    assert Resident.objects.get(id_number=r(1)).birth_date == datetime.date(1995, 1, 1)
    assert Member.objects.get(id_number=C).phone == "0977000111"
    cases = {
        c.resident.id_number: c
        for c in Case.objects.filter(member__id_number=A).select_related("resident")
    }
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
        "HD": None,
        "DX-ML": "HD",
        "CD-NK": "DX-ML",
        "HPN": None,
        "PN-ML": "HPN",
        "CAH": None,
        "DNV": "CAH",
    }
    assert dict(Unit.objects.values_list("code", "kind")) == {
        "HD": "youth_union",
        "DX-ML": "youth_union",
        "CD-NK": "youth_union",
        "HPN": "womens_union",
        "PN-ML": "womens_union",
        "CAH": "police",
        "DNV": "police",
    }


def test_district_members_on_the_day_of_the_phase_2_report(district_file):
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


def test_district_units_roll_up_their_sub_units(district_file):
    _members, units = results("2023-06-20")
    assert units == {
        "HD": unit("HD", "Huyện Đoàn Sốp Cộp", 3, 7, 2.33, False),  # 7 / 3
        "DX-ML": unit("DX-ML", "Đoàn xã Mường Lạn", 2, 6, 3.0, False),
        "CD-NK": unit("CD-NK", "Chi đoàn bản Nà Khá", 1, 4, 4.0, False),
        "HPN": unit("HPN", "Hội LHPN huyện Sốp Cộp", 2, 1, 0.5, False),
        "PN-ML": unit("PN-ML", "Hội Phụ nữ xã Mường Lạn", 1, 1, 1.0, False),
        "CAH": unit("CAH", "Công an huyện Sốp Cộp", 2, 3, 1.5, False),
        "DNV": unit("DNV", "Đội Cảnh sát QLHC về TTXH", 1, 1, 1.0, False),
    }


def test_district_figures_follow_the_as_of_day(district_file):
    members, units = results("2023-06-21")  # resident 9 (21/6) now counts for Lò Văn Thành
    assert (members[A]["credited_eid"], members[A]["credited_full"], members[A]["cases"]) == (
        6,
        5,
        11,
    )
    assert (
        units["CD-NK"]["credited_full"],
        units["HD"]["credited_full"],
        units["HD"]["average"],
    ) == (5, 8, 2.67)
    members, units = results("2023-05-05")
    # By 5/5: Lò Văn Thành's 1 (21/4), 3 (2/5, e-ID only), 5 (4/5), 6 (5/5); nobody else's yet.
    assert [
        (m["credited_eid"], m["credited_full"], m["cases"], m["double_claims"])
        for m in (members[A], members[B], members[D], members[E], members[F], members[C])
    ] == [(4, 3, 11, 1), (0, 0, 4, 1), (0, 0, 3, 1), (0, 0, 2, 1), (0, 0, 2, 0), (0, 0, 1, 0)]
    assert {
        code: (u["members"], u["credited_full"], u["average"]) for code, u in units.items()
    } == {
        "HD": (3, 3, 1.0),
        "DX-ML": (2, 3, 1.5),
        "CD-NK": (1, 3, 3.0),
        "HPN": (2, 0, 0),
        "PN-ML": (1, 0, 0),
        "CAH": (2, 0, 0),
        "DNV": (1, 0, 0),
    }
    members, _units = results("2023-04-20")  # before the campaign: nothing is credited
    assert all(m["credited_eid"] == 0 for m in members.values())


def test_district_file_imported_again_changes_nothing(district_file, tmp_path):
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


# --- 2. Quotas and awards at their thresholds; a member who left ---------------------------
#
# Headers in capitals without diacritics, sheets named without them. Units: Đoàn xã Nậm Lạnh
# X1 > chi đoàn X1-A, X1-B, X1-C; Hội Phụ nữ xã P1.

K1, K2, K4, K5, K6, K7, K8, K9 = (f"01409000010{n}" for n in (1, 2, 4, 5, 6, 7, 8, 9))


def awards_workbook(path):
    workbook = openpyxl.Workbook()
    units = new_sheet(workbook, "DON VI")
    units.append(["MA DON VI", "TEN DON VI", "LOAI", "MA DON VI CAP TREN"])
    units.append(["X1", "Đoàn xã Nậm Lạnh", "Đoàn", None])
    for code in ("X1-A", "X1-B", "X1-C"):
        units.append([code, f"Chi đoàn {code}", "Đoàn", "X1"])
    units.append(["P1", "Hội Phụ nữ xã Nậm Lạnh", "Hội Phụ nữ", None])
    members = new_sheet(workbook, "THANH VIEN")
    members.append(["MA DON VI", "HO VA TEN", "SO DINH DANH", "DOI TUONG"])
    for unit_code, name, id_number, category in (
        ("X1-A", "Một", K1, "Cán bộ"),
        ("X1-A", "Hai", K2, "Cán bộ"),
        ("X1-B", "Bốn", K4, "Cán bộ"),
        ("X1-B", "Năm", K5, "Công chức/Viên chức"),
        ("P1", "Sáu", K6, "Cán bộ"),
        ("X1-C", "Bảy", K7, "Đoàn viên/Hội viên"),
        ("X1-C", "Tám", K8, "Lực lượng vũ trang"),
        ("X1-C", "Chín", K9, "Đoàn viên / Hội viên"),
    ):
        members.append([unit_code, f"Thành viên {name}", id_number, category])
    residents = new_sheet(workbook, "Người dân")
    residents.append(
        [
            "HO VA TEN",
            "SO DINH DANH",
            "SO DINH DANH NGUOI HUONG DAN",
            "MUC DINH DANH",
            "NGAY KICH HOAT",
            "TAI KHOAN DVC",
        ]
    )
    serial = iter(range(1, 1000))

    def guided(guide, count, day, portal="Có"):
        for _ in range(count):
            n = next(serial)
            residents.append([f"Người dân {n}", f"0143{n:08d}", guide, 2, day, portal])

    guided(K1, 25, "2/5/2023")
    guided(K1, 25, "1/6/2023")
    guided(K2, 49, "3/5/2023")
    guided(K2, 1, "3/5/2023", portal="Không")  # e-ID only
    guided(K4, 19, "5/5/2023")
    guided(K5, 20, "5/5/2023")
    guided(K5, 1, "13/5/2023")
    guided(K7, 10, "5/5/2023")
    guided(K8, 20, "5/5/2023")
    guided(K9, 10, "5/5/2023")
    workbook.save(path)
    return path


@pytest.fixture
def awards(tmp_path):
    return imported(awards_workbook(tmp_path / "khen-thuong.xlsx"))


def test_quotas_and_individual_award_at_their_thresholds(awards):
    members, _units = results("2023-06-20")
    assert members == {
        K1: member(K1, "Thành viên Một", "X1-A", "cadre", 50, 50, 50, 0, 20, True, True),
        K2: member(K2, "Thành viên Hai", "X1-A", "cadre", 50, 50, 49, 0, 20, True, False),
        K4: member(K4, "Thành viên Bốn", "X1-B", "cadre", 19, 19, 19, 0, 20, False, False),
        K5: member(K5, "Thành viên Năm", "X1-B", "civil_servant", 21, 21, 21, 0, 20, True, False),
        K6: member(K6, "Thành viên Sáu", "P1", "cadre", 0, 0, 0, 0, 20, False, False),
        K7: member(K7, "Thành viên Bảy", "X1-C", "member", 10, 10, 10, 0, 10, True, False),
        K8: member(K8, "Thành viên Tám", "X1-C", "armed_forces", 20, 20, 20, 0, 20, True, False),
        K9: member(K9, "Thành viên Chín", "X1-C", "member", 10, 10, 10, 0, 10, True, False),
    }


def test_collective_award_is_compared_exactly_and_a_member_who_left_is_not_counted(awards):
    _members, units = results("2023-06-20")
    assert units == {
        "X1": unit("X1", "Đoàn xã Nậm Lạnh", 7, 179, 25.57, True),  # 179 / 7 = 25.571...
        "X1-A": unit("X1-A", "Chi đoàn X1-A", 2, 99, 49.5, True),
        "X1-B": unit("X1-B", "Chi đoàn X1-B", 2, 40, 20.0, True),  # exactly 20 x 2
        "X1-C": unit("X1-C", "Chi đoàn X1-C", 3, 40, 13.33, False),  # 40 < 20 x 3
        "P1": unit("P1", "Hội Phụ nữ xã Nậm Lạnh", 1, 0, 0.0, False),
    }
    Member.objects.filter(id_number=K9).update(active=False)
    members, units = results("2023-06-20")
    # Thành viên Chín left: still listed with his 10, which still count for X1-C, but he is
    # no longer one of its members: 40 >= 20 x 2.
    assert members[K9]["credited_full"] == 10
    assert units["X1-C"] == unit("X1-C", "Chi đoàn X1-C", 2, 40, 20.0, True)
    assert units["X1"] == unit("X1", "Đoàn xã Nậm Lạnh", 6, 179, 29.83, True)  # 29.833...


def test_awards_on_the_day_of_the_phase_1_report(awards):
    members, units = results("2023-05-12")
    assert [
        (members[k]["credited_full"], members[k]["meets_quota"], members[k]["individual_award"])
        for k in (K1, K2, K5)
    ] == [(25, True, False), (49, True, False), (20, True, False)]
    assert {
        code: (u["members"], u["credited_full"], u["average"], u["collective_award"])
        for code, u in units.items()
    } == {
        "X1": (7, 153, 21.86, True),
        "X1-A": (2, 74, 37.0, True),
        "X1-B": (2, 39, 19.5, False),
        "X1-C": (3, 40, 13.33, False),
        "P1": (1, 0, 0.0, False),
    }


# --- 3. A list on "Sheet1", two communes' lists pasted one under the other ------------------
#
# The roster is imported first, from its own file; the residents come later on their own.

P1, P2, P3 = "014088000201", "014092000202", "014093000203"


def roster_workbook(path, extra_members=()):
    workbook = openpyxl.Workbook()
    units = new_sheet(workbook, "Đơn vị")
    units.append(["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"])
    units.append(["CAX", "Công an xã Mường Lạn", "Công an", None])
    units.append(["DX", "Đoàn xã Mường Lạn", "Đoàn", None])
    members = new_sheet(workbook, "Thành viên")
    members.append(["Mã đơn vị", "Họ và tên", "Số định danh", "Đối tượng"])
    members.append(["CAX", "Lò Văn Công", P1, "Công an"])
    members.append(["DX", "Quàng Thị Đoàn", P2, "Đoàn viên"])
    members.append(["DX", "Cà Văn Bí", P3, "Cán bộ"])
    for row in extra_members:
        members.append(list(row))
    workbook.save(path)
    return path


def pasted_lists_workbook(path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active  # "Sheet"
    sheet.title = "Sheet1"
    headers = [
        "TT",
        "Họ tên",
        "Số CCCD",
        "Số CCCD người hướng dẫn",
        "Mức độ định danh",
        "Ngày kích hoạt",
        "Tài khoản Cổng DVC",
        "Ghi chú",
    ]
    numbers = [f"({n})" for n in range(1, 9)]
    sheet.append(["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN - CÔNG AN XÃ MƯỜNG LẠN"])
    sheet.merge_cells("A1:H1")
    sheet.append([])
    sheet.append(headers)  # row 3
    sheet.append(numbers)  # row 4
    sheet.append(["I", "Bản Nà Khá"])  # row 5
    sheet.merge_cells("B5:H5")
    sheet.append([1, "Lò Thị An", "'014300000301", P1, 2, "21/04/2023", "Có"])
    sheet.append([2, "Lò Văn Bình", "014 300 000 302", None, 1, "22-04-2023", "x"])
    sheet.append(
        [3, "Lò Thị Chi", 14300000303, None, 2, datetime.date(2023, 4, 19), "Có", "kích hoạt trước"]
    )
    sheet.merge_cells("D6:D8")  # one guide
    sheet.append(["II", "Bản Co Muông"])  # row 9
    sheet.merge_cells("B9:H9")
    sheet.append([4, "Quàng Văn Dũng", "014300000304", P2, 2, "2023-05-15", "TRUE"])
    sheet.append([5, "Quàng Thị Én", "014300000305", None, 2, "15/05/2023", "FALSE"])
    sheet.merge_cells("D10:D11")
    sheet.append([None, "Cộng: 5 người"])  # row 12
    sheet.append([])
    sheet.append(["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN - ĐOÀN XÃ MƯỜNG LẠN"])  # row 14
    sheet.merge_cells("A14:H14")
    sheet.append(headers)  # row 15
    sheet.append(numbers)  # row 16
    sheet.append([1, "Lò Thị An", "014300000301", P3, 2, "21/04/2023", "Có"])  # row 17
    sheet.append([2, "Quàng Văn Dũng", "014300000304", P2, 2, "15/5/2023", "Có"])  # row 18
    sheet.append([3, "Cà Văn Giang", "014300000307", P3, 1, 45060, "Có"])  # row 19
    sheet.append([None, "Tổng cộng", None, None, None, None, 5])  # row 20
    sheet.append([])
    sheet.append([None, None, None, None, "Mường Lạn, ngày 25 tháng 5 năm 2023"])  # row 22
    sheet.append([None, "Người lập biểu", None, None, "TM. BCH ĐOÀN XÃ"])
    sheet.append([None, "Lò Văn Lập", None, None, "Cà Văn Bí"])  # row 24
    workbook.save(path)
    return path


def test_pasted_lists_on_sheet1_are_read_as_the_residents_sheet(tmp_path):
    imported(roster_workbook(tmp_path / "danh-sach-thanh-vien.xlsx"))
    out, err = imported(pasted_lists_workbook(tmp_path / "Book1.xlsx"))
    assert out[:2] == [
        "Người dân: 6 mới, 0 thay đổi, 0 không đổi",
        "Lượt hướng dẫn (người dân và người hướng dẫn): 7 mới, 0 thay đổi, 0 không đổi",
    ]
    assert [line for line in warnings_of(err) if "Số định danh" not in line] == [
        "Cảnh báo: Trang Sheet1: Đã đọc như trang “Người dân”, nhận ra theo tiêu đề các cột.",
        "Cảnh báo: Trang Sheet1, dòng 4: Không nhập: dòng đánh số thứ tự các cột.",
        "Cảnh báo: Trang Sheet1, dòng 5: Không nhập: dòng tiêu đề nhóm (ô gộp ngang qua các cột), không phải một dòng của danh sách.",
        "Cảnh báo: Trang Sheet1, dòng 9: Không nhập: dòng tiêu đề nhóm (ô gộp ngang qua các cột), không phải một dòng của danh sách.",
        "Cảnh báo: Trang Sheet1, dòng 12: Không nhập: dòng tổng cộng.",
        "Cảnh báo: Trang Sheet1, dòng 15: Không nhập: dòng này lặp lại tiêu đề cột.",
        "Cảnh báo: Trang Sheet1, dòng 16: Không nhập: dòng đánh số thứ tự các cột.",
        "Cảnh báo: Trang Sheet1, dòng 20: Không nhập: dòng tổng cộng.",
        "Cảnh báo: Trang Sheet1, dòng 22: Các dòng 22–24 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập.",
    ]
    members, units = results("2023-06-20")
    # Lò Văn Công (police): An is also listed by Cà Văn Bí (Youth Union): double claim across
    # unit kinds; Bình full (x); Chi activated 19/4, before the start.
    assert members[P1] == member(
        P1, "Lò Văn Công", "CAX", "armed_forces", 3, 1, 1, 1, 20, False, False
    )
    # Quàng Thị Đoàn: Dũng on both lists, identical (TRUE and Có): one case, full; Én e-ID only.
    assert members[P2] == member(P2, "Quàng Thị Đoàn", "DX", "member", 2, 2, 1, 0, 10, False, False)
    # Cà Văn Bí: An double; Giang level 1 on 14/5 (serial 45060), full.
    assert members[P3] == member(P3, "Cà Văn Bí", "DX", "cadre", 2, 1, 1, 1, 20, False, False)
    assert units == {
        "CAX": unit("CAX", "Công an xã Mường Lạn", 1, 1, 1.0, False),
        "DX": unit("DX", "Đoàn xã Mường Lạn", 2, 2, 1.0, False),
    }


# --- 4. Wrong rows: every one listed, as Excel numbers them, and nothing written ------------


def wrong_rows_workbook(path):
    workbook = openpyxl.Workbook()
    units = new_sheet(workbook, "Đơn vị")
    units.append(["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"])
    units.append(["CD-1", "Chi đoàn 1", "Đoàn", "DX"])
    units.append(["CD-2", "Chi đoàn 2", "Đoàn", "HUYEN-DOAN"])  # unknown parent
    units.append(["CD-3", "Chi đoàn 3", "Đoàn Thanh niên Cộng sản", "DX"])  # unknown kind
    members = new_sheet(workbook, "Thành viên")
    members.append(["Mã đơn vị", "Họ và tên", "Số định danh", "Đối tượng"])
    members.append(["CD-1", "Lò Văn Mới", "014095000701", "Đoàn viên"])
    members.append(["CD-9", "Lò Văn Lạc", "014095000702", "Đoàn viên"])  # unknown unit
    members.append(["CD-1", "Lò Văn Sai", "0140950007O3", "Cán bộ"])  # letter O
    members.append(["CD-1", "Lò Văn Thiếu", "014095000704", None])  # no category
    residents = new_sheet(workbook, "Người dân")
    residents.append(["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN"])
    residents.append(
        [
            "Họ và tên",
            "Số định danh",
            "Số định danh người hướng dẫn",
            "Tài khoản định danh điện tử",
            None,
            "Tài khoản DVC",
            "Đối tượng",
        ]
    )
    residents.append([None, None, None, "Mức định danh", "Ngày kích hoạt"])
    residents.merge_cells("D2:E2")
    rows = [
        ("Lò Văn Đúng", "014300000401", P2, 2, "02/05/2023", "Có", None),  # row 4: right
        ("Lò Văn Năm", "14300000402", P2, 2, "02/05/2023", "Có", None),  # 11 digits, text
        ("Lò Văn Sáu", 1430000040, P2, 2, "02/05/2023", "Có", None),  # 10 digits
        ("Lò Văn Bảy", "014300000407", P2, 2, "31/02/2023", "Có", None),
        ("Lò Văn Tám", "014300000408", P2, 2, "21/4/23", "Có", None),
        ("Lò Văn Chín", "014300000409", P2, 3, "02/05/2023", "Có", None),
        ("Lò Văn Mười", "014300000410", P2, 2, None, "Có", None),
        ("Lò Văn Mười Một", "014300000411", P2, None, "02/05/2023", "Có", None),
        ("Lò Văn Mười Hai", "014300000412", "014099999999", 2, "02/05/2023", "Có", None),
        (None, "014300000413", P2, 2, "02/05/2023", "Có", None),
        ("Lò Văn Mười Bốn", "014300000414", P2, 2, "02/05/2023", "Có", "Trưởng bản"),
        ("Lò Văn Mười Lăm", "014300000415", P2, 2, "02/05/2023", "Có", None),  # row 15
        ("Lò Văn Mười Lăm", "014300000415", P2, 1, "02/05/2023", "Có", None),  # row 16
        ("Lò Văn Mười Bảy", "014300000417", P2, 2, "02/05/2023", "Chưa rõ", None),
    ]
    for row in rows:
        residents.append(list(row))
    residents.append([None, "Người lập biểu"])
    workbook.save(path)
    return path


def test_every_wrong_row_is_one_line_in_vietnamese_and_nothing_is_written(tmp_path):
    imported(roster_workbook(tmp_path / "thanh-vien.xlsx"))
    before = (
        Unit.objects.count(),
        Member.objects.count(),
        Resident.objects.count(),
        Case.objects.count(),
    )
    code, out, err = import_file(wrong_rows_workbook(tmp_path / "sai.xlsx"))
    assert code == 1 and out == []
    assert warnings_of(err) == [
        "Cảnh báo: Trang Người dân, dòng 18: Dòng 18 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập."
    ]
    assert [line for line in err if not line.startswith("Cảnh báo:")] == [
        "Trang Đơn vị, dòng 3, cột Mã đơn vị cấp trên: Không có đơn vị mã HUYEN-DOAN (trên hệ thống hay trong trang này).",
        "Trang Đơn vị, dòng 4, cột Loại: “Đoàn Thanh niên Cộng sản” không thuộc các giá trị: Công an · Đoàn · Hội Phụ nữ · Hội LHTN.",
        "Trang Thành viên, dòng 3, cột Mã đơn vị: Không có đơn vị mã CD-9 (trên hệ thống hay trong trang “Đơn vị”).",
        "Trang Thành viên, dòng 4, cột Số định danh: Số định danh chỉ gồm các chữ số.",
        "Trang Thành viên, dòng 5, cột Đối tượng: Ô này bắt buộc phải điền.",
        "Trang Người dân, dòng 5, cột Số định danh: Số định danh phải có 12 chữ số (số này có 11 chữ số: có thiếu số 0 ở đầu không?).",
        "Trang Người dân, dòng 6, cột Số định danh: Số định danh phải có 12 chữ số (số này có 10 chữ số).",
        "Trang Người dân, dòng 7, cột Ngày kích hoạt: 31/02/2023 không phải ngày có thật (ngày/tháng/năm).",
        "Trang Người dân, dòng 8, cột Ngày kích hoạt: Không đọc được ngày 21/4/23; hãy ghi theo ngày/tháng/năm, ví dụ 21/04/2023.",
        "Trang Người dân, dòng 9, cột Mức định danh: Mức định danh phải là 1 hoặc 2 (để trống nếu chưa kích hoạt).",
        "Trang Người dân, dòng 10, cột Ngày kích hoạt: Đã có mức định danh thì phải có ngày kích hoạt.",
        "Trang Người dân, dòng 11, cột Mức định danh: Đã có ngày kích hoạt thì phải có mức định danh (1 hoặc 2).",
        "Trang Người dân, dòng 12, cột Số định danh người hướng dẫn: Không có thành viên nào mang số định danh 014099999999: hãy thêm người này vào trang “Thành viên” hoặc danh sách thành viên của đơn vị.",
        "Trang Người dân, dòng 13, cột Họ và tên: Ô này bắt buộc phải điền.",
        "Trang Người dân, dòng 14, cột Đối tượng: “Trưởng bản” không thuộc các giá trị: Người dân · Cán bộ · Đoàn viên/Hội viên · Công chức/Viên chức · Lực lượng vũ trang.",
        "Trang Người dân, dòng 16, cột Số định danh: Cùng người hướng dẫn đã kê khai người dân này ở dòng 15, nhưng khác mức định danh, ngày kích hoạt hoặc tài khoản DVC; chỉ giữ một dòng.",
        "Trang Người dân, dòng 17, cột Tài khoản DVC: Hãy ghi Có hoặc Không (ô này ghi “Chưa rõ”).",
        "17 lỗi: không dòng nào được nhập.",
    ]
    assert (
        Unit.objects.count(),
        Member.objects.count(),
        Resident.objects.count(),
        Case.objects.count(),
    ) == before


# --- 5. An OpenDocument file, every text in decomposed Unicode ------------------------------


def test_an_ods_in_decomposed_unicode_with_numeric_id_numbers(tmp_path):
    def nfd(text):
        return unicodedata.normalize("NFD", text)

    y1 = "014095000501"
    path = build_ods(
        tmp_path / "danh-sach.ods",
        {
            nfd("Đơn vị"): [
                [nfd("Mã đơn vị"), nfd("Tên đơn vị"), nfd("Loại")],
                ["LHTN-X", nfd("Hội LHTN xã Mường Lạn"), nfd("Hội LHTN")],
            ],
            nfd("Thành viên"): [
                [nfd("Mã đơn vị"), nfd("Họ và tên"), nfd("Số định danh"), nfd("Đối tượng")],
                ["LHTN-X", nfd("Lường Văn Yên"), 14095000501.0, nfd("Đoàn viên/Hội viên")],
            ],
            nfd("Người dân"): [
                [
                    nfd("Họ và tên"),
                    nfd("Số định danh"),
                    nfd("Số định danh người hướng dẫn"),
                    nfd("Mức định danh"),
                    nfd("Ngày kích hoạt"),
                    nfd("Tài khoản DVC"),
                    nfd("Đối tượng"),
                ],
                [nfd("Lường Thị Một"), 14300000501, 14095000501, 2, "02/05/2023", nfd("Có"), None],
                [
                    nfd("Lường Thị Hai"),
                    14300000502,
                    14095000501,
                    2,
                    45048,
                    nfd("Không"),
                    nfd("Người dân"),
                ],
                [
                    nfd("Lường Thị Ba"),
                    14300000503,
                    14095000501,
                    2,
                    "2023-05-02",
                    "x",
                    nfd("Hội viên"),
                ],
            ],
        },
    )
    imported(path)
    members, units = results("2023-06-20")
    # Một full; Hai e-ID without the portal; Ba declared Hội viên.
    assert members == {
        y1: member(y1, "Lường Văn Yên", "LHTN-X", "member", 3, 2, 1, 0, 10, False, False)
    }
    assert units == {"LHTN-X": unit("LHTN-X", "Hội LHTN xã Mường Lạn", 1, 1, 1.0, False)}
    assert Unit.objects.get().kind == "youth_federation"
    assert all(
        unicodedata.is_normalized("NFC", name)
        for name in Resident.objects.values_list("full_name", flat=True)
    )
    assert dict(Resident.objects.values_list("id_number", "category")) == {
        "014300000501": "resident",
        "014300000502": "resident",
        "014300000503": "member",
    }


# --- 6. Month after month: a later file adds guides, activations and members ----------------


def monthly_workbook(path, rows, members=()):
    workbook = openpyxl.Workbook()
    if members:
        sheet = new_sheet(workbook, "Thành viên")
        sheet.append(["Mã đơn vị", "Họ và tên", "Số định danh", "Đối tượng"])
        for row in members:
            sheet.append(list(row))
    sheet = new_sheet(workbook, "Người dân")
    sheet.append(
        [
            "Họ và tên",
            "Số định danh",
            "Số định danh người hướng dẫn",
            "Mức định danh",
            "Ngày kích hoạt",
            "Tài khoản DVC",
        ]
    )
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_a_later_file_creates_a_double_claim_and_a_new_member_excludes_a_resident(tmp_path):
    imported(roster_workbook(tmp_path / "thanh-vien.xlsx"))
    may = [
        ("Lò Văn Sáu Linh Một", "014300000601", P2, 2, "10/05/2023", "Có"),
        ("Lò Văn Sáu Linh Hai", "014300000602", P2, None, None, None),
        ("Lò Văn Sáu Linh Ba", "014300000603", P2, 2, "12/05/2023", "Có"),
    ]
    imported(monthly_workbook(tmp_path / "thang-5.xlsx", may))
    members, units = results("2023-05-31")
    assert members[P2] == member(P2, "Quàng Thị Đoàn", "DX", "member", 3, 2, 2, 0, 10, False, False)

    june = [
        ("Lò Văn Sáu Linh Hai", "014300000602", P2, 2, "05/06/2023", "Có"),  # now activated
        ("Lò Văn Sáu Linh Ba", "014300000603", P1, 2, "12/05/2023", "Có"),
    ]  # a second guide
    out, _err = imported(
        monthly_workbook(
            tmp_path / "thang-6.xlsx",
            june,
            members=[("DX", "Lò Văn Sáu Linh Một", "014300000601", "Đoàn viên")],
        )
    )  # joined the union
    assert out[-2:] == [
        "Kê khai trùng: Lò Văn Sáu Linh Ba (dòng 3) được kê khai bởi Quàng Thị Đoàn (DX); Lò Văn Công (CAX).",
        "Đã nhập.",
    ]
    members, units = results("2023-06-20")
    # 601 is now on the roster (excluded), 602 activated 5/6, 603 double claimed.
    assert members[P2] == member(P2, "Quàng Thị Đoàn", "DX", "member", 3, 1, 1, 1, 10, False, False)
    assert members[P1] == member(
        P1, "Lò Văn Công", "CAX", "armed_forces", 1, 0, 0, 1, 20, False, False
    )
    assert members["014300000601"] == member(
        "014300000601", "Lò Văn Sáu Linh Một", "DX", "member", 0, 0, 0, 0, 10, False, False
    )
    assert units["DX"] == unit("DX", "Đoàn xã Mường Lạn", 3, 1, 0.33, False)
    members, _units = results("2023-05-31")  # 602's activation (5/6) is after this day
    assert (members[P2]["credited_eid"], members[P2]["credited_full"], members[P2]["cases"]) == (
        0,
        0,
        3,
    )
