"""Writing workbooks: the empty template with a worked example and notes, and the error
workbook (the uploaded file with a column naming each row's errors).
"""

import datetime
import io

from units.normalize import fold, normalize_name

from .headers import find_header
from .read import spec_for
from .spec import ERROR_HEADER, HEADER_SEARCH_ROWS, LISTS_TITLE, SHEETS

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
    # Each drop-down's items are cells of a hidden sheet, one column per list, referred to by
    # range: an item may hold a comma ("Bệnh viện, trạm y tế"), which a list typed into the
    # validation itself would split in two, and Excel refuses the right value then.
    lists = workbook.create_sheet(LISTS_TITLE)
    lists.sheet_state = "hidden"
    ranges = {}

    def list_range(choices):
        if choices not in ranges:
            letter = get_column_letter(len(ranges) + 1)
            for row, item in enumerate(choices, start=1):
                lists.cell(row=row, column=len(ranges) + 1, value=item).number_format = "@"
            ranges[choices] = f"'{LISTS_TITLE}'!${letter}$1:${letter}${len(choices)}"
        return ranges[choices]

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
                    formula1=list_range(tuple(column.choices)),
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
    workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1 - workbook.index(lists))
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
    spec = spec_for(sheet.title)
    specs = [spec] if spec is not None else SHEETS
    best = None
    for candidate in specs:
        found = find_header(candidate, head)
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
