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

from units.models import MemberCategory, UnitKind
from units.normalize import fold

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
}
RESIDENT_LABEL = "Người dân"
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

UNITS = SheetSpec("units", "Đơn vị", (
    Column("code", "Mã đơn vị", required=True, width=18, example="DOAN-XA-VD"),
    Column("name", "Tên đơn vị", required=True, width=36, example="Đoàn xã Ví Dụ"),
    Column("kind", "Loại", required=True, choices=tuple(UNIT_KINDS), width=14, example="Đoàn"),
    Column("parent_code", "Mã đơn vị cấp trên", width=20, example="HUYEN-DOAN-VD"),
))
MEMBERS = SheetSpec("members", "Thành viên", (
    Column("unit_code", "Mã đơn vị", required=True, width=18, example="DOAN-XA-VD"),
    Column("full_name", "Họ và tên", required=True, width=28, example="Lò Văn Ví Dụ"),
    Column("id_number", "Số định danh", required=True, text=True, width=16,
           example="014095000001", aliases=("Số CCCD", "Số định danh cá nhân", "CCCD", "Số căn cước", "Số căn cước công dân",
                    "Số CCCD/ĐDCN", "Số ĐDCN", "Số CCCD/Số định danh")),
    Column("category", "Đối tượng", required=True, choices=tuple(MEMBER_CATEGORIES), width=22,
           example="Đoàn viên/Hội viên"),
    Column("birth_date", "Ngày sinh", width=12, example="15/03/1995"),
    Column("phone", "Số điện thoại", text=True, width=14, example="0912345678"),
    Column("has_level2_account", "Định danh mức 2", choices=YES_NO, width=12, example=YES),
    Column("vneid_activated", "Đã kích hoạt VNeID", choices=YES_NO, width=12, example=YES),
    Column("portal_used", "Đã dùng Cổng DVC", choices=YES_NO, width=12, example=YES),
), aliases=("Thanh vien", "Danh sách thành viên"))
RESIDENTS = SheetSpec("residents", "Người dân", (
    Column("full_name", "Họ và tên", required=True, width=28, example="Quàng Thị Ví Dụ"),
    Column("id_number", "Số định danh", required=True, text=True, width=16,
           example="014195000002", aliases=("Số CCCD", "Số định danh cá nhân", "CCCD", "Số căn cước", "Số căn cước công dân",
                    "Số CCCD/ĐDCN", "Số ĐDCN", "Số CCCD/Số định danh")),
    Column("guide_id_number", "Số định danh người hướng dẫn", required=True, text=True,
           width=18, example="014095000001",
           aliases=("Số định danh của người hướng dẫn", "Số CCCD người hướng dẫn",
                    "CCCD người hướng dẫn", "Số định danh cán bộ hướng dẫn")),
    Column("eid_level", "Mức định danh", choices=LEVELS, width=10, example="2",
           aliases=("Mức độ định danh", "Mức tài khoản", "Mức độ")),
    Column("activated_on", "Ngày kích hoạt", width=12, example="02/05/2023",
           aliases=("Ngày kích hoạt tài khoản", "Ngày kích hoạt định danh")),
    Column("portal_used", "Tài khoản DVC", choices=YES_NO, width=10, example=YES,
           aliases=("Tài khoản Cổng DVC", "Cổng DVC", "Đã dùng Cổng DVC",
                    "Tài khoản dịch vụ công")),
    Column("category", "Đối tượng", choices=(RESIDENT_LABEL, *MEMBER_CATEGORIES), width=20,
           example=RESIDENT_LABEL),
    Column("birth_date", "Ngày sinh", width=12, example="20/10/1995"),
    Column("sex", "Giới tính", choices=tuple(SEXES), width=8, example="Nữ"),
    Column("phone", "Số điện thoại", text=True, width=14, example="0987654321"),
    Column("address", "Địa chỉ", width=30, example="Bản Ví Dụ, xã Ví Dụ"),
    Column("village", "Thôn, bản, tổ dân phố", width=16, aliases=("Thôn", "Bản", "Tổ dân phố")),
    Column("commune", "Xã, phường", width=16, aliases=("Xã", "Phường")),
    Column("guided_on", "Ngày hướng dẫn", width=12, example="02/05/2023"),
    Column("place", "Hình thức", choices=tuple(PLACES), width=20, example="Tại nhà"),
    Column("id_card_application", "Thu hồ sơ CCCD", choices=YES_NO, width=10),
    Column("note", "Ghi chú", width=30),
), aliases=("Nguoi dan", "Danh sách người dân"))
SHEETS = (UNITS, MEMBERS, RESIDENTS)

