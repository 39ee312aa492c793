"""Reading one cell: the converters of each kind of value (text, names, unit codes, ID and
phone numbers, levels, choices, birth dates), and the memoised reader of a column.
"""

import datetime
import re

from django.utils.translation import gettext as _
from django.utils.translation import override

from config.formats import day
from units.models import UNIT_CODE_VALIDATOR
from units.normalize import (
    clean_text,
    fold,
    is_blank,
    normalize_date,
    normalize_id_number,
    normalize_name,
    normalize_phone,
)

from .. import workbook as wb
from ..models import Place, ResidentCategory
from .problems import Problem


def shown(value):
    """A cell's value as the secretary sees it, for a message or a comparison."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return day(value)
    return normalize_name(value)


def read_text(value):
    """A text cell to store: invisible characters dropped; a control character (a NUL byte
    written as Excel's _x0000_, which PostgreSQL cannot store) is a ValueError."""
    return shown(clean_text(value) if isinstance(value, str) else value)


_SLASH = re.compile(r"\s*/\s*")


def choice_key(value):
    """A choice as looked up: folded, and "Đoàn viên / Hội viên" the same as
    "Đoàn viên/Hội viên"."""
    return _SLASH.sub("/", fold(value))


def lookup(labels, aliases=None):
    table = {choice_key(label): value for label, value in labels.items()}
    table.update({choice_key(label): value for label, value in (aliases or {}).items()})
    return table


UNIT_KINDS = lookup(wb.UNIT_KINDS, wb.UNIT_KIND_ALIASES)
MEMBER_CATEGORIES = lookup(wb.MEMBER_CATEGORIES, wb.MEMBER_CATEGORY_ALIASES)
RESIDENT_CATEGORIES = {
    **MEMBER_CATEGORIES,
    **lookup(
        dict.fromkeys((wb.RESIDENT_LABEL, *wb.RESIDENT_LABEL_ALIASES), ResidentCategory.RESIDENT)
    ),
}
SEXES = {**lookup(wb.SEXES), "m": "M", "f": "F", "nu gioi": "F", "nam gioi": "M"}


def places_lookup():
    table = lookup(wb.PLACES)
    for value, label in Place.choices:
        table.setdefault(fold(value), value)
        for language in ("vi", "en"):
            with override(language):
                table.setdefault(fold(str(label)), value)
    return table


def read_choice(table, value, choices):
    found = table.get(choice_key(value))
    if found is None:
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": shown(value), "choices": " · ".join(choices)}
        )
    return found


# "2", "2.0", "Mức 2", "mức độ 2", "Mức 2 (VNeID)"...
_LEVEL_TEXT = re.compile(r"^(?:muc(?: do)?\s*)?([12])(?:\.0)?(?:\s*\(.*\))?$")


def read_level(value):
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


def read_birth_date(value):
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


def read_unit_code(value):
    code = read_text(value).replace(" ", "")
    if not UNIT_CODE_VALIDATOR.regex.match(code):
        raise ValueError(str(UNIT_CODE_VALIDATOR.message))
    if len(code) > 50:
        raise ValueError(_("A unit code has at most 50 characters."))
    return code


def read_name(value):
    name = normalize_name(read_text(value))
    if len(name) > 255:
        raise ValueError(_("At most 255 characters."))
    return name


class Invalid:
    """What a cell reader returns for a blank cell (`message` None) or a wrong one (`soft`:
    a detail left blank with a warning, not an error)."""

    __slots__ = ("message", "soft")

    def __init__(self, message, soft=False):
        self.message = message
        self.soft = soft


BLANK = Invalid(None)


def cell_reader(convert, *, memo=True, limit=50_000):
    """`convert` for one column's cells: blank cells give BLANK, a ValueError gives an
    Invalid with its message. With `memo`, each distinct value is converted once (a column
    of dates, choices or guides' ID numbers holds few of them)."""

    def read(value):
        if value is None or (value.__class__ is str and not value.strip()):
            return BLANK
        try:
            return convert(value)
        except ValueError as exc:
            return Invalid(str(exc), isinstance(exc, SoftDetail))

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


def read_id_number(value):
    """normalize_id_number, with the common case (12 digits typed as text) first."""
    if value.__class__ is str and len(value) == 12 and value.isdigit() and value.isascii():
        return value
    return normalize_id_number(value, workbook_cell=True)


def read_phone(value):
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


class Row:
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

    def read(self, key, convert, *, required=False, detail=False):
        """The cell of column `key` converted, or None when blank or wrong. Wrong is an error
        of the row; for a `detail` (which counts for nothing) or a SoftDetail, a warning,
        the cell left blank."""
        value = self.raw(key)
        if is_blank(value):
            if required:
                self.error(key, _("This value is required."), "required")
            return None
        try:
            return convert(value)
        except ValueError as exc:
            if not (detail or isinstance(exc, SoftDetail)):
                self.error(key, str(exc), "invalid")
                return None
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
