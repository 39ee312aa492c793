"""Writing workbooks: the empty template with a worked example and notes, and the error
workbook (the uploaded file with a column naming each row's errors).
"""

import datetime
import io

from units.normalize import fold, normalize_name

from .cells import data_cell
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
    Returns how many people it holds (its non-blank rows less each sheet's header row), for
    the access record.

    `problems` maps a sheet title to {row number: [reasons]} (row 0 or the header row for
    problems with the sheet itself).

    Streamed, whatever the upload's format: the rows are read one at a time (openpyxl's
    read-only mode for .xlsx, calamine for .xls and .ods) and written one at a time (a
    write-only workbook), so a 200,000-row upload takes no more memory than a small one. The
    values are kept, the formatting is not. Every text is written as text: a value beginning
    "=" is never made a formula."""
    import openpyxl

    problems = {
        normalize_name(title): rows for title, rows in problems.items()
    }  # as Problem names them
    book = openpyxl.Workbook(write_only=True)
    held = 0
    for title, rows, width in _source_sheets(path, fmt):
        held += _write_error_sheet(book, title, rows, width, problems.get(normalize_name(title)))
    if not book.worksheets:
        book.create_sheet("Sheet1")
    book.save(out)
    return held


def _source_sheets(path, fmt):
    """(title, rows, width) of each sheet of the upload, its rows read lazily."""
    if fmt == "xlsx":
        import openpyxl

        with open(path, "rb") as stream:  # a file object: openpyxl judges names by extension
            try:
                book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            except Exception:  # noqa: BLE001 - keep the values at least, as calamine reads them
                book = None
            if book is not None:
                try:
                    for sheet in book.worksheets:
                        yield sheet.title, sheet.iter_rows(values_only=True), sheet.max_column
                finally:
                    book.close()
                return
    import python_calamine

    with open(path, "rb") as stream:
        source = python_calamine.CalamineWorkbook.from_filelike(stream)
    try:
        for name in source.sheet_names:
            data = source.get_sheet_by_name(name)
            yield (
                name,
                ([_cell_for_openpyxl(c) for c in cells] for cells in data.iter_rows()),
                data.width,
            )
    finally:
        source.close()


def _write_error_sheet(book, title, rows, width, wrong):
    """One sheet copied row by row into `book`, with the reasons of its `wrong` rows in the
    “Lỗi” column. Returns its non-blank rows less the header row."""
    from itertools import chain, islice

    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    head = [list(cells) for cells in islice(rows, HEADER_SEARCH_ROWS)]
    header_row = _header_row_in(title, head)
    previous = _previous_error_column_in(head, header_row)
    sheet = book.create_sheet(title[:31])
    column = None
    sheet_wide = []
    if wrong:
        column = previous or max(width or 0, max((len(r) for r in head), default=0)) + 1
        sheet.column_dimensions[get_column_letter(column)].width = 60
        for row in sorted(wrong):
            if not row or row <= header_row:  # about the sheet itself
                sheet_wide.extend(wrong[row])
    red = PatternFill("solid", fgColor="F8D7DA")
    bold = Font(bold=True, color="B3261E")

    def cell_of(value):
        return data_cell(sheet, value)

    held = last = 0
    for number, cells in enumerate(chain(head, rows), start=1):
        last = number
        values = [cell_of(v) for v in cells]
        if previous and number > header_row and len(values) >= previous:
            values[previous - 1] = None  # a previous error workbook's reasons, cleared
        if column:
            reasons = None
            if number == header_row:
                reasons = ERROR_HEADER + (": " + "\n".join(sheet_wide) if sheet_wide else "")
            elif number in wrong:
                reasons = "\n".join(wrong[number])
            if reasons is not None:
                values.extend([None] * (column - len(values)))
                target = cell_of(reasons)
                if number == header_row:
                    target.font = bold
                else:
                    target.fill = red
                values[column - 1] = target
        if any(v not in (None, "") for v in values):
            held += 1
        sheet.append(values)
    if column:  # reasons of rows past the sheet's last (none expected): on rows of their own
        for number in sorted(n for n in wrong if n > max(last, header_row)):
            while last < number - 1:
                sheet.append([])
                last += 1
            target = cell_of("\n".join(wrong[number]))
            target.fill = red
            sheet.append([None] * (column - 1) + [target])
            last = number
            held += 1
    return max(held - 1, 0)


def _header_row_in(title, head):
    """The sheet's (last) header row among its first rows `head`: found as the import found
    it, by the sheet's name or, for a list kept on "Sheet1", by its headers; 1 when it is
    none of the three."""
    head = list(enumerate(head, start=1))
    spec = spec_for(title)
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


def _previous_error_column_in(head, header_row):
    """The column (1-based) headed “Lỗi” (an error workbook uploaded again), or None."""
    for cells in head[:header_row]:
        for index, value in enumerate(cells, start=1):
            if isinstance(value, str) and fold(value) == fold(ERROR_HEADER):
                return index
    return None


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