HEADER_SEARCH_ROWS = 10

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
    headers: dict = field(default_factory=dict)  # key -> header text as written
    rows: list = field(default_factory=list)  # (row number, [cells]) of non-blank rows

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
    # holding the residents' list): spec key -> the name as written.
    recognised: dict = field(default_factory=dict)
    # Sheets that look like one of the three (by name or headers) when that one was already
    # read from another sheet ("Người dân T5", "Người dân T6"): name -> spec key. Not read.
    not_read: dict = field(default_factory=dict)


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
            _("This is a PDF file, not an Excel workbook. Fill in the template workbook and "
              "upload that."), "pdf")
    text = _as_text(head)
    if text is not None:
        lowered = text.lstrip().lower()
        if lowered.startswith(("<html", "<!doctype", "<table", "<?xml", "<meta")):
            raise WorkbookError(
                _("This file is a web page or XML saved under an Excel name, not a real "
                  "workbook. Open it in Excel and save it as “Excel Workbook (.xlsx)”."), "html")
        raise WorkbookError(
            _("This is a text (CSV) file, not an Excel workbook. Open it in Excel and save it "
              "as “Excel Workbook (.xlsx)”, or copy its rows into the template."), "csv")
    raise WorkbookError(
        _("This file is not an Excel workbook (.xlsx, .xls) or an OpenDocument spreadsheet "
          "(.ods). Fill in the template workbook and upload that."), "unknown")


def too_large(size):
    return WorkbookError(
        _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into several "
          "workbooks, or delete unused sheets and pictures.")
        % {"size": round(size / 1048576, 1), "limit": round(settings.IMPORT_MAX_BYTES / 1048576, 1)},
        "too_large",
    )


def too_many_rows(sheet_title, rows):
    return WorkbookError(
        _("Sheet “%(sheet)s” has about %(rows)s rows; the limit is %(limit)s. Split it into "
          "several workbooks.")
        % {"sheet": sheet_title, "rows": f"{rows:,}".replace(",", "."),
           "limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", ".")},
        "too_many_rows",
    )


def damaged():
    return WorkbookError(
        _("The file is damaged or incomplete (perhaps the upload was cut off). Open it in "
          "Excel, save it again and upload it once more."), "damaged")


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
                _("This is a binary Excel workbook (.xlsb). Open it in Excel and save it as "
                  "“Excel Workbook (.xlsx)”."), "xlsb")
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        raise WorkbookError(
            _("This is a Word document renamed as a workbook. Copy the list into the template "
              "workbook in Excel and upload that."), "word")
    if "ppt/presentation.xml" in names:
        raise WorkbookError(
            _("This is a PowerPoint presentation, not an Excel workbook. Fill in the template "
              "workbook and upload that."), "powerpoint")
    raise WorkbookError(
        _("This is a ZIP archive, not an Excel workbook. Unpack it and upload the workbook "
          "inside."), "zip")


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
            _("This is a Word document (.doc), not an Excel workbook. Copy the list into the "
              "template workbook in Excel and upload that."), "word")
    return "xls"


def password_protected():
    return WorkbookError(
        _("The workbook is protected by a password. Open it in Excel, remove the password "
          "(File › Info › Protect Workbook) and upload it again."), "encrypted")


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
            return _sheet_from_rows(spec, name, data.iter_rows(), max_rows)

        not_read = {}
        for name in names:
            spec = _spec_for(name)
            if spec is not None and spec.key not in sheets:
                sheets[spec.key] = read(spec, name)
            elif spec is not None:
                not_read[name] = spec.key

        def head_of(name):
            data = workbook.get_sheet_by_name(name)
            # A sheet past the row limit is not a list anyone could import: not looked at.
            return iter(()) if data.total_height > max_rows + HEADER_SEARCH_ROWS else data.iter_rows()

        recognised = _recognise_by_headers(names, sheets, head_of, read, not_read)
        return Workbook(format=fmt, sheets=sheets, sheet_names=names, recognised=recognised,
                        not_read=not_read)
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

        not_read = {}
        for name in workbook.sheetnames:
            spec = _spec_for(name)
            if spec is not None and spec.key not in sheets:
                sheets[spec.key] = read(spec, name)
            elif spec is not None:
                not_read[name] = spec.key
        recognised = _recognise_by_headers(workbook.sheetnames, sheets, rows_of, read, not_read)
        return Workbook(format="xlsx", sheets=sheets, sheet_names=list(workbook.sheetnames),
                        recognised=recognised, not_read=not_read)
    except WorkbookError:
        raise
    except Exception:  # noqa: BLE001
        raise damaged() from None
    finally:
        workbook.close()


def _recognise_by_headers(names, sheets, rows_of, read, not_read):
    """Sheets not named as the template's but whose header row has every required column of
    one of the three (secretaries often keep their list on "Sheet1"): read as that sheet if
    it is still missing, else noted in `not_read`. Returns spec key -> sheet name, for a
    warning."""
    recognised = {}
    for name in names:
        if _spec_for(name) is not None:
            continue
        head = []
        for number, cells in enumerate(rows_of(name), start=1):
            head.append({fold(c) for c in cells if isinstance(c, str) and c.strip()})
            if number >= HEADER_SEARCH_ROWS:
                break
        best = None
        for spec in SHEETS:
            required = [c for c in spec.columns if c.required]
            for texts in head:
                if all(c.folded & texts for c in required):
                    score = sum(1 for c in spec.columns if c.folded & texts)
                    if best is None or score > best[0]:
                        best = (score, spec)
        if best is None:
            continue
        spec = best[1]
        if spec.key in sheets:
            not_read[name] = spec.key
        else:
            sheets[spec.key] = read(spec, name)
            recognised[spec.key] = name
    return recognised


