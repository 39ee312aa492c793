"""The workbook unit secretaries fill in: its vocabulary, reading it, and writing the template
and the error workbook.

Reading is python-calamine (it reads .xlsx, .xls and .ods, about 12x faster than openpyxl,
and returns the values Excel stored for formulas without evaluating them); openpyxl is the
fallback for an .xlsx calamine refuses. Before anything is parsed the file is sniffed, so a
Word document, a CSV, a password-protected or truncated file, or one over the size and row
limits gets one clear sentence instead of a stack trace.

The Vietnamese sheet names, headers and choice labels below are data (the interface in
shared/domain/interfaces.md §1), not translations: they stay Vietnamese whatever the UI
language.
"""

import datetime
import io
import os
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from units.models import UNIT_CODE_VALIDATOR, MemberCategory, UnitKind
from units.normalize import fold, normalize_id_number, normalize_name

from .models import Place

# --- The workbook's vocabulary ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    text: bool = False  # formatted as text in the template (ID and phone numbers keep zeros)
    choices: tuple = ()  # drop-down list in the template
    width: int = 16
    example: object = ""
    aliases: tuple = ()

    @property
    def folded(self):
        return {fold(self.header), *(fold(a) for a in self.aliases)}


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
ERROR_HEADER = "Lỗi"

BIRTH_DATE_ALIASES = ("Ngày, tháng, năm sinh", "Ngày tháng năm sinh", "Ngày/tháng/năm sinh")
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
            aliases=(
                "Số CCCD",
                "Số định danh cá nhân",
                "CCCD",
                "Số căn cước",
                "Số căn cước công dân",
                "Số CCCD/ĐDCN",
                "Số ĐDCN",
                "Số CCCD/Số định danh",
            ),
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
            aliases=(
                "Số CCCD",
                "Số định danh cá nhân",
                "CCCD",
                "Số căn cước",
                "Số căn cước công dân",
                "Số CCCD/ĐDCN",
                "Số ĐDCN",
                "Số CCCD/Số định danh",
            ),
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

HEADER_SEARCH_ROWS = 20

# --- Errors a whole file can have ----------------------------------------------------------


class WorkbookError(Exception):
    """The file cannot be read as a workbook; `message` is one sentence for the secretary."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


# --- Reading ------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One of the three sheets as found in a file: its header row and its data rows."""

    spec: SheetSpec
    title: str  # the name as written in the file
    header_row: int = 0  # as Excel shows it; 0 when no header row was found
    columns: dict = field(default_factory=dict)  # key -> 0-based column index
    headers: dict = field(default_factory=dict)  # key -> header text as written, on one line
    rows: list = field(default_factory=list)  # (row number, [cells]) of non-blank rows
    # Rows under the header that are not the list's: (first row, last row, reason code).
    skipped: list = field(default_factory=list)
    empty: bool = False  # no value at all in the rows where the header is looked for

    @property
    def missing(self):
        return [c for c in self.spec.columns if c.required and c.key not in self.columns]

    def header(self, key):
        return self.headers.get(key) or self.spec.column(key).header


@dataclass
class Workbook:
    format: str  # xlsx, xls, ods
    sheets: dict  # spec key -> Sheet
    sheet_names: list
    # Sheets whose name is none of the three but whose headers are one of them ("Sheet1"
    # holding the residents' list): the names as written -> spec key.
    recognised: dict = field(default_factory=dict)
    # More lists of a kind already found, in the file's order (a sheet per month or per
    # village: "Người dân T5", "Bản Nà Khá"): read too, their rows added to the first's.
    also: list = field(default_factory=list)  # Sheet


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def sniff(path):
    """The file's real format ('xlsx', 'xls' or 'ods'), whatever its name says; raises
    WorkbookError with one sentence for everything that is not a workbook we can read."""
    size = os.path.getsize(path)
    if size == 0:
        raise WorkbookError(_("The file is empty (0 bytes). Choose the workbook again."), "empty")
    if size > settings.IMPORT_MAX_BYTES:
        raise too_large(size)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(path)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path)
    if head.startswith(b"%PDF"):
        raise WorkbookError(
            _(
                "This is a PDF file, not an Excel workbook. Fill in the template workbook and "
                "upload that."
            ),
            "pdf",
        )
    text = _as_text(head)
    if text is not None:
        lowered = text.lstrip().lower()
        if lowered.startswith(("<html", "<!doctype", "<table", "<?xml", "<meta")):
            raise WorkbookError(
                _(
                    "This file is a web page or XML saved under an Excel name, not a real "
                    "workbook. Open it in Excel and save it as “Excel Workbook (.xlsx)”."
                ),
                "html",
            )
        raise WorkbookError(
            _(
                "This is a text (CSV) file, not an Excel workbook. Open it in Excel and save it "
                "as “Excel Workbook (.xlsx)”, or copy its rows into the template."
            ),
            "csv",
        )
    raise WorkbookError(
        _(
            "This file is not an Excel workbook (.xlsx, .xls) or an OpenDocument spreadsheet "
            "(.ods). Fill in the template workbook and upload that."
        ),
        "unknown",
    )


