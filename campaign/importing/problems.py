"""What an import reports: a Problem (an error or a warning, located as Excel shows it), and
the row numbers of a second list of a kind, which name their sheet.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from units.normalize import (
    normalize_name,
)


@dataclass
class Problem:
    """An error or a warning: the sheet and row as Excel shows them, the column header."""

    sheet: str = ""
    row: int = 0
    column: str = ""
    message: str = ""
    code: str = ""

    def __post_init__(self):
        # One line each, composed: a header written "Số định\ndanh" or a sheet name typed
        # in decomposed Unicode reads as the secretary sees it.
        self.sheet, self.column = normalize_name(self.sheet), normalize_name(self.column)
        self.row = int(self.row)  # a RowNumber names its sheet in `sheet` already
        if "\n" in self.message or "\r" in self.message:  # a cell's value quoted in it
            self.message = normalize_name(self.message)

    def __str__(self):
        if self.sheet and self.row and self.column:
            return _("Sheet %(sheet)s, row %(row)s, column %(column)s: %(message)s") % vars(self)
        if self.sheet and self.row:
            return _("Sheet %(sheet)s, row %(row)s: %(message)s") % vars(self)
        if self.sheet:
            return _("Sheet %(sheet)s: %(message)s") % vars(self)
        return self.message


class RowNumber(int):
    """A row number as Excel shows it, on a second (third...) list of a kind: a sheet per
    month or per village. Where a message names a row, it names that sheet too."""

    def __new__(cls, number, sheet):
        row = super().__new__(cls, number)
        row.sheet = sheet
        return row

    def __getnewargs__(self):
        return int(self), self.sheet

    def __str__(self):
        return _("%(row)d (sheet “%(sheet)s”)") % {"row": self, "sheet": self.sheet.title}


def other_row(number, sheet, first_sheets):
    """How a message about a row of `sheet` names another row of the same kind of list: by
    its number, and by its sheet too when that is another one."""
    other = getattr(number, "sheet", None) or first_sheets.get(sheet.spec.key)
    return str(int(number)) if other is sheet else str(RowNumber(number, other))


def plan_error(plan, key, row, column, message, code):
    plan.errors.append(plan_problem(plan.parsed, key, row, column, message, code))


def plan_problem(parsed, key, row, column, message, code):
    """A Problem on `row` of the `key` list: of the first such sheet, or of the one a
    RowNumber names."""
    sheet = getattr(row, "sheet", None)
    if sheet is None:
        return Problem(parsed.title(key), row, parsed.header(key, column), message, code)
    return Problem(sheet.title, row, sheet.header(column), message, code)
