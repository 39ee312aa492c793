"""The workbook's vocabulary: its three sheets, their columns, and the labels of their choices.

Each sheet is declared once (a SheetSpec of Columns): the declaration drives the template,
the header recognition, the examples and the importer's reading of each cell. The Vietnamese
sheet names, headers and choice labels are data (the interface of docs/workbook.md), not
translations: they stay Vietnamese whatever the UI language.
"""

from dataclasses import dataclass

from units.models import MemberCategory, UnitKind
from units.normalize import fold

from ..models import Place
from .columns import Column


@dataclass(frozen=True)
class SheetSpec:
    key: str
    title: str
    columns: tuple
    aliases: tuple = ()
    ignored: tuple = ()  # headers of columns not read, recognised so as not to be taken for others

    def column(self, key):
        return next(c for c in self.columns if c.key == key)

    @property
    def folded(self):
        return {fold(self.title), *(fold(a) for a in self.aliases)}


YES, NO = "Có", "Không"
YES_NO = (YES, NO)

UNIT_KINDS = {
    "Công an": UnitKind.POLICE,
    "Đoàn": UnitKind.YOUTH_UNION,
    "Hội Phụ nữ": UnitKind.WOMENS_UNION,
    "Hội LHTN": UnitKind.YOUTH_FEDERATION,
}
UNIT_KIND_ALIASES = {
    "Đoàn Thanh niên": UnitKind.YOUTH_UNION,
    "Đoàn TNCS Hồ Chí Minh": UnitKind.YOUTH_UNION,
    "Hội LHPN": UnitKind.WOMENS_UNION,
    "Hội Liên hiệp Phụ nữ": UnitKind.WOMENS_UNION,
    "Phụ nữ": UnitKind.WOMENS_UNION,
    "Hội Liên hiệp Thanh niên": UnitKind.YOUTH_FEDERATION,
    "Đoàn TN": UnitKind.YOUTH_UNION,
    "Đoàn TNCS": UnitKind.YOUTH_UNION,
    "Hội PN": UnitKind.WOMENS_UNION,
    "Hội LHTN Việt Nam": UnitKind.YOUTH_FEDERATION,
}
MEMBER_CATEGORIES = {
    "Cán bộ": MemberCategory.CADRE,
    "Đoàn viên/Hội viên": MemberCategory.MEMBER,
    "Công chức/Viên chức": MemberCategory.CIVIL_SERVANT,
    "Lực lượng vũ trang": MemberCategory.ARMED_FORCES,
}
MEMBER_CATEGORY_ALIASES = {
    "Đoàn viên": MemberCategory.MEMBER,
    "Hội viên": MemberCategory.MEMBER,
    "Đoàn viên / Hội viên": MemberCategory.MEMBER,
    "Công chức": MemberCategory.CIVIL_SERVANT,
    "Viên chức": MemberCategory.CIVIL_SERVANT,
    "Công chức / Viên chức": MemberCategory.CIVIL_SERVANT,
    "Công an": MemberCategory.ARMED_FORCES,
    "Quân đội": MemberCategory.ARMED_FORCES,
    "Cán bộ Đoàn": MemberCategory.CADRE,
    "Cán bộ Hội": MemberCategory.CADRE,
    "Cán bộ Đoàn/Hội": MemberCategory.CADRE,
    "Đoàn viên thanh niên": MemberCategory.MEMBER,
    "Hội viên phụ nữ": MemberCategory.MEMBER,
    "Lực lượng vũ trang (LLVT)": MemberCategory.ARMED_FORCES,
    "LLVT": MemberCategory.ARMED_FORCES,
    "Công an nhân dân": MemberCategory.ARMED_FORCES,
    "CAND": MemberCategory.ARMED_FORCES,
    "Bộ đội": MemberCategory.ARMED_FORCES,
}
RESIDENT_LABEL = "Người dân"
RESIDENT_LABEL_ALIASES = ("Nhân dân",)
SEXES = {"Nam": "M", "Nữ": "F"}
PLACES = {
    "Tại nhà": Place.HOME,
    "Nhà văn hóa": Place.COMMUNITY_HALL,
    "Chợ": Place.MARKET,
    "Trường học": Place.SCHOOL,
    "Bệnh viện, trạm y tế": Place.HOSPITAL,
    "Bến xe": Place.BUS_STATION,
    "Cơ quan, khi làm thủ tục": Place.OFFICE,
    "Ngày Thứ Bảy tình nguyện": Place.VOLUNTEER_SATURDAY,
    "Khác": Place.OTHER,
}
LEVELS = ("1", "2")
# The template's hidden sheet holding its drop-downs' items (campaign/workbook/template.py);
# it has no header row, so the importer never takes it for a list.
LISTS_TITLE = "Danh mục"
ERROR_HEADER = "Lỗi"