def too_large(size):
    return WorkbookError(
        _(
            "The file is %(size)s MB; the limit is %(limit)s MB. Split it into several "
            "workbooks, or delete unused sheets and pictures."
        )
        % {
            "size": round(size / 1048576, 1),
            "limit": round(settings.IMPORT_MAX_BYTES / 1048576, 1),
        },
        "too_large",
    )


def too_many_rows(sheet_title, rows):
    return WorkbookError(
        _(
            "Sheet “%(sheet)s” has about %(rows)s rows; the limit is %(limit)s. Split it into "
            "several workbooks."
        )
        % {
            "sheet": sheet_title,
            "rows": f"{rows:,}".replace(",", "."),
            "limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", "."),
        },
        "too_many_rows",
    )


def damaged():
    return WorkbookError(
        _(
            "The file is damaged or incomplete (perhaps the upload was cut off). Open it in "
            "Excel, save it again and upload it once more."
        ),
        "damaged",
    )


def _as_text(head):
    """The start of the file as text, or None when it is binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if not head or b"\x00" in head:
        return None
    for encoding in ("utf-8", "cp1258"):
        text = head.decode(encoding, errors="ignore")
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if text and printable / len(text) > 0.95:
            return text
    return None


def _sniff_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise damaged() from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "xl/workbook.bin" in names:
            raise WorkbookError(
                _(
                    "This is a binary Excel workbook (.xlsb). Open it in Excel and save it as "
                    "“Excel Workbook (.xlsx)”."
                ),
                "xlsb",
            )
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        raise WorkbookError(
            _(
                "This is a Word document renamed as a workbook. Copy the list into the template "
                "workbook in Excel and upload that."
            ),
            "word",
        )
    if "ppt/presentation.xml" in names:
        raise WorkbookError(
            _(
                "This is a PowerPoint presentation, not an Excel workbook. Fill in the template "
                "workbook and upload that."
            ),
            "powerpoint",
        )
    raise WorkbookError(
        _(
            "This is a ZIP archive, not an Excel workbook. Unpack it and upload the workbook "
            "inside."
        ),
        "zip",
    )


def _sniff_ole(path):
    """An OLE2 compound file: an old .xls, an old .doc, or an encrypted (password-protected)
    .xlsx, which Office stores as an OLE file with an EncryptedPackage stream."""
    markers = {
        "EncryptedPackage".encode("utf-16-le"): "encrypted",
        "WordDocument".encode("utf-16-le"): "word",
        "Workbook".encode("utf-16-le"): "xls",
        "Book".encode("utf-16-le"): "xls",
    }
    found = set()
    with open(path, "rb") as f:
        tail = b""
        while chunk := f.read(1 << 20):
            block = tail + chunk
            found |= {kind for marker, kind in markers.items() if marker in block}
            tail = block[-64:]
    if "encrypted" in found:
        raise password_protected()
    if "word" in found and "xls" not in found:
        raise WorkbookError(
            _(
                "This is a Word document (.doc), not an Excel workbook. Copy the list into the "
                "template workbook in Excel and upload that."
            ),
            "word",
        )
    return "xls"


def password_protected():
    return WorkbookError(
        _(
            "The workbook is protected by a password. Open it in Excel, remove the password "
            "(File › Info › Protect Workbook) and upload it again."
        ),
        "encrypted",
    )


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _xlsx_declared_rows(path):
    """{sheet name: last row declared in the sheet's <dimension>}, read from the first bytes
    of each worksheet part only, so a million-row sheet is refused before it is loaded."""
    from defusedxml import ElementTree

    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    declared = {}
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels}
            names = set(archive.namelist())
            unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > 20 * settings.IMPORT_MAX_BYTES:
                raise too_large(unpacked // 20)
            for sheet in workbook.iter():
                if not sheet.tag.endswith("}sheet"):
                    continue
                target = targets.get(sheet.get(rel_ns + "id"), "")
                part = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if part not in names:
                    continue
                with archive.open(part) as stream:
                    match = _DIMENSION.search(stream.read(65536))
                if match:
                    declared[sheet.get("name", "")] = int(match.group(1))
    except WorkbookError:
        raise
    except KeyError:
        raise damaged() from None
    except Exception:  # noqa: BLE001 - a malformed part: calamine will say more, or fail
        return {}
    return declared


def read_workbook(path):
    """Read the three sheets (those present) of the workbook at `path`."""
    from .upload_limits import check_upload  # bounds first: before any reader trusts the file

    check_upload(path)
    fmt = sniff(path)
    max_rows = settings.IMPORT_MAX_ROWS
    if fmt == "xlsx":
        for name, last_row in _xlsx_declared_rows(path).items():
            if _spec_for(name) and last_row > max_rows + HEADER_SEARCH_ROWS:
                raise too_many_rows(name, last_row)
    try:
        return _read_with_calamine(path, fmt, max_rows)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine's errors are not all CalamineError
        if _is_password_error(exc):
            raise password_protected() from None
        if fmt != "xlsx":
            raise damaged() from None
    return _read_with_openpyxl(path, max_rows)


def _is_password_error(exc):
    import python_calamine

    return isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower()


def _spec_for(sheet_name):
    folded = fold(sheet_name)
    return next((spec for spec in SHEETS if folded in spec.folded), None)


def _read_with_calamine(path, fmt, max_rows):
    import python_calamine

    # By content, not by name: calamine's from_path trusts the file extension.
    with open(path, "rb") as stream:
        workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
    try:
        sheets = {}
        names = list(workbook.sheet_names)

        def read(spec, name):
            data = workbook.get_sheet_by_name(name)
            if data.total_height > max_rows + HEADER_SEARCH_ROWS:
                raise too_many_rows(name, data.total_height)
            return _sheet_from_rows(
                spec,
                name,
                data.iter_rows(),
                max_rows,
                merged=data.merged_cell_ranges or (),
                first_column=data.start[1] if data.start else 0,
            )

        also = []
        for name in names:
            spec = _spec_for(name)
            if spec is not None and spec.key not in sheets:
                sheets[spec.key] = read(spec, name)
            elif spec is not None:
                also.append(read(spec, name))

        def head_of(name):
            data = workbook.get_sheet_by_name(name)
            # A sheet past the row limit is not a list anyone could import: not looked at.
            return (
                iter(()) if data.total_height > max_rows + HEADER_SEARCH_ROWS else data.iter_rows()
            )

        recognised = _recognise_by_headers(names, sheets, head_of, read, also)
        return Workbook(
            format=fmt,
            sheets=sheets,
            sheet_names=names,
            recognised=recognised,
            also=_in_file_order(also, names, sheets, max_rows),
        )
    finally:
        workbook.close()


def _read_with_openpyxl(path, max_rows):
    import openpyxl

    try:
        # A file object: openpyxl judges a file name by its extension, not its content.
        workbook = openpyxl.load_workbook(open(path, "rb"), read_only=True, data_only=True)  # noqa: SIM115
    except Exception:  # noqa: BLE001 - any parse failure means the same to the secretary
        raise damaged() from None
    try:
        sheets = {}

        def rows_of(name):
            return workbook[name].iter_rows(values_only=True)

        def read(spec, name):
            return _sheet_from_rows(spec, name, rows_of(name), max_rows)

        also = []
        for name in workbook.sheetnames:
            spec = _spec_for(name)
            if spec is not None and spec.key not in sheets:
                sheets[spec.key] = read(spec, name)
            elif spec is not None:
                also.append(read(spec, name))
        recognised = _recognise_by_headers(workbook.sheetnames, sheets, rows_of, read, also)
        return Workbook(
            format="xlsx",
            sheets=sheets,
            sheet_names=list(workbook.sheetnames),
            recognised=recognised,
            also=_in_file_order(also, workbook.sheetnames, sheets, max_rows),
        )
    except WorkbookError:
        raise
    except Exception:  # noqa: BLE001
        raise damaged() from None
    finally:
        workbook.close()


def _in_file_order(also, names, sheets, max_rows):
    """The extra lists in the file's order; the row limit holds for each kind's lists together."""
    order = {name: index for index, name in enumerate(names)}
    also = sorted(also, key=lambda sheet: order[sheet.title])
    for key, first in sheets.items():
        total = len(first.rows)
        for sheet in also:
            if sheet.spec.key == key:
                total += len(sheet.rows)
                if max_rows and total > max_rows:
                    raise too_many_rows(sheet.title, total)
    return also


def _recognise_by_headers(names, sheets, rows_of, read, also):
    """Sheets not named as the template's but whose header has every required column of one
    of the three (secretaries often keep their list on "Sheet1"): read as that sheet if it is
    still missing, else added to `also`. Returns {sheet name: spec key}, for a warning."""
    recognised = {}
    for name in names:
        if _spec_for(name) is not None:
            continue
        head = []
        for number, cells in enumerate(rows_of(name), start=1):
            head.append((number, list(cells)))
            if number >= HEADER_SEARCH_ROWS:
                break
        best = None
        for spec in SHEETS:
            found = _find_header(spec, head)
            if found is None or not all(c.key in found[1] for c in spec.columns if c.required):
                continue
            if best is None or len(found[1]) > best[0]:
                best = (len(found[1]), spec)
        if best is None:
            continue
        spec = best[1]
        if spec.key in sheets:
            also.append(read(spec, name))
        else:
            sheets[spec.key] = read(spec, name)
        recognised[name] = spec.key
    return recognised


IGNORED = ""  # the key of a header recognised as one the importer does not read


def _lookup_for(spec):
    """{folded header: column key} for `spec`, its ignored headers mapped to IGNORED."""
    lookup = {fold(name): IGNORED for name in spec.ignored}
    for column in spec.columns:
        for name in column.folded:
            lookup[name] = column.key
    return lookup


_BRACKETED = re.compile(r"[(\[][^)\]]*[)\]]")
_MARKS = re.compile(r"[\s*:.]+$")
_NO_BRACKETS = str.maketrans("()[]", "    ")
# Names the guide ("người hướng dẫn", "cán bộ HD"), not the resident ("người được hướng dẫn").
_GUIDE = re.compile(r"(?<!duoc )\b(?:huong dan|hd)\b")


def header_key(lookup, text):
    """The column a header names: as written, or with the note in brackets secretaries add
    read as part of the name ("Số định danh (người hướng dẫn)") or, failing that, left out
    ("Ngày kích hoạt (ngày/tháng/năm)", "Họ và tên (*)"), a trailing "*" or ":" too."""
    folded = fold(text)
    key = lookup.get(folded)
    if key is not None or not ("(" in folded or "[" in folded or _MARKS.search(folded)):
        return key
    variants = [_MARKS.sub("", folded.translate(_NO_BRACKETS))]
    notes = " ".join(_BRACKETED.findall(folded))
    if not _GUIDE.search(notes):
        # A note about the guide ("Ngày sinh (người hướng dẫn)") is not left out: the column
        # is the guide's, not the resident's.
        variants.append(_MARKS.sub("", _BRACKETED.sub(" ", folded)))
    for variant in variants:
        key = lookup.get(fold(variant))
        if key is not None:
            return key
    return None


def _header_cells(lookup, cells):
    """{key: (index, text)} of the cells of one row that are headers of the sheet."""
    found = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            key = header_key(lookup, cell)
            if key and key not in found:
                found[key] = (index, cell)
    return found


def _two_row_header(lookup, upper, lower):
    """{key: (index, text)} of a header written on two rows: a group title above (merged
    across its columns) with the columns' names below, and the other columns' names merged
    down both rows (so written in the upper row only). A name under a group is read with
    the group when together they are a header ("Số định danh" under "Người hướng dẫn")."""
    found = {}
    group = None
    for index in range(max(len(upper), len(lower))):
        top = upper[index] if index < len(upper) else None
        bottom = lower[index] if index < len(lower) else None
        top = top.strip() if isinstance(top, str) and top.strip() else None
        bottom = bottom.strip() if isinstance(bottom, str) and bottom.strip() else None
        if bottom is None:
            group = None
            candidates = [top] if top else []
        else:
            # A group title spans the columns to its right whose top cell is blank.
            group = top or group
            candidates = [f"{bottom} {group}", f"{group} {bottom}"] if group else []
            if not (group and _GUIDE.search(fold(group))):
                # Under "Người hướng dẫn" a name is the guide's (their phone is not the
                # resident's), unless with the group it names a column.
                candidates.append(bottom)
        for text in candidates:
            key = header_key(lookup, text)
            if key is None:
                continue
            if key != IGNORED and key not in found:
                # Named in messages as written, the group added only where it tells the column.
                plain = text in (top, bottom) or header_key(lookup, bottom) == key
                found[key] = (
                    index,
                    (top if bottom is None else bottom) if plain else f"{bottom} ({group})",
                )
            break
    return found


def _find_header(spec, head):
    """The header among the first rows `head` ([(number, cells)]): the row naming the most
    of the sheet's columns, joined with the row above or below it when the header is written
    on two rows. Returns (last header row number, {key: (index, text)}) or None."""
    lookup = _lookup_for(spec)
    best = None
    for position, (number, cells) in enumerate(head):
        found = _header_cells(lookup, cells)
        if found and (best is None or len(found) > len(best[2])):
            best = (position, number, found)
    if best is None:
        return None
    position, number, found = best
    for upper, lower in ((position, position + 1), (position - 1, position)):
        if (
            upper < 0
            or lower >= len(head)
            or _has_id_like(head[lower][1])
            or _has_id_like(head[upper][1])
        ):
            continue
        joined = _two_row_header(lookup, head[upper][1], head[lower][1])
        if len(joined) > len(found) and set(joined) >= set(found):
            return head[lower][0], joined
    return number, found


def _has_id_like(cells):
    """Whether a row holds what looks like an ID number (a header row never does)."""
    for cell in cells:
        if isinstance(cell, (int, float)) and not isinstance(cell, bool) and abs(cell) >= 1e8:
            return True
        if isinstance(cell, str) and sum(ch.isdigit() for ch in cell) >= 9:
            return True
    return False


def _sheet_from_rows(spec, title, rows, max_rows, merged=(), first_column=0):
    """Find the header within the first rows (a title, blank rows or merged cells may sit
    above it, it may take two rows), map the columns, and keep the rows under it that hold
    a value in one of the mapped columns, with their numbers (unknown columns are ignored:
    a row with only its STT filled in is blank). `merged`: the sheet's merged ranges as
    ((first row, first column), (last row, last column)), 0-based, the columns counted from
    the sheet's first, `first_column`."""
    sheet = Sheet(spec=spec, title=title)
    buffered = []
    rows = iter(rows)
    for number, cells in enumerate(rows, start=1):
        buffered.append((number, list(cells)))
        if number >= HEADER_SEARCH_ROWS:
            break
    found = _find_header(spec, buffered)
    if found is None:
        sheet.empty = all(_blank_row(cells) for _number, cells in buffered)
        return sheet
    sheet.header_row, columns = found
    sheet.columns = {key: index for key, (index, _text) in columns.items()}
    sheet.headers = {key: normalize_name(text) for key, (_index, text) in columns.items()}
    indexes = sorted(sheet.columns.values())
    data = sheet.rows
    for number, cells in buffered:
        if number > sheet.header_row and not _blank_row(cells, indexes):
            data.append((number, cells))
    if max_rows and len(data) > max_rows:
        raise too_many_rows(title, len(buffered))
    for number, cells in enumerate(rows, start=len(buffered) + 1):
        if not _blank_row(cells, indexes):
            if max_rows and len(data) >= max_rows:
                raise too_many_rows(title, number)
            data.append((number, cells if isinstance(cells, list) else list(cells)))
    spans = _merged_spans(merged, first_column, sheet.header_row)
    if spans[0]:
        _fill_down(data, spans[0])
    sheet.rows, sheet.skipped = _set_aside(sheet, data, spans[1])
    return sheet


def _blank_row(cells, indexes=None):
    """Whether the row has no value (in the columns at `indexes`, when given)."""
    if indexes is not None:
        count = len(cells)
        for index in indexes:
            if index < count:
                cell = cells[index]
                if (
                    cell is not None
                    and cell != ""
                    and not (cell.__class__ is str and not cell.strip())
                ):
                    return False
        return True
    for cell in cells:
        if cell is not None and cell != "" and not (isinstance(cell, str) and not cell.strip()):
            return False
    return True


def _merged_spans(merged, first_column, header_row):
    """The merged ranges below the header: ({column: [(first row, last row)]} of ranges down
    one column, {row: (first column, last column)} of ranges across columns), rows numbered
    as Excel shows them, columns as indexes into the rows' cells."""
    down, across = {}, {}
    for (top, left), (bottom, right) in merged or ():
        if top + 1 <= header_row:
            continue
        left, right = left - first_column, right - first_column
        if left == right and bottom > top:
            down.setdefault(left, []).append((top + 1, bottom + 1))
        elif right > left and bottom == top:
            across[top + 1] = (left, right)
    return down, across


def _fill_down(data, down):
    """A value merged down several rows of a column (one guide's ID beside all the residents
    they guided) belongs to each of those rows, as the sheet shows it."""
    by_number = {number: cells for number, cells in data}
    for column, ranges in down.items():
        for top, bottom in ranges:
            source = by_number.get(top)
            if source is None or column >= len(source):
                continue
            value = source[column]
            for number in range(top + 1, bottom + 1):
                cells = by_number.get(number)
                if cells is None:
                    continue
                if column >= len(cells):
                    cells.extend([None] * (column + 1 - len(cells)))
                if _blank_row([cells[column]]):
                    cells[column] = value


# --- Rows under the header that are not the list's ----------------------------------------
# What real files hold besides the list: the columns' numbers under the header ("(1)", "(2)"
# ...), the header repeated where two lists were pasted one under the other, a heading merged
# across the columns ("Xã Mường Lạn"), a totals row, and under the list the place and date,
# "Người lập biểu", the signatures and the signers' names. None of these holds an ID number
# (a unit code on the units sheet): a row that does is always read as data.

SKIP_HEADER, SKIP_NUMBERS, SKIP_HEADING, SKIP_TOTALS, SKIP_SIGNATURES = (
    "repeated_header",
    "column_numbers",
    "heading",
    "totals",
    "signatures",
)
# "Tổng cộng", "Tổng số: 25", "Cộng", "Cộng bản Nà Khá" (a subtotal); not "Tống Văn Cộng".
_TOTALS = re.compile(r"^(?:tong cong|tong so|cong)\b|^tong\s*(?:[:(]|\d|$)")
_SIGNATURE = re.compile(
    r"^(?:nguoi lap|lap bieu|nguoi tong hop|xac nhan|noi nhan|\(?ky ten|\(ky|tm[./ ]|t/m\b|kt[./ ]"
    r"|thu truong|bi thu|chu tich|truong cong an|truong ban|\W*(?:ghi chu|luu y)\s*:)"
    r"|\bngay\W*\d*\W*thang\W*\d*\W*nam\b|ghi ro ho (?:va )?ten"
)
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2}|[a-z])\)?$")
SIGNATURE_CELLS = 3  # a signature block's row holds at most this many cells
_KIND_NAMES = {fold(name) for name in (*UNIT_KINDS, *UNIT_KIND_ALIASES)}


