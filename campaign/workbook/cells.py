"""The one way a cell of data goes into a workbook the project writes with openpyxl (the
error workbook of an import, the dashboards' downloads): a text is written as text, never
as a formula (a name or village typed "=1+1" stays those characters), a day as a day in
dd/mm/yyyy. (The report workbook is written by XlsxWriter, whose write_string does the same.)
"""

import datetime

DAY = "dd/mm/yyyy"


def data_cell(sheet, value, number_format=None):
    """`value` ready for `sheet.append` of a write-only sheet: a WriteOnlyCell for a text or
    a day (or when `number_format` is given), else the value itself."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # as typed: a text beginning "=" is no formula
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format or (DAY if _is_day(value) else f"{DAY} hh:mm")
        return cell
    elif number_format and value is not None:
        cell = WriteOnlyCell(sheet, value=value)
    else:
        return value
    if number_format:
        cell.number_format = number_format
    return cell


def _is_day(value):
    return not isinstance(value, datetime.datetime) or (
        value.hour == value.minute == value.second == value.microsecond == 0
    )