def _sheet_from_rows(spec, title, rows, max_rows):
    """Find the header within the first rows (a title, blank rows or merged cells may sit
    above it), map the columns, and keep the non-blank rows under it with their numbers."""
    sheet = Sheet(spec=spec, title=title)
    lookup = {}
    for column in spec.columns:
        for name in column.folded:
            lookup[name] = column.key
    best = None
    buffered = []
    rows = iter(rows)
    for number, cells in enumerate(rows, start=1):
        cells = list(cells)
        buffered.append((number, cells))
        found = {}
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and cell.strip():
                key = lookup.get(fold(cell))
                if key and key not in found:
                    found[key] = (index, cell.strip())
        if found and (best is None or len(found) > len(best[1])):
            best = (number, found)
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return sheet
    sheet.header_row = best[0]
    sheet.columns = {key: index for key, (index, _text) in best[1].items()}
    sheet.headers = {key: text for key, (_index, text) in best[1].items()}
    data = sheet.rows
    for number, cells in buffered:
        if number > sheet.header_row and not _blank_row(cells):
            data.append((number, cells))
    if max_rows and len(data) > max_rows:
        raise too_many_rows(title, len(buffered))
    for number, cells in enumerate(rows, start=len(buffered) + 1):
        if not _blank_row(cells):
            if max_rows and len(data) >= max_rows:
                raise too_many_rows(title, number)
            data.append((number, cells if isinstance(cells, list) else list(cells)))
    return sheet


def _blank_row(cells):
    for cell in cells:
        if cell is not None and cell != "" and not (isinstance(cell, str) and not cell.strip()):
            return False
    return True


# --- The template --------------------------------------------------------------------------

NOTES = (
    ("Cách điền", ""),
    ("1.", "Mỗi trang (Đơn vị, Thành viên, Người dân) có thể bỏ trống nếu không cần; "
           "tên trang và tiêu đề cột phải giữ nguyên, thứ tự cột không quan trọng."),
    ("2.", "Dòng in nghiêng màu xám ngay dưới tiêu đề là ví dụ: có thể xóa hoặc để nguyên, "
           "dòng ví dụ không được nhập."),
    ("3.", "Số định danh (số CCCD) gồm 12 chữ số; cột này đã định dạng văn bản để Excel giữ "
           "số 0 ở đầu."),
    ("4.", "Ngày viết theo ngày/tháng/năm, ví dụ 21/04/2023."),
    ("5.", "Có/Không: chọn trong danh sách; để trống nghĩa là Không."),
    ("6.", "Trang Người dân: mỗi dòng là một người dân do một thành viên hướng dẫn. Người "
           "hướng dẫn phải có trong danh sách thành viên (trên hệ thống hoặc trang Thành viên)."),
    ("7.", "Mức định danh (1 hoặc 2) và Ngày kích hoạt phải có cùng nhau; để trống cả hai nếu "
           "người dân chưa kích hoạt."),
    ("8.", "Đối tượng của người dân: Người dân, hoặc Cán bộ, Đoàn viên/Hội viên, Công "
           "chức/Viên chức, Lực lượng vũ trang (những người này không được tính kết quả)."),
    ("9.", "Một người dân do hai thành viên cùng kê khai là kê khai trùng: không tính cho ai "
           "cho đến khi huyện xem xét."),
    ("10.", "Nhập lại cùng một tệp không làm thay đổi gì; nhập không bao giờ xóa dữ liệu cũ."),
    ("11.", "Nếu có lỗi, không dòng nào được nhập: tải tệp báo lỗi, sửa trong cột “Lỗi” chỉ ra, "
            "rồi tải lên lại."),
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
                    type="list", formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=True, showErrorMessage=True,
                    errorTitle=column.header, error="Chọn một giá trị trong danh sách.",
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
        spec.key: {c.key: fold(c.example) for c in spec.columns if c.example}
        for spec in SHEETS
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
    for sheet in workbook.worksheets:
        rows = problems.get(sheet.title)
        header_row = _header_row_of(sheet)
        column = _error_column(sheet, header_row)
        for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=column, max_col=column):
            cell.value = None
            cell.fill = PatternFill()
        if not rows:
            continue
        sheet.cell(row=header_row, column=column, value=ERROR_HEADER).font = Font(bold=True, color="B3261E")
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
    spec = _spec_for(sheet.title)
    if spec is None:
        return 1
    found = _sheet_from_rows(spec, sheet.title, sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), 0)
    return found.header_row or 1


def _error_column(sheet, header_row):
    last = 0
    for cell in sheet[header_row]:
        if isinstance(cell.value, str) and fold(cell.value) == fold(ERROR_HEADER):
            return cell.column
        if cell.value not in (None, ""):
            last = cell.column
    return last + 1


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