def _set_aside(sheet, data, across):
    """Split `data` into the list's rows and the rows that are not (see above): returns
    (rows, [(first row, last row, reason code)])."""
    keys = _key_indexes(sheet)
    read = set(sheet.columns.values())
    skipped = []
    kept = []
    lookup = _lookup_for(sheet.spec)
    units = sheet.spec.key == "units"
    for number, cells in data:
        if not units and _holds_id(keys, cells) or _holds_key(sheet, keys, cells):
            kept.append((number, cells))
            continue
        reason = _not_data(lookup, cells, across.get(number), read)
        if reason:
            skipped.append((number, number, reason))
        else:
            kept.append((number, cells))
    # The block under the list: from a row that reads as a signature or place and date to
    # the end, every row sparse and without an ID number.
    start = None
    for position in range(len(kept) - 1, -1, -1):
        number, cells = kept[position]
        texts = [c for c in cells if not _blank_row([c])]
        if len(texts) > SIGNATURE_CELLS or _holds_key(sheet, keys, cells):
            break
        if any(isinstance(c, str) and _SIGNATURE.search(fold(c)) for c in texts):
            start = position
    if start is not None:
        skipped.append((kept[start][0], kept[-1][0], SKIP_SIGNATURES))
        kept = kept[:start]
    skipped.sort()
    return kept, skipped


