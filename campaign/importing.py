"""Importing the workbook unit secretaries fill in (shared/domain/interfaces.md §1).

Three steps, each usable alone:

1. `parse_workbook(path)` reads the file and checks every row on its own and against the
   other rows of the file (no database): typed values, required values, duplicates.
2. `plan_import(parsed, campaign=, user=)` checks the rows against the database (unit codes,
   guides, the user's scope) and works out what would change: new / changed / unchanged
   rows per sheet and the double claims the file creates. It writes nothing: it is the
   preview.
3. `write_import(plan)` writes a plan without errors (the caller holds the transaction).

`import_workbook(path, campaign=, user=, dry_run=)` runs the three in one transaction,
all or nothing, planning again inside the transaction so the checks hold against the
database as it is when the rows are written; concurrent imports of overlapping lists are
safe (ON CONFLICT on the unique keys; retried on a deadlock, or when another import created
a resident this one planned as new).
"""

import contextlib
import csv
import re
import datetime
import gc
import io
import itertools
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from units.models import UNIT_CODE_VALIDATOR, Member, Unit
from units.normalize import (
    check_id_number,
    clean_text,
    check_phone,
    fold,
    is_blank,
    normalize_date,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    normalize_yes_no,
)

from . import workbook as wb
from .bulk import insert_objects, reserve_ids
from .claims import refresh_rule_inputs, residents_guided_in, residents_with_id_numbers
from .models import Case, Place, Resident, ResidentCategory

logger = logging.getLogger(__name__)
BATCH = 5000


# --- What an import reports ------------------------------------------------------------------


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


def _other_row(number, sheet, first_sheets):
    """How a message about a row of `sheet` names another row of the same kind of list: by
    its number, and by its sheet too when that is another one."""
    other = getattr(number, "sheet", None) or first_sheets.get(sheet.spec.key)
    return str(int(number)) if other is sheet else str(RowNumber(number, other))


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self):
        return self.new + self.changed + self.unchanged


@dataclass
class DoubleClaim:
    """A resident that, once the file is imported, two or more members claim."""

    id_number: str
    full_name: str
    rows: list
    guides: list  # [(full name, unit code)]


# --- Parsed rows --------------------------------------------------------------------------


@dataclass(slots=True)
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str


@dataclass(slots=True)
class MemberRow:
    row: int
    unit_code: str
    full_name: str
    id_number: str
    category: str
    birth_date: object
    phone: str
    flags: dict


@dataclass(slots=True)
class ResidentRow:
    rows: list
    id_number: str
    full_name: str
    birth_date: object = None
    sex: str = ""
    phone: str = ""
    address: str = ""
    village: str = ""
    commune: str = ""
    category: object = None  # None: not given


@dataclass(slots=True)
class CaseRow:
    row: int
    id_number: str
    guide_id_number: str
    eid_level: object
    activated_on: object
    portal_used: bool
    id_card_application: object  # None: column absent
    guided_on: object
    place: str
    note: str


@dataclass
class ParsedWorkbook:
    """The file's rows, normalised and checked without the database."""

    path: str = ""
    format: str = ""
    sheets: dict = field(default_factory=dict)  # spec key -> workbook.Sheet (rows dropped)
    read_titles: list = field(default_factory=list)  # every sheet read, in reading order
    units: dict = field(default_factory=dict)  # code -> UnitRow
    members: dict = field(default_factory=dict)  # id number -> MemberRow
    residents: dict = field(default_factory=dict)  # id number -> ResidentRow
    cases: dict = field(default_factory=dict)  # (id number, guide id number) -> CaseRow
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Keys seen on rows that have errors: not "unknown" to the rows that refer to them.
    unit_codes_seen: set = field(default_factory=set)
    member_ids_seen: set = field(default_factory=set)

    def title(self, key):
        sheet = self.sheets.get(key)
        return sheet.title if sheet else {s.key: s.title for s in wb.SHEETS}[key]

    def header(self, key, column):
        sheet = self.sheets.get(key)
        return sheet.header(column) if sheet else wb.SHEETS_BY_KEY[key].column(column).header


wb.SHEETS_BY_KEY = {spec.key: spec for spec in wb.SHEETS}


@dataclass
class ImportPlan:
    """What importing the file would do, and why it cannot, if it cannot."""

    parsed: ParsedWorkbook
    campaign: object = None
    user: object = None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # units, members, residents, cases -> Counts
    double_claims: list = field(default_factory=list)
    written: bool = False
    # The writes, filled by plan_import for write_import.
    new_units: list = field(default_factory=list)  # UnitRow, parents first
    changed_units: list = field(default_factory=list)  # (pk, UnitRow)
    member_writes: list = field(default_factory=list)  # MemberRow merged
    moved_members: list = field(default_factory=list)  # pks of members changing unit
    resident_writes: list = field(default_factory=list)  # ResidentRow merged
    case_writes: list = field(default_factory=list)  # CaseRow merged
    resident_pks: dict = field(default_factory=dict)  # id number -> pk (existing)
    member_pks: dict = field(default_factory=dict)  # id number -> pk (existing)
    unit_pks: dict = field(default_factory=dict)  # code -> pk (existing)
    # For the rule inputs of residents new at plan time (all their cases are in the file):
    guide_kinds: dict = field(default_factory=dict)  # guide id number -> unit kind
    roster_ids: set = field(default_factory=set)  # ID numbers on a member roster (database or file)

    @property
    def ok(self):
        return not self.errors

    def summary(self):
        """One line per sheet: new, changed, unchanged."""
        lines = []
        labels = {
            "units": _("Units"),
            "members": _("Members"),
            "residents": _("Residents"),
            "cases": _("Cases (resident and guide)"),
        }
        for key, counts in self.counts.items():
            lines.append(
                _("%(what)s: %(new)d new, %(changed)d changed, %(unchanged)d unchanged")
                % {
                    "what": labels[key],
                    "new": counts.new,
                    "changed": counts.changed,
                    "unchanged": counts.unchanged,
                }
            )
        if self.double_claims:
            lines.append(
                _("Double claims the file creates: %(count)d") % {"count": len(self.double_claims)}
            )
        return lines

    def problems_by_sheet(self):
        """{sheet title: {row: [reasons]}} for the error workbook."""
        found = {}
        for problem in self.errors:
            if not problem.sheet:
                continue
            reason = f"{problem.column}: {problem.message}" if problem.column else problem.message
            found.setdefault(problem.sheet, {}).setdefault(problem.row, []).append(reason)
        return found


# --- Reading values -----------------------------------------------------------------------


