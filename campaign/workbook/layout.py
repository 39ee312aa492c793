"""A sheet as found in a file: its header row, its data rows, and the rows under the header
that are not the list's (repeated headers, column numbers, headings, totals, signatures).
"""

import re
from dataclasses import dataclass, field

from units.models import UNIT_CODE_VALIDATOR
from units.normalize import fold, normalize_id_number, normalize_name

from .errors import too_many_rows
from .headers import find_header, header_key, lookup_for
from .spec import HEADER_SEARCH_ROWS, UNIT_KIND_ALIASES, UNIT_KINDS, SheetSpec


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
    # Columns whose header names a column already found to its left: (index, text as
    # written, key); the first is read, these are not (a warning says so).
    repeated: list = field(default_factory=list)

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


def sheet_from_rows(spec, title, rows, max_rows, merged=(), first_column=0):
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
    found = find_header(spec, buffered)
    if found is None:
        sheet.empty = all(_blank_row(cells) for _number, cells in buffered)
        return sheet
    sheet.header_row, columns = found
    sheet.columns = {key: index for key, (index, _text) in columns.items()}
    sheet.repeated = _repeated_headers(spec, buffered, sheet.header_row, sheet.columns)
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


def _repeated_headers(spec, buffered, header_row, columns):
    """The header row's cells that name a column read from another cell of that row."""
    lookup = lookup_for(spec)
    cells = next((cells for number, cells in buffered if number == header_row), [])
    repeated = []
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            key = header_key(lookup, cell)
            if key and key in columns and columns[key] != index:
                repeated.append((index, normalize_name(cell), key))
    return repeated


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
    lookup = lookup_for(sheet.spec)
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