def _key_indexes(sheet):
    names = ("code",) if sheet.spec.key == "units" else ("id_number", "guide_id_number")
    return [sheet.columns[name] for name in names if name in sheet.columns]


def _holds_id(indexes, cells):
    """The common case first: an ID number typed as 12 digits."""
    for index in indexes:
        if index < len(cells):
            value = cells[index]
            if value.__class__ is str and len(value) == 12 and value.isdigit():
                return True
    return False


def _holds_key(sheet, indexes, cells):
    """Whether the row holds an ID number in its column; on the units sheet, a unit code
    with a unit kind beside it (a signer's name without diacritics would pass for a code)."""
    if sheet.spec.key == "units":
        index = sheet.columns.get("kind")
        kind = cells[index] if index is not None and index < len(cells) else None
        if not (isinstance(kind, str) and fold(kind) in _KIND_NAMES):
            return False
    for index in indexes:
        value = cells[index] if index < len(cells) else None
        if value.__class__ is str and len(value) == 12 and value.isdigit():
            return True  # the common case, first
        if _blank_row([value]):
            continue
        if sheet.spec.key == "units":
            if isinstance(value, str) and UNIT_CODE_VALIDATOR.regex.match(
                value.strip().replace(" ", "")
            ):
                return True
            continue
        try:
            normalize_id_number(value)
        except ValueError:
            continue
        return True
    return False