BIRTH_DATE_ALIASES = ("Ngày, tháng, năm sinh", "Ngày tháng năm sinh", "Ngày/tháng/năm sinh")
ID_NUMBER_ALIASES = (
    "Số CCCD",
    "Số định danh cá nhân",
    "CCCD",
    "Số căn cước",
    "Số căn cước công dân",
    "Số CCCD/ĐDCN",
    "Số ĐDCN",
    "Số CCCD/Số định danh",
)
PHONE_ALIASES = ("Điện thoại", "SĐT", "Số ĐT")
# Headers of columns secretaries add that are not read (unknown columns are ignored anyway):
# named so that a repeated header row is known as one, and so that "Họ và tên" under a
# "Người hướng dẫn" group is the guide's name, not the resident's.
ROW_NUMBER_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự")

UNITS = SheetSpec(
    "units",
    "Đơn vị",
    (
        Column("code", "Mã đơn vị", required=True, width=18, example="DOAN-XA-VD"),
        Column("name", "Tên đơn vị", required=True, width=36, example="Đoàn xã Ví Dụ"),
        Column("kind", "Loại", required=True, choices=tuple(UNIT_KINDS), width=14, example="Đoàn"),
        Column("parent_code", "Mã đơn vị cấp trên", width=20, example="HUYEN-DOAN-VD"),
    ),
    ignored=ROW_NUMBER_HEADERS,
)
MEMBERS = SheetSpec(
    "members",
    "Thành viên",
    (
        Column("unit_code", "Mã đơn vị", required=True, width=18, example="DOAN-XA-VD"),
        Column(
            "full_name",
            "Họ và tên",
            required=True,
            width=28,
            example="Lò Văn Ví Dụ",
            aliases=("Họ tên",),
        ),
        Column(
            "id_number",
            "Số định danh",
            required=True,
            text=True,
            width=16,
            example="014095000001",
            aliases=ID_NUMBER_ALIASES,
        ),
        Column(
            "category",
            "Đối tượng",
            required=True,
            choices=tuple(MEMBER_CATEGORIES),
            width=22,
            example="Đoàn viên/Hội viên",
        ),
        Column(
            "birth_date", "Ngày sinh", width=12, example="15/03/1995", aliases=BIRTH_DATE_ALIASES
        ),
        Column(
            "phone",
            "Số điện thoại",
            text=True,
            width=14,
            example="0912345678",
            aliases=PHONE_ALIASES,
        ),
        Column("has_level2_account", "Định danh mức 2", choices=YES_NO, width=12, example=YES),
        Column("vneid_activated", "Đã kích hoạt VNeID", choices=YES_NO, width=12, example=YES),
        Column("portal_used", "Đã dùng Cổng DVC", choices=YES_NO, width=12, example=YES),
    ),
    aliases=("Thanh vien", "Danh sách thành viên"),
    ignored=(*ROW_NUMBER_HEADERS, "Chức vụ"),
)
RESIDENTS = SheetSpec(
    "residents",
    "Người dân",
    (
        Column(
            "full_name",
            "Họ và tên",
            required=True,
            width=28,
            example="Quàng Thị Ví Dụ",
            aliases=("Họ tên", "Họ và tên người dân", "Họ tên người dân"),
        ),
        Column(
            "id_number",
            "Số định danh",
            required=True,
            text=True,
            width=16,
            example="014195000002",
            aliases=ID_NUMBER_ALIASES,
        ),
        Column(
            "guide_id_number",
            "Số định danh người hướng dẫn",
            required=True,
            text=True,
            width=18,
            example="014095000001",
            aliases=(
                "Số định danh của người hướng dẫn",
                "Số CCCD người hướng dẫn",
                "CCCD người hướng dẫn",
                "Số định danh cán bộ hướng dẫn",
                "Số định danh người HD",
                "Số CCCD người HD",
                "CCCD người HD",
            ),
        ),
        Column(
            "eid_level",
            "Mức định danh",
            choices=LEVELS,
            width=10,
            example="2",
            aliases=(
                "Mức độ định danh",
                "Mức tài khoản",
                "Mức độ",
                "Mức độ tài khoản",
                "Mức định danh điện tử",
                "Mức độ định danh điện tử",
            ),
        ),
        Column(
            "activated_on",
            "Ngày kích hoạt",
            width=12,
            example="02/05/2023",
            aliases=(
                "Ngày kích hoạt tài khoản",
                "Ngày kích hoạt định danh",
                "Ngày kích hoạt VNeID",
                "Ngày kích hoạt tài khoản định danh điện tử",
            ),
        ),
        Column(
            "portal_used",
            "Tài khoản DVC",
            choices=YES_NO,
            width=10,
            example=YES,
            aliases=(
                "Tài khoản Cổng DVC",
                "Cổng DVC",
                "Đã dùng Cổng DVC",
                "Tài khoản dịch vụ công",
                "Tài khoản DVCQG",
                "Tài khoản Cổng DVCQG",
                "Cổng DVCQG",
                "Tài khoản Cổng dịch vụ công",
                "Tài khoản Cổng Dịch vụ công Quốc gia",
            ),
        ),
        Column(
            "category",
            "Đối tượng",
            choices=(RESIDENT_LABEL, *MEMBER_CATEGORIES),
            width=20,
            example=RESIDENT_LABEL,
        ),
        Column(
            "birth_date", "Ngày sinh", width=12, example="20/10/1995", aliases=BIRTH_DATE_ALIASES
        ),
        Column("sex", "Giới tính", choices=tuple(SEXES), width=8, example="Nữ"),
        Column(
            "phone",
            "Số điện thoại",
            text=True,
            width=14,
            example="0987654321",
            aliases=PHONE_ALIASES,
        ),
        Column("address", "Địa chỉ", width=30, example="Bản Ví Dụ, xã Ví Dụ"),
        Column("village", "Thôn, bản, tổ dân phố", width=16, aliases=("Thôn", "Bản", "Tổ dân phố")),
        Column("commune", "Xã, phường", width=16, aliases=("Xã", "Phường")),
        Column("guided_on", "Ngày hướng dẫn", width=12, example="02/05/2023"),
        Column("place", "Hình thức", choices=tuple(PLACES), width=20, example="Tại nhà"),
        Column("id_card_application", "Thu hồ sơ CCCD", choices=YES_NO, width=10),
        Column("note", "Ghi chú", width=30),
        Column(
            "activity",
            "Hoạt động",
            width=24,
            aliases=("Mã hoạt động", "Tên hoạt động", "Tại hoạt động"),
        ),
    ),
    aliases=("Nguoi dan", "Danh sách người dân"),
    ignored=(
        *ROW_NUMBER_HEADERS,
        "Người hướng dẫn",
        "Họ và tên người hướng dẫn",
        "Họ tên người hướng dẫn",
        "Tên người hướng dẫn",
        "Đơn vị người hướng dẫn",
        "Đơn vị",
    ),
)
SHEETS = (UNITS, MEMBERS, RESIDENTS)
SHEETS_BY_KEY = {spec.key: spec for spec in SHEETS}

HEADER_SEARCH_ROWS = 20