def _shown(value):
    """A cell's value as the secretary sees it, for a message or a comparison."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return normalize_name(value)


def _text(value):
    """A text cell to store: invisible characters dropped; a control character (a NUL byte
    written as Excel's _x0000_, which PostgreSQL cannot store) is a ValueError."""
    return _shown(clean_text(value) if isinstance(value, str) else value)


_SLASH = re.compile(r"\s*/\s*")


def _choice_key(value):
    """A choice as looked up: folded, and "Đoàn viên / Hội viên" the same as "Đoàn viên/Hội viên"."""
    return _SLASH.sub("/", fold(value))


def _lookup(labels, aliases=None):
    table = {_choice_key(label): value for label, value in labels.items()}
    table.update({_choice_key(label): value for label, value in (aliases or {}).items()})
    return table


UNIT_KINDS = _lookup(wb.UNIT_KINDS, wb.UNIT_KIND_ALIASES)
MEMBER_CATEGORIES = _lookup(wb.MEMBER_CATEGORIES, wb.MEMBER_CATEGORY_ALIASES)
RESIDENT_CATEGORIES = {
    **MEMBER_CATEGORIES,
    **_lookup(
        dict.fromkeys((wb.RESIDENT_LABEL, *wb.RESIDENT_LABEL_ALIASES), ResidentCategory.RESIDENT)
    ),
}
SEXES = {**_lookup(wb.SEXES), "m": "M", "f": "F", "nu gioi": "F", "nam gioi": "M"}


def _places():
    table = _lookup(wb.PLACES)
    for value, label in Place.choices:
        table.setdefault(fold(value), value)
        for language in ("vi", "en"):
            with override(language):
                table.setdefault(fold(str(label)), value)
    return table


def _choice(table, value, choices):
    found = table.get(_choice_key(value))
    if found is None:
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": _shown(value), "choices": " · ".join(choices)}
        )
    return found


# "2", "2.0", "Mức 2", "mức độ 2", "Mức 2 (VNeID)"...
_LEVEL_TEXT = re.compile(r"^(?:muc(?: do)?\s*)?([12])(?:\.0)?(?:\s*\(.*\))?$")


def _level(value):
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (1, 2):
        return int(value)
    match = _LEVEL_TEXT.match(fold(value))
    if match:
        return int(match.group(1))
    raise ValueError(_("The e-ID level must be 1 or 2 (blank if not activated yet)."))


class SoftDetail(ValueError):
    """A detail that counts for nothing and cannot be kept as written: a warning, the cell
    left blank, not a reason to refuse the file."""


def _birth_date(value):
    """A birth date; the year alone ("1995", which Excel would read as a day in 1905) is a
    soft detail: the day and month are not known."""
    year = value
    if isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        year = int(value.strip())
    if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100:
        raise SoftDetail(_("Only the year of birth (%(year)d) is given.") % {"year": year})
    return normalize_date(value)


class _Row:
    """Reads one row's cells by column key, recording the errors against the column."""

    __slots__ = ("parsed", "sheet", "cells", "number", "failed")

    def __init__(self, parsed, sheet, number, cells):
        self.parsed, self.sheet, self.cells, self.number = parsed, sheet, cells, number
        self.failed = False

    def raw(self, key):
        index = self.sheet.columns.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def has(self, key):
        return key in self.sheet.columns

    def read(self, key, convert, *, required=False):
        value = self.raw(key)
        if is_blank(value):
            if required:
                self.error(key, _("This value is required."), "required")
            return None
        try:
            return convert(value)
        except SoftDetail as exc:
            self.warn(
                key,
                f"{exc} {_('The cell is left blank; the rest of the row is imported.')}",
                "detail_ignored",
            )
            return None
        except ValueError as exc:
            self.error(key, str(exc), "invalid")
            return None

    def read_detail(self, key, convert):
        """Like read, for a detail that counts for nothing: unreadable is a warning."""
        value = self.raw(key)
        if is_blank(value):
            return None
        try:
            return convert(value)
        except ValueError as exc:
            self.warn(
                key,
                f"{exc} {_('The cell is left blank; the rest of the row is imported.')}",
                "detail_ignored",
            )
            return None

    def error(self, key, message, code):
        self.failed = True
        self.parsed.errors.append(
            Problem(self.sheet.title, self.number, self.sheet.header(key), message, code)
        )

    def warn(self, key, message, code):
        self.parsed.warnings.append(
            Problem(
                self.sheet.title, self.number, self.sheet.header(key) if key else "", message, code
            )
        )


# --- Step 1: parse -----------------------------------------------------------------------