def _not_data(lookup, cells, across, read):
    """The reason code when a row without an ID number is not one of the list's, else None.
    `across`: the row's range merged across columns, if any; `read`: the columns read."""
    filled = [(index, cell) for index, cell in enumerate(cells) if not _blank_row([cell])]
    if not filled:
        return None
    if across and all(across[0] <= index <= across[1] for index, _cell in filled if index in read):
        return SKIP_HEADING  # "I | XÃ MƯỜNG LẠN": the numbering column is not read
    texts = [_cell_text(cell) for _index, cell in filled]
    if sum(1 for text in texts if header_key(lookup, text) is not None) >= 2:
        return SKIP_HEADER
    label = next((text for text in texts if not text.strip().isdigit()), "")  # after an STT
    if _TOTALS.search(fold(label)):
        return SKIP_TOTALS
    if len(texts) >= 3 and _numbers_columns(texts):
        return SKIP_NUMBERS
    return None


def _cell_text(cell):
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell)


def _numbers_columns(texts):
    """Whether the cells count the columns: "(1) (2) (3)", "1 2 3", "A B 1 2 3"."""
    previous = {}
    for text in texts:
        match = _COLUMN_NUMBER.match(fold(text))
        if not match:
            return False
        label = match.group(1)
        kind, value = ("digit", int(label)) if label.isdigit() else ("letter", ord(label))
        if kind in previous and value != previous[kind] + 1:
            return False
        previous[kind] = value
    return True


