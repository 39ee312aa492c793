"""Step 1, the file on its own: its sheets read, each row checked alone and against the other
rows of the file, without the database. The units and members sheets are read here; the
residents sheet in parse_residents.
"""

import contextlib
import gc

from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from units.normalize import (
    check_id_number,
    check_phone,
    fold,
    normalize_phone,
    normalize_yes_no,
)

from .. import workbook as wb
from .cells import (
    MEMBER_CATEGORIES,
    UNIT_KINDS,
    Row,
    read_birth_date,
    read_choice,
    read_id_number,
    read_name,
    read_unit_code,
    shown,
)
from .parse_residents import parse_residents_sheet
from .problems import Problem, RowNumber, other_row
from .records import MemberRow, ParsedWorkbook, UnitRow


@contextlib.contextmanager
def without_gc():
    """The row objects are long-lived and acyclic: the cyclic garbage collector would only
    rescan them again and again (it doubled the time of a 100,000-row import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_workbook(path, progress=None) -> ParsedWorkbook:
    """Read and check the workbook at `path` on its own (see module docstring).
    `progress(done, total)`, if given, is told the rows read of the rows in all, per sheet."""
    with without_gc():
        return _parse_workbook(path, progress)


def _parse_workbook(path, progress=None):
    parsed = ParsedWorkbook(path=str(path))
    try:
        book = wb.read_workbook(path)
    except wb.WorkbookError as exc:
        parsed.errors.append(Problem(message=exc.message, code=exc.code))
        return parsed
    parsed.format = book.format
    if not book.sheets:
        parsed.errors.append(
            Problem(
                message=_(
                    "The workbook has no sheet named %(names)s. Use the template workbook, "
                    "or rename your sheets."
                )
                % {"names": ", ".join(f"“{s.title}”" for s in wb.SHEETS)},
                code="no_sheet",
            )
        )
        return parsed
    titles = {spec.key: spec.title for spec in wb.SHEETS}
    for name, key in book.recognised.items():
        if book.sheets[key].title == name:
            parsed.warnings.append(
                Problem(
                    name,
                    0,
                    "",
                    _("Read as the “%(sheet)s” sheet, recognised by its column headers.")
                    % {"sheet": titles[key]},
                    "sheet_recognised",
                )
            )
    for sheet in book.also:
        parsed.warnings.append(
            Problem(
                sheet.title,
                0,
                "",
                _(
                    "Read as a “%(sheet)s” list too: its rows are imported with those of "
                    "“%(first)s”."
                )
                % {"sheet": titles[sheet.spec.key], "first": book.sheets[sheet.spec.key].title},
                "sheet_also_read",
            )
        )
    examples = wb.example_rows()
    _read_sheets(parsed, book, examples, progress)
    if not parsed.sheets and not parsed.errors:
        parsed.errors.append(
            Problem(
                message=_("The workbook's sheets are empty: there is nothing to import."),
                code="no_rows",
            )
        )
    return parsed


def _read_sheets(parsed, book, examples, progress=None):
    order = [
        (spec, sheet)
        for spec in wb.SHEETS
        if spec.key in book.sheets
        for sheet in [book.sheets[spec.key], *(s for s in book.also if s.spec.key == spec.key)]
    ]
    total = sum(len(sheet.rows) for _spec, sheet in order)
    done = 0
    if progress:
        progress(0, total)
    for spec, sheet in order:
        rows = len(sheet.rows)
        tell = (lambda read, before=done: progress(before + read, total)) if progress else None
        _read_sheet(parsed, spec, sheet, examples, tell)
        done += rows
        if progress:
            progress(done, total)


def _told(rows, tell, every=2000):
    """The rows as they are, telling `tell` how many were read every `every` rows."""
    for read, row in enumerate(rows):
        if not read % every:
            tell(read)
        yield row


def _read_sheet(parsed, spec, sheet, examples, tell=None):
    if sheet.empty:
        parsed.warnings.append(
            Problem(sheet.title, 0, "", _("This sheet is empty: not read."), "empty_sheet")
        )
        return
    parsed.read_titles.append(sheet.title)
    if spec.key not in parsed.sheets:
        parsed.sheets[spec.key] = sheet  # rows there are plain numbers
        renumber = False
    else:
        renumber = True  # a further list of the kind: its rows name their sheet
    if not sheet.header_row:
        parsed.errors.append(
            Problem(
                sheet.title,
                0,
                "",
                _("No header row found in the first %(count)d rows; the headers are: %(headers)s.")
                % {
                    "count": wb.HEADER_SEARCH_ROWS,
                    "headers": ", ".join(c.header for c in spec.columns if c.required),
                },
                "no_header",
            )
        )
        return
    for column in sheet.missing:
        parsed.errors.append(
            Problem(
                sheet.title,
                sheet.header_row,
                column.header,
                _("This required column is missing."),
                "missing_column",
            )
        )
    if sheet.missing:
        return
    _warn_set_aside(parsed, sheet)
    _warn_repeated_headers(parsed, sheet)
    rows = sheet.rows
    sheet.rows = []  # the rows are read once; do not keep two copies
    if (
        rows
        and rows[0][0] == sheet.header_row + 1
        and _is_example(sheet, rows[0][1], examples[spec.key])
    ):
        parsed.warnings.append(
            Problem(
                sheet.title,
                rows[0][0],
                "",
                _("The template's example row was skipped."),
                "example",
            )
        )
        rows = rows[1:]
    if renumber:
        rows = [(RowNumber(number, sheet), cells) for number, cells in rows]
    if tell:
        rows = _told(rows, tell)
    {"units": _parse_units, "members": _parse_members, "residents": parse_residents_sheet}[
        spec.key
    ](parsed, sheet, rows)


def _set_aside_reasons():
    return {
        wb.SKIP_HEADER: _("Not read: this row repeats the column headers."),
        wb.SKIP_NUMBERS: _("Not read: this row numbers the columns."),
        wb.SKIP_HEADING: _("Not read: a heading merged across the columns, not a row of the list."),
        wb.SKIP_TOTALS: _("Not read: a totals row."),
    }


def _warn_repeated_headers(parsed, sheet):
    """Two columns with one header: the first is read; the secretary is told which."""
    for index, text, key in sheet.repeated:
        parsed.warnings.append(
            Problem(
                sheet.title,
                sheet.header_row,
                text,
                _(
                    "Column %(column)s has the same header as column %(first)s, “%(header)s”: "
                    "only column %(first)s is read. Rename one if both are needed."
                )
                % {
                    "column": xl_col_to_name(index),
                    "first": xl_col_to_name(sheet.columns[key]),
                    "header": sheet.header(key),
                },
                "repeated_header",
            )
        )


def _warn_set_aside(parsed, sheet):
    """A warning for each row under the header that is not one of the list's (see
    workbook._set_aside), so the secretary sees what was left out."""
    reasons = _set_aside_reasons()
    for first, last, code in sheet.skipped:
        if code == wb.SKIP_SIGNATURES and first == last:
            message = _("Row %(row)d under the list (place and date, signatures) was not read.") % {
                "row": first
            }
        elif code == wb.SKIP_SIGNATURES:
            message = _(
                "Rows %(first)d–%(last)d under the list (place and date, signatures) were not read."
            ) % {"first": first, "last": last}
        else:
            message = reasons[code]
        parsed.warnings.append(Problem(sheet.title, first, "", message, "not_read_" + code))


def _is_example(sheet, cells, example):
    present = [key for key in example if key in sheet.columns]
    if not present:
        return False
    for key in present:
        index = sheet.columns[key]
        value = cells[index] if index < len(cells) else None
        if fold(shown(value)) != example[key]:
            return False
    return True


def _parse_units(parsed, sheet, rows):
    kinds = list(wb.UNIT_KINDS)
    for number, cells in rows:
        row = Row(parsed, sheet, number, cells)
        code = row.read("code", read_unit_code, required=True)
        if code:
            parsed.unit_codes_seen.add(code)
        name = row.read("name", read_name, required=True)
        kind = row.read("kind", lambda v: read_choice(UNIT_KINDS, v, kinds), required=True)
        parent_code = row.read("parent_code", read_unit_code) or ""
        if row.failed:
            continue
        if parent_code == code:
            row.error("parent_code", _("A unit cannot be its own parent."), "cycle")
            continue
        record = UnitRow(number, code, name, kind, parent_code)
        other = parsed.units.get(code)
        if other is None:
            parsed.units[code] = record
        elif (other.name, other.kind, other.parent_code) != (name, kind, parent_code):
            row.error(
                "code",
                _(
                    "Unit code %(code)s is also on row %(other)s, with different "
                    "details; keep one row."
                )
                % {"code": code, "other": other_row(other.row, sheet, parsed.sheets)},
                "conflicting_duplicate",
            )
    # A parent chain inside the file that loops back on itself.
    for code, record in parsed.units.items():
        seen, current = {code}, record.parent_code
        while current in parsed.units:
            if current in seen:
                parsed.errors.append(
                    Problem(
                        sheet.title,
                        record.row,
                        sheet.header("parent_code"),
                        _("The parent units loop back to this unit."),
                        "cycle",
                    )
                )
                break
            seen.add(current)
            current = parsed.units[current].parent_code


FLAG_KEYS = ("has_level2_account", "vneid_activated", "portal_used")


def _parse_members(parsed, sheet, rows):
    categories = list(wb.MEMBER_CATEGORIES)
    flag_keys = [key for key in FLAG_KEYS if key in sheet.columns]
    for number, cells in rows:
        row = Row(parsed, sheet, number, cells)
        unit_code = row.read("unit_code", read_unit_code, required=True)
        full_name = row.read("full_name", read_name, required=True)
        id_number = row.read("id_number", read_id_number, required=True)
        if id_number:
            parsed.member_ids_seen.add(id_number)
        category = row.read(
            "category", lambda v: read_choice(MEMBER_CATEGORIES, v, categories), required=True
        )
        birth_date = row.read("birth_date", read_birth_date)
        phone = row.read("phone", normalize_phone, detail=True) or ""
        flags = {key: row.read(key, normalize_yes_no) or False for key in flag_keys}
        if row.failed:
            continue
        for message in check_id_number(id_number, birth_date=birth_date):
            row.warn("id_number", message, "id_structure")
        for message in check_phone(phone):
            row.warn("phone", message, "phone_prefix")
        record = MemberRow(
            number, unit_code, full_name, id_number, category, birth_date, phone, flags
        )
        other = parsed.members.get(id_number)
        if other is None:
            parsed.members[id_number] = record
        elif (
            other.unit_code,
            other.full_name,
            other.category,
            other.birth_date,
            other.phone,
            other.flags,
        ) != (unit_code, full_name, category, birth_date, phone, flags):
            row.error(
                "id_number",
                _(
                    "ID number %(id)s is also on row %(other)s, with different "
                    "details; keep one row."
                )
                % {"id": id_number, "other": other_row(other.row, sheet, parsed.sheets)},
                "conflicting_duplicate",
            )