@contextlib.contextmanager
def _without_gc():
    """The row objects are long-lived and acyclic: the cyclic garbage collector would only
    rescan them again and again (it doubled the time of a 100,000-row import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_workbook(path):
    """Read and check the workbook at `path` on its own (see module docstring)."""
    with _without_gc():
        return _parse_workbook(path)


def _parse_workbook(path):
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
                    "Read as a “%(sheet)s” list too: its rows are imported with those of “%(first)s”."
                )
                % {"sheet": titles[sheet.spec.key], "first": book.sheets[sheet.spec.key].title},
                "sheet_also_read",
            )
        )
    examples = wb.example_rows()
    _read_sheets(parsed, book, examples)
    if not parsed.sheets and not parsed.errors:
        parsed.errors.append(
            Problem(
                message=_("The workbook's sheets are empty: there is nothing to import."),
                code="no_rows",
            )
        )
    return parsed


def _read_sheets(parsed, book, examples):
    for spec in wb.SHEETS:
        first = book.sheets.get(spec.key)
        if first is None:
            continue
        for sheet in [first, *(s for s in book.also if s.spec.key == spec.key)]:
            _read_sheet(parsed, spec, sheet, examples)


def _read_sheet(parsed, spec, sheet, examples):
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
    {"units": _parse_units, "members": _parse_members, "residents": _parse_residents}[spec.key](
        parsed, sheet, rows
    )


def _set_aside_reasons():
    return {
        wb.SKIP_HEADER: _("Not read: this row repeats the column headers."),
        wb.SKIP_NUMBERS: _("Not read: this row numbers the columns."),
        wb.SKIP_HEADING: _("Not read: a heading merged across the columns, not a row of the list."),
        wb.SKIP_TOTALS: _("Not read: a totals row."),
    }


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
        if fold(_shown(value)) != example[key]:
            return False
    return True


def _unit_code(value):
    code = _text(value).replace(" ", "")
    if not UNIT_CODE_VALIDATOR.regex.match(code):
        raise ValueError(str(UNIT_CODE_VALIDATOR.message))
    if len(code) > 50:
        raise ValueError(_("A unit code has at most 50 characters."))
    return code


def _name(value):
    name = normalize_name(_text(value))
    if len(name) > 255:
        raise ValueError(_("At most 255 characters."))
    return name


def _parse_units(parsed, sheet, rows):
    kinds = list(wb.UNIT_KINDS)
    for number, cells in rows:
        row = _Row(parsed, sheet, number, cells)
        code = row.read("code", _unit_code, required=True)
        if code:
            parsed.unit_codes_seen.add(code)
        name = row.read("name", _name, required=True)
        kind = row.read("kind", lambda v: _choice(UNIT_KINDS, v, kinds), required=True)
        parent_code = row.read("parent_code", _unit_code) or ""
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
                % {"code": code, "other": _other_row(other.row, sheet, parsed.sheets)},
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
        row = _Row(parsed, sheet, number, cells)
        unit_code = row.read("unit_code", _unit_code, required=True)
        full_name = row.read("full_name", _name, required=True)
        id_number = row.read("id_number", _id_number, required=True)
        if id_number:
            parsed.member_ids_seen.add(id_number)
        category = row.read(
            "category", lambda v: _choice(MEMBER_CATEGORIES, v, categories), required=True
        )
        birth_date = row.read("birth_date", _birth_date)
        phone = row.read_detail("phone", normalize_phone) or ""
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
                % {"id": id_number, "other": _other_row(other.row, sheet, parsed.sheets)},
                "conflicting_duplicate",
            )


class _Invalid:
    """What a cell reader returns for a blank cell (`message` None) or a wrong one (`soft`:
    a detail left blank with a warning, not an error)."""

    __slots__ = ("message", "soft")

    def __init__(self, message, soft=False):
        self.message = message
        self.soft = soft


BLANK = _Invalid(None)


def _cell_reader(convert, *, memo=True, limit=50_000):
    """`convert` for one column's cells: blank cells give BLANK, a ValueError gives an
    _Invalid with its message. With `memo`, each distinct value is converted once (a column
    of dates, choices or guides' ID numbers holds few of them)."""

    def read(value):
        if value is None or (value.__class__ is str and not value.strip()):
            return BLANK
        try:
            return convert(value)
        except ValueError as exc:
            return _Invalid(str(exc), isinstance(exc, SoftDetail))

    if not memo:
        return read
    cache = {}

    def read_memo(value):
        # By type too: 1, 1.0 and True are equal keys but not the same cell.
        key = value if value.__class__ is str else (value.__class__, value)
        try:
            return cache[key]
        except KeyError:
            result = read(value)
            if len(cache) < limit:
                cache[key] = result
            return result
        except TypeError:  # an unhashable value
            return read(value)

    return read_memo


def _id_number(value):
    """normalize_id_number, with the common case (12 digits typed as text) first."""
    if value.__class__ is str and len(value) == 12 and value.isdigit() and value.isascii():
        return value
    return normalize_id_number(value, workbook_cell=True)


def _phone(value):
    """normalize_phone, with the common case (already 0XXXXXXXXX as text) first."""
    if (
        value.__class__ is str
        and len(value) in (10, 11)
        and value[0] == "0"
        and value.isdigit()
        and value.isascii()
    ):
        return value
    return normalize_phone(value)


# The residents sheet's cells in the order they are read (and their errors reported): key,
# converter, memoised, required, default when blank or wrong.
RESIDENT_CELLS = (
    ("full_name", _name, True, True, None),
    ("id_number", _id_number, False, True, None),
    ("guide_id_number", _id_number, True, True, None),
    ("eid_level", _level, True, False, None),
    ("activated_on", normalize_date, True, False, None),
    ("portal_used", normalize_yes_no, True, False, False),
    ("id_card_application", normalize_yes_no, True, False, False),
    ("birth_date", _birth_date, True, False, None),
    ("sex", "sex", True, False, ""),
    ("phone", _phone, False, False, ""),
    ("address", _text, True, False, ""),
    ("village", _text, True, False, ""),
    ("commune", _text, True, False, ""),
    ("note", _text, True, False, ""),
    ("guided_on", normalize_date, True, False, None),
    ("category", "category", True, False, None),
)
TEXT_LIMITS = (("address", 255), ("village", 100), ("commune", 100))
# A resident's or member's own details that count for nothing: an unreadable value there is a
# warning and the cell is left blank, not a reason to refuse the whole file (interfaces.md
# lists what is wrong; these are not on that list).
SOFT_DETAILS = {"phone", "sex"}


def _parse_residents(parsed, sheet, rows):
    """The hot loop (100,000 rows in about a second): columns looked up once, each distinct
    value of a column converted once, no object per row but the records kept."""
    categories = [wb.RESIDENT_LABEL, *wb.MEMBER_CATEGORIES]
    places = _places()
    special = {
        "sex": lambda v: _choice(SEXES, v, list(wb.SEXES)),
        "category": lambda v: _choice(RESIDENT_CATEGORIES, v, categories),
    }
    columns = sheet.columns
    title = sheet.title
    errors, warnings = parsed.errors, parsed.warnings
    residents, cases = parsed.residents, parsed.cases
    readers = []
    for key, convert, memo, required, default in RESIDENT_CELLS:
        if key not in columns:
            continue
        convert = special.get(convert, convert)
        readers.append(
            (columns[key], _cell_reader(convert, memo=memo), required, default, sheet.header(key))
        )
    # Absent columns: their values, fixed (an absent card column is None: "not given").
    absent = {key: default for key, _c, _m, _r, default in RESIDENT_CELLS if key not in columns}
    if "id_card_application" in absent:
        absent["id_card_application"] = None
    present = [key for key, *_rest in RESIDENT_CELLS if key in columns]
    place_index = columns.get("place")
    place_cache = {}
    width = max(columns.values()) + 1
    required_message = _("This value is required.")
    left_blank = _("The cell is left blank; the rest of the row is imported.")
    header = sheet.header

    def error(number, column, message, code):
        errors.append(Problem(title, number, column, message, code))

    for number, cells in rows:
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        failed = False
        values = dict(absent)
        for (index, read, required, default, column), key in zip(readers, present):
            result = read(cells[index])
            if result.__class__ is _Invalid:
                if result.message is None:
                    if required:
                        error(number, column, required_message, "required")
                        failed = True
                elif key in SOFT_DETAILS or result.soft:
                    warnings.append(
                        Problem(
                            title,
                            number,
                            column,
                            result.message + " " + left_blank,
                            "detail_ignored",
                        )
                    )
                else:
                    error(number, column, result.message, "invalid")
                    failed = True
                result = default
            values[key] = result
        if place_index is not None:
            raw = cells[place_index]
            try:
                text, place = place_cache[raw if raw.__class__ is str else (raw.__class__, raw)]
            except (KeyError, TypeError):
                try:
                    text = _text(raw)
                except ValueError as exc:
                    error(number, header("place"), str(exc), "invalid")
                    failed, text, place = True, "", ""
                else:
                    place = places.get(fold(text), "") if text else ""
                    with contextlib.suppress(TypeError):
                        place_cache[raw if raw.__class__ is str else (raw.__class__, raw)] = (
                            text,
                            place,
                        )
            values["place"] = place
            if text and not place:
                # An unknown "how/where" is kept in the note, never an error.
                note = values["note"]
                values["note"] = f"{text}. {note}".strip() if note else text
        else:
            values["place"] = ""
        level, activated_on = values["eid_level"], values["activated_on"]
        if level is not None and activated_on is None and not failed:
            error(
                number,
                header("activated_on"),
                _("The activation date is required when the e-ID level is given."),
                "level_without_date",
            )
            failed = True
        elif activated_on is not None and level is None and not failed:
            error(
                number,
                header("eid_level"),
                _("The e-ID level (1 or 2) is required when an activation date is given."),
                "date_without_level",
            )
            failed = True
        for key, limit in TEXT_LIMITS:
            if len(values[key]) > limit:
                error(
                    number,
                    header(key),
                    _("At most %(count)d characters.") % {"count": limit},
                    "too_long",
                )
                failed = True
        if failed:
            continue
        id_number, guide = values["id_number"], values["guide_id_number"]
        birth_date, sex, phone = values["birth_date"], values["sex"], values["phone"]
        for message in check_id_number(id_number, birth_date=birth_date, sex=sex or None):
            warnings.append(Problem(title, number, header("id_number"), message, "id_structure"))
        if phone:
            for message in check_phone(phone):
                warnings.append(Problem(title, number, header("phone"), message, "phone_prefix"))
        category = values["category"]
        resident = residents.get(id_number)
        if resident is None:
            residents[id_number] = ResidentRow(
                [number],
                id_number,
                values["full_name"],
                birth_date,
                sex,
                phone,
                values["address"],
                values["village"],
                values["commune"],
                category,
            )
        else:
            _merge_resident(
                _Row(parsed, sheet, number, cells),
                resident,
                values["full_name"],
                {k: values[k] for k in RESIDENT_DETAILS[1:] if k in columns},
                category,
            )
        key = (id_number, guide)
        portal = values["portal_used"]
        case = CaseRow(
            number,
            id_number,
            guide,
            level,
            activated_on,
            portal,
            values["id_card_application"],
            values["guided_on"],
            values["place"],
            values["note"],
        )
        other = cases.get(key)
        if other is None:
            cases[key] = case
        elif (other.eid_level, other.activated_on, other.portal_used) != (
            level,
            activated_on,
            portal,
        ):
            error(
                number,
                header("id_number"),
                _(
                    "The same guide lists this resident on row %(other)s too, with a different level, "
                    "activation date or portal account; keep one row."
                )
                % {"other": _other_row(other.row, sheet, parsed.sheets)},
                "conflicting_duplicate",
            )
        else:
            for attr in ("id_card_application", "guided_on", "place", "note"):
                if getattr(case, attr) not in (None, ""):
                    setattr(other, attr, getattr(case, attr))


RESIDENT_DETAILS = ("full_name", "birth_date", "sex", "phone", "address", "village", "commune")


def _merge_resident(row, resident, full_name, values, category):
    """A resident listed on several rows: the last row's details are kept, a difference is
    a warning; a member category on any row excludes them."""
    incoming = {"full_name": full_name, **{k: values.get(k) for k in RESIDENT_DETAILS[1:]}}
    differing = []
    for key, value in incoming.items():
        if value in (None, ""):
            continue
        current = getattr(resident, key)
        if current not in (None, "") and current != value:
            differing.append(row.sheet.header(key))
        setattr(resident, key, value)
    if differing:
        row.warn(
            "",
            _(
                "This resident is also on row %(other)s with different details (%(columns)s); "
                "this row's are kept."
            )
            % {
                "other": _other_row(resident.rows[-1], row.sheet, row.parsed.sheets),
                "columns": ", ".join(differing),
            },
            "resident_details_differ",
        )
    if category is not None and category != resident.category:
        if (
            resident.category not in (None, ResidentCategory.RESIDENT)
            or category != ResidentCategory.RESIDENT
        ):
            excluded = category if category != ResidentCategory.RESIDENT else resident.category
            if resident.category is not None:
                row.warn(
                    "category",
                    _(
                        "This resident's category differs from row %(other)s; as a "
                        "category of cadres or members is given, they are not counted."
                    )
                    % {"other": _other_row(resident.rows[-1], row.sheet, row.parsed.sheets)},
                    "category_differs",
                )
            resident.category = excluded
    resident.rows.append(row.number)


# --- Step 2: plan -------------------------------------------------------------------------


def _batched(values):
    values = list(values)
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


class _Scope:
    """The units a user may import into: all of them for the command without --user."""

    def __init__(self, user):
        self.everything = user is None or getattr(user, "is_superuser", False)
        self.pks = (
            set()
            if self.everything
            else set(Unit.objects.editable_by(user).values_list("pk", flat=True))
        )

    def allows(self, pk):
        return self.everything or pk in self.pks


def plan_import(parsed, *, campaign, user=None):
    """What importing `parsed` into `campaign` as `user` would do; writes nothing."""
    with _without_gc():
        return _plan_import(parsed, campaign=campaign, user=user)


def _plan_import(parsed, *, campaign, user=None):
    plan = ImportPlan(
        parsed=parsed,
        campaign=campaign,
        user=user,
        errors=list(parsed.errors),
        warnings=list(parsed.warnings),
    )
    if parsed.errors and not parsed.sheets:
        return plan
    scope = _Scope(user)
    unit_ok = _plan_units(plan, scope)
    member_units = _plan_members(plan, scope, unit_ok)
    _plan_residents(plan, scope, member_units)
    # Sheet by sheet as they were read (units, members, residents), row by row.
    order = {normalize_name(title): index for index, title in enumerate(parsed.read_titles)}
    plan.errors.sort(key=lambda p: (order.get(p.sheet, -1), p.row))
    plan.warnings.sort(key=lambda p: (order.get(p.sheet, -1), p.row))
    return plan


def _error(plan, key, row, column, message, code):
    plan.errors.append(_problem(plan.parsed, key, row, column, message, code))


def _problem(parsed, key, row, column, message, code):
    """A Problem on `row` of the `key` list: of the first such sheet, or of the one a
    RowNumber names."""
    sheet = getattr(row, "sheet", None)
    if sheet is None:
        return Problem(parsed.title(key), row, parsed.header(key, column), message, code)
    return Problem(sheet.title, row, sheet.header(column), message, code)


def _plan_units(plan, scope):
    """Check the unit rows against the database; returns {code: (kind, allowed)} for every
    unit code the members may use (existing ones looked up on demand)."""
    parsed = plan.parsed
    codes = set(parsed.units) | {u.parent_code for u in parsed.units.values() if u.parent_code}
    codes |= {m.unit_code for m in parsed.members.values()}
    existing = {}
    for batch in _batched(codes):
        for unit in Unit.objects.filter(code__in=batch).values(
            "pk", "code", "name", "kind", "parent__code", "path"
        ):
            existing[unit["code"]] = unit
    plan.unit_pks = {code: unit["pk"] for code, unit in existing.items()}
    counts = plan.counts.setdefault("units", Counts()) if "units" in parsed.sheets else Counts()
    usable = {code: (unit["kind"], scope.allows(unit["pk"])) for code, unit in existing.items()}
    new = {}
    for code, record in parsed.units.items():
        unit = existing.get(code)
        parent = record.parent_code
        if parent and parent not in parsed.units and parent not in existing:
            if parent not in parsed.unit_codes_seen:
                _error(
                    plan,
                    "units",
                    record.row,
                    "parent_code",
                    _("No unit has the code %(code)s (neither in the system nor on this sheet).")
                    % {"code": parent},
                    "unknown_unit",
                )
            continue
        if not parent:
            parent_allowed = scope.everything
        elif parent in existing:
            parent_allowed = scope.allows(existing[parent]["pk"])
        else:
            parent_allowed = True  # new in this file: checked on its own row
        if unit is not None:
            if not scope.allows(unit["pk"]):
                _error(
                    plan,
                    "units",
                    record.row,
                    "code",
                    _("Unit %(code)s is not one of your units.") % {"code": code},
                    "out_of_scope",
                )
                continue
            new_parent = parent or unit["parent__code"]
            if parent and parent != unit["parent__code"]:
                if not parent_allowed:
                    _error(
                        plan,
                        "units",
                        record.row,
                        "parent_code",
                        _("Unit %(code)s is not one of your units.") % {"code": parent},
                        "out_of_scope",
                    )
                    continue
                if parent in existing and existing[parent]["path"].startswith(unit["path"]):
                    _error(
                        plan,
                        "units",
                        record.row,
                        "parent_code",
                        _("A unit cannot be placed under one of its own sub-units."),
                        "cycle",
                    )
                    continue
            if (unit["name"], unit["kind"], unit["parent__code"]) == (
                record.name,
                record.kind,
                new_parent,
            ):
                counts.unchanged += 1
            else:
                counts.changed += 1
                plan.changed_units.append(
                    (unit["pk"], UnitRow(record.row, code, record.name, record.kind, new_parent))
                )
            usable[code] = (record.kind, True)
        else:
            if not parent_allowed:
                if parent:
                    message = _("Unit %(code)s is not one of your units.") % {"code": parent}
                else:
                    message = _(
                        "A new unit must be placed under one of your units: give its parent unit's code."
                    )
                _error(plan, "units", record.row, "parent_code", message, "out_of_scope")
                continue
            counts.new += 1
            new[code] = record
            usable[code] = (record.kind, True)
    # New units, parents first (a parent in the file may itself be new).
    placed = set()
    while new:
        ready = [r for c, r in new.items() if r.parent_code not in new]
        if not ready:
            break  # a loop, reported by the parse step
        for record in ready:
            plan.new_units.append(record)
            placed.add(record.code)
            del new[record.code]
    return usable


MEMBER_FIELDS = ("full_name", "category", "birth_date", "phone")


def _plan_members(plan, scope, units):
    """Check the member rows; returns {id number: (unit kind, name, unit code, allowed)} for
    the workbook's members, for the residents sheet."""
    parsed = plan.parsed
    counts = plan.counts.setdefault("members", Counts()) if "members" in parsed.sheets else Counts()
    ids = list(parsed.members)
    existing = {}
    fields = ("pk", "id_number", "unit_id", "unit__code", *MEMBER_FIELDS, *FLAG_KEYS)
    for batch in _batched(ids):
        for member in Member.objects.filter(id_number__in=batch).values(*fields):
            existing[member["id_number"]] = member
    plan.member_pks.update({i: m["pk"] for i, m in existing.items()})
    found = {}
    for id_number, record in parsed.members.items():
        unit = units.get(record.unit_code)
        if unit is None:
            if record.unit_code not in parsed.unit_codes_seen:
                _error(
                    plan,
                    "members",
                    record.row,
                    "unit_code",
                    _(
                        "No unit has the code %(code)s (neither in the system nor on the “%(sheet)s” sheet)."
                    )
                    % {"code": record.unit_code, "sheet": wb.UNITS.title},
                    "unknown_unit",
                )
            continue
        if not unit[1]:
            _error(
                plan,
                "members",
                record.row,
                "unit_code",
                _("Unit %(code)s is not one of your units.") % {"code": record.unit_code},
                "out_of_scope",
            )
            continue
        member = existing.get(id_number)
        if member is not None and not scope.allows(member["unit_id"]):
            _error(
                plan,
                "members",
                record.row,
                "id_number",
                _("ID number %(id)s belongs to another unit, which is not one of your units.")
                % {"id": id_number},
                "out_of_scope",
            )
            continue
        found[id_number] = (unit[0], record.full_name, record.unit_code)
        if member is None:
            counts.new += 1
            plan.member_writes.append(record)
            continue
        merged = MemberRow(
            record.row,
            record.unit_code,
            record.full_name,
            id_number,
            record.category,
            record.birth_date or member["birth_date"],
            record.phone or member["phone"],
            {**{k: member[k] for k in FLAG_KEYS}, **record.flags},
        )
        same = (
            member["unit__code"] == merged.unit_code
            and all(member[k] == getattr(merged, k) for k in MEMBER_FIELDS)
            and all(member[k] == merged.flags[k] for k in FLAG_KEYS)
        )
        if same:
            counts.unchanged += 1
        else:
            counts.changed += 1
            plan.member_writes.append(merged)
            if member["unit__code"] != merged.unit_code:
                plan.moved_members.append(member["pk"])
    return found


CASE_FIELDS = (
    "eid_level",
    "activated_on",
    "portal_used",
    "id_card_application",
    "guided_on",
    "place",
    "note",
)


def _select_where_in(sql, column, values, *, numeric=False):
    """Rows of `sql` (with a `{where}` placeholder) where `column` is one of `values`. On
    PostgreSQL one statement with one array parameter, however many values (an IN list of
    100,000 parameters costs more to build than to run); elsewhere in batches."""
    values = list(values)
    if not values:
        return []
    rows = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ID numbers are 12 digits and keys are integers: nothing to quote.
            literal = "{" + ",".join(str(v) for v in values) + "}"
            cursor.execute(
                sql.format(where=f"{column} = ANY(%s::{'bigint' if numeric else 'text'}[])"),
                [literal],
            )
            return cursor.fetchall()
        for batch in _batched(values):
            cursor.execute(
                sql.format(where=f"{column} IN ({', '.join(['%s'] * len(batch))})"), batch
            )
            rows += cursor.fetchall()
    return rows


def _plan_residents(plan, scope, workbook_members):
    parsed = plan.parsed
    if "residents" not in parsed.sheets:
        return
    campaign = plan.campaign
    resident_counts = plan.counts.setdefault("residents", Counts())
    case_counts = plan.counts.setdefault("cases", Counts())
    cases = parsed.cases
    member_table, unit_table = Member._meta.db_table, Unit._meta.db_table
    resident_table, case_table = Resident._meta.db_table, Case._meta.db_table

    # Guides: in the file's member sheet, or on the roster (within the user's units).
    guide_ids = {guide for _id, guide in cases}
    roster = {}  # id number -> (pk, unit pk, unit code, unit kind, full name)
    for pk, id_number, unit_id, code, kind, name in _select_where_in(
        f"SELECT m.id, m.id_number, m.unit_id, u.code, u.kind, m.full_name FROM {member_table} m"
        f" JOIN {unit_table} u ON u.id = m.unit_id WHERE {{where}}",
        "m.id_number",
        guide_ids | set(parsed.residents),
    ):
        roster[id_number] = (pk, unit_id, code, kind, name)
    for id_number, member in roster.items():
        plan.member_pks.setdefault(id_number, member[0])
    guides = {}  # guide id number -> (kind, name, unit code)
    for guide in guide_ids:
        if guide in workbook_members:
            guides[guide] = workbook_members[guide]
        elif guide in roster:
            pk, unit_id, code, kind, name = roster[guide]
            if code in parsed.units:
                kind = parsed.units[code].kind  # the file changes the unit's kind
            guides[guide] = (kind, name, code) if scope.allows(unit_id) else None
    plan.guide_kinds = {guide: found[0] for guide, found in guides.items() if found}

    # The residents and this campaign's cases already recorded.
    existing = {}  # id number -> (pk, *RESIDENT_DETAILS, category)
    for row in _select_where_in(
        f"SELECT id, id_number, {', '.join(RESIDENT_DETAILS)}, category FROM {resident_table} WHERE {{where}}",
        "id_number",
        parsed.residents,
    ):
        existing[row[1]] = (row[0], *row[2:])
    plan.resident_pks = {i: r[0] for i, r in existing.items()}
    # Residents also guided in units this user may not edit (in any campaign): their recorded
    # details are kept and only blank ones filled in, as the forms do (services._resident_for).
    foreign = set()
    if not scope.everything and existing:
        mine = ",".join(str(int(pk)) for pk in scope.pks) or "0"
        foreign = {
            row[0]
            for row in _select_where_in(
                f"SELECT DISTINCT c.resident_id FROM {case_table} c JOIN {member_table} m ON m.id = c.member_id"
                f" WHERE m.unit_id NOT IN ({mine}) AND {{where}}",
                "c.resident_id",
                plan.resident_pks.values(),
                numeric=True,
            )
        }
    recorded = {}  # resident pk -> {member id number: (kind, name, unit code, *CASE_FIELDS)}
    for row in _select_where_in(
        f"SELECT c.resident_id, m.id_number, u.kind, m.full_name, u.code, {', '.join('c.' + f for f in CASE_FIELDS)}"
        f" FROM {case_table} c JOIN {member_table} m ON m.id = c.member_id JOIN {unit_table} u ON u.id = m.unit_id"
        f" WHERE c.campaign_id = {int(campaign.pk)} AND {{where}}",
        "c.resident_id",
        plan.resident_pks.values(),
        numeric=True,
    ):
        recorded.setdefault(row[0], {})[row[1]] = row[2:]  # (kind, name, code, *CASE_FIELDS)

    bad_rows = set()
    for (id_number, guide), case in cases.items():
        if guide in guides:
            if guides[guide] is None:
                _error(
                    plan,
                    "residents",
                    case.row,
                    "guide_id_number",
                    _("The guide %(id)s belongs to another unit, which is not one of your units.")
                    % {"id": guide},
                    "out_of_scope",
                )
                bad_rows.add(id_number)
            continue
        if guide not in parsed.member_ids_seen:
            _error(
                plan,
                "residents",
                case.row,
                "guide_id_number",
                _(
                    "No member has the ID number %(id)s: add them to the “%(sheet)s” sheet or to "
                    "their unit's roster."
                )
                % {"id": guide, "sheet": wb.MEMBERS.title},
                "unknown_guide",
            )
        bad_rows.add(id_number)

    on_roster = plan.roster_ids = set(roster) | set(parsed.members)
    for id_number, resident in parsed.residents.items():
        current = existing.get(id_number)
        if id_number in on_roster:
            plan.warnings.append(
                _problem(
                    parsed,
                    "residents",
                    resident.rows[0],
                    "id_number",
                    _(
                        "ID number %(id)s is on a member roster: this person is not counted as a resident."
                    )
                    % {"id": id_number},
                    "on_roster",
                )
            )
        if current is None:
            resident_counts.new += 1
            if resident.category is None:
                resident.category = ResidentCategory.RESIDENT
            plan.resident_writes.append(resident)
            continue
        if current[0] in foreign:
            # The recorded details, or the file's where those are blank.
            merged = (
                current[1] or resident.full_name,
                resident.birth_date if current[2] is None else current[2],
                current[3] or resident.sex,
                current[4] or resident.phone,
                current[5] or resident.address,
                current[6] or resident.village,
                current[7] or resident.commune,
                current[8] or resident.category,
            )
            given = (
                resident.full_name,
                resident.birth_date,
                resident.sex,
                resident.phone,
                resident.address,
                resident.village,
                resident.commune,
                resident.category,
            )
            if any(value not in (None, "") and value != kept for value, kept in zip(given, merged)):
                plan.warnings.append(
                    _problem(
                        parsed,
                        "residents",
                        resident.rows[0],
                        "id_number",
                        _(
                            "This resident is also guided in units you cannot edit: the details recorded "
                            "there are kept, only blank ones are filled in from this file."
                        ),
                        "details_kept",
                    )
                )
        else:
            # The file's details, or the recorded ones where the file leaves them blank.
            merged = (
                resident.full_name,
                current[2] if resident.birth_date is None else resident.birth_date,
                resident.sex or current[3],
                resident.phone or current[4],
                resident.address or current[5],
                resident.village or current[6],
                resident.commune or current[7],
                resident.category or current[8],
            )
        if merged == current[1:]:
            resident_counts.unchanged += 1
        else:
            resident_counts.changed += 1
            plan.resident_writes.append(ResidentRow(resident.rows, id_number, *merged))

    # Cases: new, changed or unchanged; and the double claims the file creates.
    gaining = set()  # residents the file gives a new guide: the only new double claims
    resident_pks = plan.resident_pks
    nothing = {}
    for (id_number, guide), case in cases.items():
        pk = resident_pks.get(id_number)
        before = recorded.get(pk, nothing).get(guide) if pk else None
        if before is None:
            case_counts.new += 1
            plan.case_writes.append(case)
            gaining.add(id_number)
            continue
        merged = (
            case.eid_level,
            case.activated_on,
            case.portal_used,
            before[6] if case.id_card_application is None else case.id_card_application,
            case.guided_on or before[7],
            case.place or before[8],
            case.note or before[9],
        )
        if before[3:] == merged:
            case_counts.unchanged += 1
        else:
            case_counts.changed += 1
            plan.case_writes.append(CaseRow(case.row, id_number, guide, *merged))
    by_resident = {}
    if gaining:
        for (id_number, _guide), case in cases.items():
            if id_number in gaining:
                by_resident.setdefault(id_number, []).append(case)

    across = campaign.double_claims_across_kinds
    for id_number, listed in by_resident.items():
        if id_number in bad_rows:
            continue
        pk = resident_pks.get(id_number)
        before = recorded.get(pk, {}) if pk else {}
        if len(listed) == 1 and not before:
            continue  # one guide, nobody else: no double claim
        added = [c.guide_id_number for c in listed if c.guide_id_number not in before]
        if not added:
            continue
        claimants = {g: c[:3] for g, c in before.items()}
        for case in listed:
            claimants[case.guide_id_number] = guides[case.guide_id_number]
        kinds = {}
        for guide, (kind, _name, _code) in claimants.items():
            kinds.setdefault(kind if not across else "", []).append(guide)
        doubled = [group for group in kinds.values() if len(group) > 1 and set(group) & set(added)]
        if doubled:
            resident = parsed.residents[id_number]
            rows = [c.row for c in listed]
            if any(isinstance(row, RowNumber) for row in rows):  # on several sheets: name each
                first = parsed.sheets["residents"]
                rows = [
                    row if isinstance(row, RowNumber) else RowNumber(row, first) for row in rows
                ]
            plan.double_claims.append(
                DoubleClaim(
                    id_number,
                    resident.full_name,
                    rows,
                    [claimants[g][1:] for group in doubled for g in group],
                )
            )


# --- Step 3: write ------------------------------------------------------------------------


def write_import(plan):
    """Write a plan without errors (inside the caller's transaction) and refresh the rule
    inputs of every resident it touched. Returns the primary keys of those residents."""
    with _without_gc():
        return _write_import(plan)


def _write_import(plan):
    if not plan.ok:
        raise ValueError("cannot write an import plan with errors")
    user = plan.user if getattr(plan.user, "is_authenticated", False) else None
    now = timezone.now()
    touched = set()

    unit_pks = dict(plan.unit_pks)
    for record in plan.new_units:
        unit = Unit(
            code=record.code,
            name=record.name,
            kind=record.kind,
            parent_id=unit_pks.get(record.parent_code) if record.parent_code else None,
        )
        unit.save()
        unit_pks[record.code] = unit.pk
    for pk, record in plan.changed_units:
        unit = Unit.objects.get(pk=pk)
        if unit.kind != record.kind:
            # Where double claims count within a unit kind, its members' residents compete
            # with other guides now.
            touched.update(residents_guided_in(units=[pk]))
        unit.name, unit.kind = record.name, record.kind
        unit.parent_id = unit_pks.get(record.parent_code) if record.parent_code else unit.parent_id
        unit.save()

    member_pks = dict(plan.member_pks)
    if plan.member_writes:
        members = [
            Member(
                unit_id=unit_pks[record.unit_code],
                full_name=record.full_name,
                id_number=record.id_number,
                category=record.category,
                birth_date=record.birth_date,
                phone=record.phone,
                **record.flags,
                created_by=user,
                updated_by=user,
                created_at=now,
            )
            for record in plan.member_writes
        ]
        # Members new at plan time go straight in (a concurrent import that added one meanwhile
        # makes this an IntegrityError, and import_workbook plans again); the others update.
        new = [m for m in members if m.id_number not in plan.member_pks]
        insert_objects(new, with_pks=True)
        changed = [m for m in members if m.id_number in plan.member_pks]
        flag_fields = sorted({k for r in plan.member_writes for k in r.flags})
        Member.objects.bulk_create(
            changed,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=["unit", *MEMBER_FIELDS, *flag_fields, "updated_by", "updated_at"],
        )
        member_pks.update((m.id_number, m.pk) for m in new)
        touched.update(residents_with_id_numbers([m.id_number for m in new]))
        if plan.moved_members:
            touched.update(
                Case.objects.filter(member_id__in=plan.moved_members).values_list(
                    "resident_id", flat=True
                )
            )

    missing = {c.guide_id_number for c in plan.case_writes} - set(member_pks)
    for batch in _batched(missing):
        member_pks.update(Member.objects.filter(id_number__in=batch).values_list("id_number", "pk"))

    writer = _PostgresWriter if connection.vendor == "postgresql" else _OrmWriter
    inputs = _NewResidentInputs(plan)
    resident_pks = dict(plan.resident_pks)
    resident_pks.update(writer.residents(plan.resident_writes, user, now, inputs))
    rows = [(resident_pks[c.id_number], member_pks[c.guide_id_number], c) for c in plan.case_writes]
    writer.cases(plan.campaign, rows, user, now, inputs)
    # Residents new at plan time went in with their rule inputs; the others are refreshed.
    touched.update(
        resident_pks[r.id_number] for r in plan.resident_writes if not inputs.is_new(r.id_number)
    )
    touched.update(pk for pk, _m, c in rows if not inputs.is_new(c.id_number))
    if touched:
        refresh_rule_inputs(resident_ids=touched)
    plan.written = True
    return touched


class _NewResidentInputs:
    """The stored rule inputs (see campaign.claims) of the residents that are new at plan
    time, worked out from the plan instead of refreshed after the write: all their cases are
    in this file, nobody else can list them before this transaction commits, and no
    resolution can name them. The definitions are claims' own; the import tests check that
    an import leaves no drift."""

    def __init__(self, plan):
        campaign = plan.campaign
        self.known = plan.resident_pks
        self.roster = plan.roster_ids
        self.excluded = {
            r.id_number
            for r in plan.resident_writes
            if r.id_number not in self.known
            and (
                r.category != ResidentCategory.RESIDENT
                or (campaign.roster_excludes_residents and r.id_number in self.roster)
            )
        }
        kinds = plan.guide_kinds
        self.group = (
            (lambda guide: "") if campaign.double_claims_across_kinds else kinds.__getitem__
        )
        self.claims = Counter(
            (c.id_number, self.group(c.guide_id_number))
            for c in plan.case_writes
            if c.id_number not in self.known
        )

    def is_new(self, id_number):
        return id_number not in self.known

    def on_roster(self, id_number):
        return id_number in self.roster

    def case(self, case):
        """claimants, resident_excluded, claim_awarded of a new resident's case."""
        return (
            self.claims[case.id_number, self.group(case.guide_id_number)],
            case.id_number in self.excluded,
            False,
        )


RESIDENT_COLUMNS = (
    "id_number",
    "full_name",
    "birth_date",
    "sex",
    "phone",
    "address",
    "village",
    "commune",
    "category",
)
# Written beside them: the folded name for search (Resident.search_name).
FOLDED_NAME = "search_name"
RULE_INPUTS = ("claimants", "resident_excluded", "claim_awarded")


class _OrmWriter:
    """The portable path (SQLite): bulk_create with ON CONFLICT DO UPDATE."""

    @staticmethod
    def residents(records, user, now, inputs):
        if not records:
            return {}
        Resident.objects.bulk_create(
            [
                Resident(
                    **{
                        k: getattr(r, k) or ("" if k not in ("birth_date",) else None)
                        for k in RESIDENT_COLUMNS
                    },
                    on_roster=inputs.on_roster(r.id_number),
                    created_by=user,
                    updated_by=user,
                    created_at=now,
                )
                for r in records
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=[*RESIDENT_COLUMNS[1:], FOLDED_NAME, "updated_by", "updated_at"],
        )
        found = {}
        for batch in _batched(r.id_number for r in records):
            found.update(
                Resident.objects.filter(id_number__in=batch).values_list("id_number", "pk")
            )
        return found

    @staticmethod
    def cases(campaign, rows, user, now, inputs):
        if not rows:
            return
        Case.objects.bulk_create(
            [
                Case(
                    campaign=campaign,
                    resident_id=resident,
                    member_id=member,
                    eid_level=c.eid_level,
                    activated_on=c.activated_on,
                    portal_used=c.portal_used,
                    id_card_application=bool(c.id_card_application),
                    guided_on=c.guided_on,
                    place=c.place,
                    note=c.note,
                    created_by=user,
                    updated_by=user,
                    created_at=now,
                    **(
                        dict(zip(RULE_INPUTS, inputs.case(c))) if inputs.is_new(c.id_number) else {}
                    ),
                )
                for resident, member, c in rows
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["campaign", "resident", "member"],
            update_fields=[*CASE_FIELDS, "updated_by", "updated_at"],
        )


class _CsvStream:
    """What COPY reads: the rows formatted as CSV a chunk at a time, as the server asks for
    them, so that the database inserts one chunk while Python formats the next (instead of
    waiting for the whole file to be formatted first). An empty unquoted field is NULL."""

    CHUNK = 2000  # rows

    def __init__(self, rows):
        self.rows = iter(rows)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def read(self, size=-1):
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(itertools.islice(self.rows, self.CHUNK))
        return self.buffer.getvalue()

    readline = read


def _copy(cursor, table, columns, rows, *, texts=()):
    """COPY `rows` into `table` as CSV. An empty unquoted field is NULL, except in the `texts`
    columns, where it is the empty string."""
    options = "FORMAT csv"
    if texts:
        options += f", FORCE_NOT_NULL ({', '.join(texts)})"
    # copy_expert is not among the methods Django wraps: a unique violation must still be an
    # IntegrityError (import_workbook retries it).
    with connection.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", _CsvStream(rows)
        )


RESIDENT_TEXTS = (
    "id_number",
    "full_name",
    "sex",
    "phone",
    "address",
    "village",
    "commune",
    "category",
    FOLDED_NAME,
)


def _resident_values(records):
    folded = {}  # names repeat a lot: fold each once
    for r in records:
        name = r.full_name
        search = folded.get(name)
        if search is None:
            search = folded[name] = fold(name)
        yield (
            r.id_number,
            name,
            r.birth_date,
            r.sex or "",
            r.phone or "",
            r.address or "",
            r.village or "",
            r.commune or "",
            r.category,
            search,
        )


def _stamps(now, user_id):
    """created_at, updated_at, created_by_id, updated_by_id as COPY text, formatted once
    (not once a row)."""
    at, by = now.isoformat(), "" if user_id is None else str(user_id)
    return (at, at, by, by)


def _case_values(rows):
    for resident, member, c in rows:
        yield (
            resident,
            member,
            c.eid_level,
            c.activated_on,
            c.portal_used,
            bool(c.id_card_application),
            c.guided_on,
            c.place,
            c.note,
        )


class _PostgresWriter:
    """The fast path. What the plan found new (residents not in the database, and their
    cases) is COPYed straight into its table with its rule inputs, the residents' ids
    reserved from their sequence first. The other residents and cases go through a temporary
    table and one INSERT ... SELECT ... ON CONFLICT DO UPDATE, then their rule inputs are
    refreshed. Rows in a stable order (ID number; resident, member) so that concurrent
    imports lock them in the same order. If another import created one of the "new"
    residents meanwhile, the COPY waits for it and then fails on the unique ID number (an
    IntegrityError): import_workbook plans again, sees the resident, and takes the ON
    CONFLICT path."""

    @staticmethod
    def residents(records, user, now, inputs):
        if not records:
            return {}
        table = Resident._meta.db_table
        user_id = user.pk if user else None
        new = sorted((r for r in records if inputs.is_new(r.id_number)), key=lambda r: r.id_number)
        changed = [r for r in records if not inputs.is_new(r.id_number)]
        found = {}
        with connection.cursor() as cursor:
            if new:
                ids = reserve_ids(table, len(new))
                stamps = _stamps(now, user_id)
                _copy(
                    cursor,
                    table,
                    (
                        "id",
                        *RESIDENT_COLUMNS,
                        FOLDED_NAME,
                        "on_roster",
                        "created_at",
                        "updated_at",
                        "created_by_id",
                        "updated_by_id",
                    ),
                    (
                        (pk, *values, inputs.on_roster(values[0]), *stamps)
                        for pk, values in zip(ids, _resident_values(new))
                    ),
                    texts=RESIDENT_TEXTS,
                )
                found.update(zip((r.id_number for r in new), ids))
            if changed:
                found.update(
                    _PostgresWriter._upsert_residents(cursor, table, changed, user_id, now)
                )
        return found

    @staticmethod
    def _upsert_residents(cursor, table, records, user_id, now):
        cursor.execute(
            "CREATE TEMPORARY TABLE import_resident (id_number varchar(12), full_name varchar(255),"
            " birth_date date, sex varchar(1), phone varchar(11), address varchar(255),"
            " village varchar(100), commune varchar(100), category varchar(20),"
            " search_name varchar(255)) ON COMMIT DROP"
        )
        _copy(
            cursor,
            "import_resident",
            (*RESIDENT_COLUMNS, FOLDED_NAME),
            _resident_values(records),
            texts=RESIDENT_TEXTS,
        )
        columns = ", ".join((*RESIDENT_COLUMNS, FOLDED_NAME))
        updates = ", ".join(
            f"{c} = EXCLUDED.{c}"
            for c in (*RESIDENT_COLUMNS[1:], FOLDED_NAME, "updated_at", "updated_by_id")
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}, on_roster, created_at, updated_at, created_by_id, updated_by_id)"
            f" SELECT {columns}, false, %s, %s, %s, %s FROM import_resident ORDER BY id_number"
            f" ON CONFLICT (id_number) DO UPDATE SET {updates} RETURNING id_number, id",
            [now, now, user_id, user_id],
        )
        found = dict(cursor.fetchall())
        cursor.execute("DROP TABLE import_resident")
        return found

    @staticmethod
    def cases(campaign, rows, user, now, inputs):
        if not rows:
            return
        table = Case._meta.db_table
        user_id = user.pk if user else None
        columns = ("resident_id", "member_id", *CASE_FIELDS)
        new = sorted(
            (row for row in rows if inputs.is_new(row[2].id_number)), key=lambda row: row[:2]
        )
        others = [row for row in rows if not inputs.is_new(row[2].id_number)]
        with connection.cursor() as cursor:
            if new:
                head, tail = (campaign.pk,), _stamps(now, user_id)
                _copy(
                    cursor,
                    table,
                    (
                        "campaign_id",
                        *columns,
                        *RULE_INPUTS,
                        "created_at",
                        "updated_at",
                        "created_by_id",
                        "updated_by_id",
                    ),
                    (
                        (*head, *values, *inputs.case(row[2]), *tail)
                        for row, values in zip(new, _case_values(new))
                    ),
                    texts=("place", "note"),
                )
            if others:
                _PostgresWriter._upsert_cases(
                    cursor, table, campaign, columns, others, user_id, now
                )

    @staticmethod
    def _upsert_cases(cursor, table, campaign, columns, rows, user_id, now):
        cursor.execute(
            "CREATE TEMPORARY TABLE import_case (resident_id bigint, member_id bigint,"
            " eid_level smallint, activated_on date, portal_used boolean,"
            " id_card_application boolean, guided_on date, place varchar(20), note text)"
            " ON COMMIT DROP"
        )
        _copy(cursor, "import_case", columns, _case_values(rows), texts=("place", "note"))
        names = ", ".join(columns)
        updates = ", ".join(
            f"{c} = EXCLUDED.{c}" for c in (*CASE_FIELDS, "updated_at", "updated_by_id")
        )
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, {names}, claimants, resident_excluded, claim_awarded,"
            f" created_at, updated_at, created_by_id, updated_by_id)"
            f" SELECT %s, {names}, 1, false, false, %s, %s, %s, %s FROM import_case"
            f" ORDER BY resident_id, member_id"
            f" ON CONFLICT (campaign_id, resident_id, member_id) DO UPDATE SET {updates}",
            [campaign.pk, now, now, user_id, user_id],
        )
        cursor.execute("DROP TABLE import_case")


# --- All together ---------------------------------------------------------------------------

RETRIES = 3


def import_workbook(path, *, campaign, user=None, dry_run=False):
    """Import the workbook at `path`: all or nothing. Returns the plan (errors, warnings,
    counts, double claims); `plan.written` tells whether anything was written."""
    from privacy.imports import record_import  # one event per import (who, file, counts)

    parsed = parse_workbook(path)
    if parsed.errors or dry_run:
        return plan_import(parsed, campaign=campaign, user=user)
    for attempt in range(1, RETRIES + 1):
        try:
            with transaction.atomic():
                plan = plan_import(parsed, campaign=campaign, user=user)
                if plan.ok:
                    record_import(plan=plan, path=path, resident_ids=write_import(plan))
            return plan
        except (IntegrityError, OperationalError) as exc:
            # A concurrent import created the same unit or member, or the two deadlocked:
            # plan again against what it wrote.
            if attempt == RETRIES or not _retryable(exc):
                raise
            logger.info("import retried after %s", exc.__class__.__name__)
    raise AssertionError("unreachable")


def _retryable(exc):
    if isinstance(exc, IntegrityError):
        return True
    text = str(exc).lower()
    return "deadlock" in text or "could not serialize" in text or "locked" in text