# --- The template --------------------------------------------------------------------------

NOTES = (
    ("Cách điền", ""),
    (
        "1.",
        "Mỗi trang (Đơn vị, Thành viên, Người dân) có thể bỏ trống nếu không cần; "
        "tên trang và tiêu đề cột phải giữ nguyên, thứ tự cột không quan trọng.",
    ),
    (
        "2.",
        "Dòng in nghiêng màu xám ngay dưới tiêu đề là ví dụ: có thể xóa hoặc để nguyên, "
        "dòng ví dụ không được nhập.",
    ),
    (
        "3.",
        "Số định danh (số CCCD) gồm 12 chữ số; cột này đã định dạng văn bản để Excel giữ "
        "số 0 ở đầu.",
    ),
    ("4.", "Ngày viết theo ngày/tháng/năm, ví dụ 21/04/2023."),
    ("5.", "Có/Không: chọn trong danh sách; để trống nghĩa là Không."),
    (
        "6.",
        "Trang Người dân: mỗi dòng là một người dân do một thành viên hướng dẫn. Người "
        "hướng dẫn phải có trong danh sách thành viên (trên hệ thống hoặc trang Thành viên).",
    ),
    (
        "7.",
        "Mức định danh (1 hoặc 2) và Ngày kích hoạt phải có cùng nhau; để trống cả hai nếu "
        "người dân chưa kích hoạt.",
    ),
    (
        "8.",
        "Đối tượng của người dân: Người dân, hoặc Cán bộ, Đoàn viên/Hội viên, Công "
        "chức/Viên chức, Lực lượng vũ trang (những người này không được tính kết quả).",
    ),
    (
        "9.",
        "Một người dân do hai thành viên cùng kê khai là kê khai trùng: không tính cho ai "
        "cho đến khi huyện xem xét.",
    ),
    ("10.", "Nhập lại cùng một tệp không làm thay đổi gì; nhập không bao giờ xóa dữ liệu cũ."),
    (
        "11.",
        "Nếu có lỗi, không dòng nào được nhập: tải tệp báo lỗi, sửa trong cột “Lỗi” chỉ ra, "
        "rồi tải lên lại.",
    ),
)


