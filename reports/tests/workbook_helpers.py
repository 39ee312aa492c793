"""Reading the report workbook back, as the province's clerks would: openpyxl, by sheet name."""

import io

import openpyxl


def open_report(source):
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    return openpyxl.load_workbook(source)


def table(sheet, first_header):
    """The rows under the table's header (found by the text of its first column), as cells;
    a numbered list's totals row ("Tổng cộng: 417 thành viên") ends it (see `totals`)."""
    rows = list(sheet.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == first_header)
    body = []
    for row in rows[start + 1 :]:
        if row[0].value is None and all(cell.value is None for cell in row[:3]):
            break
        if first_header == "STT" and str(row[0].value).startswith("Tổng cộng"):
            break
        body.append(row)
    return body


def values(rows):
    return [[cell.value for cell in row] for row in rows]


def totals(sheet):
    """The totals row of a sheet's table, as values: the last row whose first cell starts
    with "Tổng cộng"."""
    return next(
        [cell.value for cell in row]
        for row in reversed(list(sheet.iter_rows()))
        if str(row[0].value).startswith("Tổng cộng")
    )