def write_template(out):
    """Write the empty template workbook (the three sheets, an example row each, drop-down
    lists, ID and phone columns as text, and a notes sheet) to the binary stream `out`."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F0")
    example_font = Font(italic=True, color="7F7F7F")
    last_row = 5000
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.title)
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index, value=column.header)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if column.required:
                cell.comment = Comment("Bắt buộc", "VNeID")
            sheet.column_dimensions[letter].width = column.width
            example = sheet.cell(row=2, column=index, value=column.example or None)
            example.font = example_font
            if column.text:
                sheet.column_dimensions[letter].number_format = "@"
                example.number_format = "@"
                for row in range(3, 201):
                    sheet.cell(row=row, column=index).number_format = "@"
            if column.choices:
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=column.header,
                    error="Chọn một giá trị trong danh sách.",
                )
                validation.add(f"{letter}2:{letter}{last_row}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("Hướng dẫn")
    notes.column_dimensions["A"].width = 6
    notes.column_dimensions["B"].width = 100
    for row, (number, text) in enumerate(NOTES, start=1):
        notes.cell(row=row, column=1, value=number).font = bold if row == 1 else Font()
        notes.cell(row=row, column=2, value=text).alignment = Alignment(wrap_text=True)
    row = len(NOTES) + 2
    notes.cell(row=row, column=1, value="Cột").font = bold
    for spec in SHEETS:
        row += 1
        notes.cell(row=row, column=1, value=spec.title).font = bold
        for column in spec.columns:
            row += 1
            described = column.header + (" (bắt buộc)" if column.required else "")
            if column.choices:
                described += ": " + " · ".join(column.choices)
            notes.cell(row=row, column=2, value=described)
    workbook.active = 0
    workbook.save(out)


def example_rows():
    """{sheet key: {column key: folded example value}}: a row equal to the template's
    example is skipped, never imported."""
    return {
        spec.key: {c.key: fold(c.example) for c in spec.columns if c.example} for spec in SHEETS
    }


# --- The error workbook --------------------------------------------------------------------


def write_error_workbook(path, fmt, problems, out):
    """The uploaded workbook with an “Lỗi” column on each sheet that has errors, each wrong
    row's reasons in it (a previous “Lỗi” column is reused and cleared), written as .xlsx.

    `problems` maps a sheet title to {row number: [reasons]} (row 0 or the header row for
    problems with the sheet itself)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    workbook = None
    if fmt == "xlsx":
        try:
            with open(path, "rb") as stream:  # a file object: openpyxl judges names by extension
                workbook = openpyxl.load_workbook(stream)
        except Exception:  # noqa: BLE001 - keep the values at least
            workbook = None
    if workbook is None:
        workbook = _copy_to_openpyxl(path)
    red = PatternFill("solid", fgColor="F8D7DA")
    problems = {
        normalize_name(title): rows for title, rows in problems.items()
    }  # as Problem names them
    for sheet in workbook.worksheets:
        rows = problems.get(normalize_name(sheet.title))
        header_row = _header_row_of(sheet)
        column = _previous_error_column(sheet, header_row)
        if column:  # a previous error workbook uploaded again: its reasons are cleared
            for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=column, max_col=column):
                cell.value = None
                cell.fill = PatternFill()
        if not rows:
            continue
        # After every column the sheet uses (a header on two rows, or a column without a
        # header, must not be written over).
        column = column or sheet.max_column + 1
        sheet.cell(row=header_row, column=column, value=ERROR_HEADER).font = Font(
            bold=True, color="B3261E"
        )
        sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = 60
        for row, reasons in rows.items():
            target = sheet.cell(row=max(row, header_row) if row else header_row, column=column)
            text = "\n".join(reasons)
            if row and row != header_row:
                target.value = text
                target.fill = red
            else:
                target.value = ERROR_HEADER + ": " + text
    workbook.save(out)


def _header_row_of(sheet):
    """The sheet's (last) header row: found as the import found it, by the sheet's name or,
    for a list kept on "Sheet1", by its headers; 1 when it is none of the three."""
    head = [
        (number, list(cells))
        for number, cells in enumerate(
            sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1
        )
    ]
    spec = _spec_for(sheet.title)
    specs = [spec] if spec is not None else SHEETS
    best = None
    for candidate in specs:
        found = _find_header(candidate, head)
        if found is None:
            continue
        if spec is None and not all(c.key in found[1] for c in candidate.columns if c.required):
            continue
        if best is None or len(found[1]) > best[0]:
            best = (len(found[1]), found[0])
    return best[1] if best else 1


def _previous_error_column(sheet, header_row):
    """The column headed “Lỗi” (an error workbook uploaded again), or None."""
    for row in sheet.iter_rows(min_row=1, max_row=header_row):
        for cell in row:
            if isinstance(cell.value, str) and fold(cell.value) == fold(ERROR_HEADER):
                return cell.column
    return None


def _copy_to_openpyxl(path):
    """An .xls or .ods workbook's values in a new openpyxl workbook (formatting is lost;
    values and row numbers are kept, so the secretary can fix the rows in place)."""
    import openpyxl
    import python_calamine

    with open(path, "rb") as stream:
        source = python_calamine.CalamineWorkbook.from_filelike(stream)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    try:
        for name in source.sheet_names:
            sheet = workbook.create_sheet(name[:31])
            for cells in source.get_sheet_by_name(name).iter_rows():
                sheet.append([_cell_for_openpyxl(c) for c in cells])
    finally:
        source.close()
    return workbook


def _cell_for_openpyxl(value):
    if value == "":
        return None
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value


def template_bytes():
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()
