"""Bounds on what an uploaded workbook may unpack to, checked before anything else reads it.

A 300 KB .xlsx can hold a 300 MB cell (text compresses a thousandfold), and calamine builds a
sheet as one dense block from its first to its last cell, so two cells at A1 and XFD1048576
ask for half a terabyte. The readers after this one trust what they are given; this check
trusts nothing the file says about itself (not ZipInfo.file_size, not <dimension>):

- every zip member is decompressed as a stream, with a running count of the bytes it really
  yields against a per-part and a per-file cap;
- every XML part goes through an incremental expat parser that refuses a DOCTYPE (so no
  entity, no external entity, no billion laughs), counts the characters of each cell as they
  arrive, counts the cells (ODS repeats included) and the span calamine would allocate, and
  caps the nesting depth and the bytes between two events (one giant tag or comment);
- an .xls (OLE) is bounded by its file size, then its sheets are measured and their cells'
  lengths checked as calamine reads them;
- the whole check stops after IMPORT_CHECK_SECONDS.

Memory stays at a few megabytes whatever the file holds: nothing is kept but counters.
Every refusal is a WorkbookError with one sentence for the secretary.
"""

import os
import struct
import time
import zipfile
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import WorkbookError, damaged

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

CHUNK = 256 * 1024
# No real workbook nests its XML deeper than a few dozen levels (ODS text spans included).
MAX_XML_DEPTH = 100
# Bytes the parser may take without reporting anything: a single tag, comment or
# processing instruction is buffered whole by expat, so one of 200 MB would be held in memory.
MAX_BYTES_WITHOUT_EVENT = 1024 * 1024
# Text outside any cell (a theme, a drawing): nothing reads it as a value, but one run of it
# is still held whole by some readers.
MAX_TEXT_OUTSIDE_CELLS = 1024 * 1024
# A zip's central directory is read whole by zipfile: a million empty members fill memory
# before any of them is opened. A workbook has a few dozen parts.
MAX_ZIP_MEMBERS = 10_000


def check_upload(path):
    """Refuse, with one sentence, a workbook at `path` whose unpacked contents pass the limits.
    Files that are not a zip or an OLE workbook are left to the format sniffing."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return
    if size == 0 or size > settings.IMPORT_MAX_BYTES:
        return  # the sniffing says so, in its own words
    with open(path, "rb") as f:
        head = f.read(8)
    limits = _Limits()
    if head.startswith(ZIP_MAGIC):
        _check_zip(path, size, limits)
    elif head.startswith(OLE_MAGIC):
        _check_ole(path, limits)


class _Limits:
    """The settings in force for one check, and the running totals against them."""

    def __init__(self):
        self.cell_chars = settings.IMPORT_MAX_CELL_CHARS
        self.part_bytes = settings.IMPORT_MAX_PART_BYTES
        self.unpacked_bytes = settings.IMPORT_MAX_UNPACKED_BYTES
        self.cells = settings.IMPORT_MAX_CELLS
        self.deadline = time.monotonic() + settings.IMPORT_CHECK_SECONDS
        self.unpacked = 0
        self.cells_seen = 0

    def tick(self):
        if time.monotonic() > self.deadline:
            raise too_slow()

    def add_cells(self, count):
        self.cells_seen += count
        if self.cells_seen > self.cells:
            raise too_many_cells()

    def check_span(self, rows, columns):
        if rows * columns > self.cells:
            raise too_many_cells()


# --- The sentences ----------------------------------------------------------------------


def cell_too_long():
    return WorkbookError(
        _(
            "A cell of the file holds more than %(limit)s characters, which no list of people "
            "has: check the file, save it again in Excel and upload it once more."
        )
        % {"limit": _number(settings.IMPORT_MAX_CELL_CHARS)},
        "cell_too_long",
    )


def unpacked_too_large(limit=None):
    limit = settings.IMPORT_MAX_UNPACKED_BYTES if limit is None else limit
    return WorkbookError(
        _(
            "Unpacked, the file holds more than %(limit)s MB of data, over the limit: split it "
            "into several workbooks, or delete unused sheets and pictures."
        )
        % {"limit": _number(max(limit // 1048576, 1))},
        "unpacked_too_large",
    )


def too_many_parts():
    return WorkbookError(
        _(
            "The file is made of more than %(limit)s parts, which no workbook is: open it in "
            "Excel, save it again and upload it once more."
        )
        % {"limit": _number(MAX_ZIP_MEMBERS)},
        "too_many_parts",
    )


def too_many_cells():
    return WorkbookError(
        _(
            "The file's sheets span more than %(limit)s cells, over the limit: delete the empty "
            "rows and columns far below or right of the list, or split it into several "
            "workbooks."
        )
        % {"limit": _number(settings.IMPORT_MAX_CELLS)},
        "too_many_cells",
    )


def not_a_plain_workbook():
    return WorkbookError(
        _(
            "The file holds XML structures that a workbook saved by Excel or LibreOffice never "
            "has (a DOCTYPE, entities, or nesting hundreds of levels deep), so it is not read: "
            "open it in Excel, save it again and upload it once more."
        ),
        "hostile_xml",
    )


def too_slow():
    return WorkbookError(
        _(
            "Checking the file took more than %(seconds)s seconds, so it was stopped: split it "
            "into several smaller workbooks."
        )
        % {"seconds": _number(settings.IMPORT_CHECK_SECONDS)},
        "check_too_slow",
    )


def _number(n):
    return f"{int(n):,}".replace(",", ".")


# --- Zip workbooks (.xlsx, .ods) ----------------------------------------------------------


def _check_zip(path, size, limits):
    if _declared_members(path, size) > MAX_ZIP_MEMBERS:
        raise too_many_parts()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                _check_member(archive, info, limits)
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise damaged() from None
    except NotImplementedError:  # a compression method zipfile lacks: nobody can read it
        raise damaged() from None
    except RuntimeError:  # an encrypted member
        raise damaged() from None


def _declared_members(path, size):
    """The number of members the end-of-central-directory record announces, read before
    zipfile builds an object for each of them."""
    with open(path, "rb") as f:
        tail_size = min(size, 65536 + 22)
        f.seek(size - tail_size)
        tail = f.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            return 0  # not a zip zipfile can open: the sniffing says it is damaged
        (count,) = struct.unpack("<H", tail[at + 10 : at + 12])
        if count != 0xFFFF:
            return count
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator < 0 or len(tail) < locator + 20:
            return 0
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        f.seek(offset)
        record = f.read(56)
        if not record.startswith(b"PK\x06\x06") or len(record) < 40:
            return 0
        (count,) = struct.unpack("<Q", record[32:40])
        return count


def _check_member(archive, info, limits):
    parser = None
    part = 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            if part == 0 and _looks_like_xml(chunk):
                # By content, not by name: a relationship may point a sheet at any part.
                parser = _PartParser(limits)
            part += len(chunk)
            limits.unpacked += len(chunk)
            if part > limits.part_bytes:
                raise unpacked_too_large(limits.part_bytes)
            if limits.unpacked > limits.unpacked_bytes:
                raise unpacked_too_large(limits.unpacked_bytes)
            if parser is not None:
                parser.feed(chunk)
            limits.tick()
    if parser is not None:
        parser.close()


def _looks_like_xml(chunk):
    start = chunk[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<") or start.startswith((b"\xff\xfe", b"\xfe\xff"))


class _PartParser:
    """An incremental, counting reading of one XML part; keeps no text, only counters.

    The handlers run once per element of a 100 MB sheet, so they are kept to a few
    comparisons: tags are matched exactly, and by their local part only when prefixed."""

    def __init__(self, limits):
        self.limits = limits
        # Without namespace processing: names are matched by their local part, whatever the
        # prefix, as the readers after this one do (an unbound prefix is no reason to refuse).
        parser = self.parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.CommentHandler = self._event
        parser.ProcessingInstructionHandler = self._event
        self.events = 0
        self.quiet_bytes = 0  # bytes fed since the parser last reported anything
        self.depth = 0
        self.cell_depth = 0  # depth of the cell being read (its text is counted), 0 outside one
        self.cell_chars = 0
        self.text_chars = 0  # characters since the last tag, anywhere in the part
        self.text_limit = max(limits.cell_chars, MAX_TEXT_OUTSIDE_CELLS)
        # Which reading applies is told by the elements, not by the part's name, which the
        # file's relationships may set to anything.
        self.sheet = False  # inside an xlsx <sheetData>
        self.ods = False  # inside an ODS <table:table>
        # Sheet geometry: xlsx cells name their place (r="B7"); ODS cells are placed by
        # counting, with their repeats.
        self.row = 0
        self.column = 0
        self.rows_repeated = 1
        self.columns_repeated = 1
        self.cell_filled = False
        self._new_sheet()

    def feed(self, chunk):
        before = self.events
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError:
            raise damaged() from None
        self.quiet_bytes = self.quiet_bytes + len(chunk) if self.events == before else 0
        if self.quiet_bytes > MAX_BYTES_WITHOUT_EVENT:
            raise not_a_plain_workbook()

    def close(self):
        try:
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            raise damaged() from None

    def _new_sheet(self):
        self.row = self.column = self.max_row = self.max_column = 0
        self.min_row = self.min_column = None

    def _refuse(self, *args):
        raise not_a_plain_workbook()

    def _event(self, *args):
        self.events += 1

    def _start(self, tag, attributes):
        self.events += 1
        self.text_chars = 0
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise not_a_plain_workbook()
        if self.cell_depth:
            return
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if self.sheet:
            if tag == "c":
                self._xlsx_cell(attributes)
                self.cell_depth = self.depth
                self.cell_chars = 0
            elif tag == "row":
                number = attributes.get("r", "")
                self.row = int(number) if number.isdigit() else self.row + 1
                self.column = 0
        elif self.ods:
            if tag == "table-cell" or tag == "covered-table-cell":
                self.columns_repeated = _repeat(attributes, "number-columns-repeated")
                self.cell_filled = any(k.endswith("value-type") for k in attributes)
                self.cell_depth = self.depth
                self.cell_chars = 0
            elif tag == "table-row":
                self.rows_repeated = _repeat(attributes, "number-rows-repeated")
                self.column = 0
        elif tag == "sheetData":
            self.sheet = True
            self._new_sheet()
        elif tag == "table":
            self.ods = True
            self._new_sheet()
        elif tag == "si" or tag == "comment" or tag == "annotation":
            self.cell_depth = self.depth
            self.cell_chars = 0

    def _end(self, tag):
        self.events += 1
        self.text_chars = 0
        if self.cell_depth == self.depth:
            self.cell_depth = 0
            if self.ods:
                self._ods_cell_end()
        elif not self.cell_depth and (self.sheet or self.ods):
            if ":" in tag:
                tag = tag.rpartition(":")[2]
            if tag == "table-row":
                self.row += self.rows_repeated
                self.rows_repeated = 1
            elif tag == "sheetData":
                self._check_xlsx_span()
                self.sheet = False
            elif tag == "table":
                self.ods = False
        self.depth -= 1

    def _text(self, data):
        self.events += 1
        if self.cell_depth:
            self.cell_chars += len(data)
            if self.cell_chars > self.limits.cell_chars:
                raise cell_too_long()
            if not self.cell_filled and not data.isspace():
                self.cell_filled = True
        else:
            self.text_chars += len(data)
            if self.text_chars > self.text_limit:
                raise cell_too_long()

    # xlsx: each <c> is one cell; calamine allocates rows x columns from the first to the
    # last cell it meets, so the span is what costs memory, not the count.
    def _xlsx_cell(self, attributes):
        reference = attributes.get("r")
        if reference:
            letters = reference.rstrip("0123456789")
            digits = reference[len(letters) :]
            if letters.isalpha() and len(letters) <= 3:
                self.column = _column_number(letters.upper())
            elif not letters:
                self.column += 1
            else:
                raise damaged()
            row = int(digits) if digits.isdigit() and len(digits) <= 8 else max(self.row, 1)
        else:
            self.column += 1
            row = max(self.row, 1)
        limits = self.limits
        limits.cells_seen += 1
        if limits.cells_seen > limits.cells:
            raise too_many_cells()
        if row > self.max_row:
            self.max_row = row
        if self.column > self.max_column:
            self.max_column = self.column
        if self.min_row is None or row < self.min_row:
            self.min_row = row
        if self.min_column is None or self.column < self.min_column:
            self.min_column = self.column
        if self.max_row > 1_048_576 or self.max_column > 16_384:
            raise damaged()
        if (self.max_row - self.min_row + 1) * (self.max_column - self.min_column + 1) > (
            limits.cells
        ):
            raise too_many_cells()

    def _check_xlsx_span(self):
        if self.min_row is not None:
            self.limits.check_span(
                self.max_row - self.min_row + 1, self.max_column - self.min_column + 1
            )

    # ODS: a cell repeated across columns in a row repeated down rows is that many cells to
    # calamine when it holds something; empty repeats (LibreOffice ends every sheet with
    # a million of them) cost nothing.
    def _ods_cell_end(self):
        if self.cell_filled:
            self.limits.add_cells(self.columns_repeated * self.rows_repeated)
            self.max_row = max(self.max_row, self.row + self.rows_repeated)
            self.max_column = max(self.max_column, self.column + self.columns_repeated)
            self.limits.check_span(self.max_row, self.max_column)
        self.column += self.columns_repeated
        self.columns_repeated = 1
        self.cell_filled = False


def _repeat(attributes, name):
    for key, value in attributes.items():
        if key.rpartition(":")[2] == name:
            return int(value) if value.isdigit() and 0 < int(value) < 10**9 else 1
    return 1


def _column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


# --- Old .xls workbooks (OLE) -------------------------------------------------------------


def _check_ole(path, limits):
    """An .xls is at most 65,536 rows by 256 columns and its file size is capped, so calamine
    can read it within bounds; each sheet's span and each cell's length are checked as it is
    read. A Word document or an encrypted .xlsx is left to the sniffing to name."""
    import python_calamine

    try:
        with open(path, "rb") as stream:
            workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
    except Exception:  # noqa: BLE001 - not an .xls calamine reads: the sniffing says what it is
        return
    try:
        for name in workbook.sheet_names:
            try:
                data = workbook.get_sheet_by_name(name)
            except Exception:  # noqa: BLE001 - the reading proper reports a damaged sheet
                continue
            limits.check_span(data.total_height or 0, data.total_width or 0)
            for cells in data.iter_rows():
                for value in cells:
                    if isinstance(value, str) and len(value) > limits.cell_chars:
                        raise cell_too_long()
                limits.add_cells(len(cells))
                limits.tick()
    finally:
        workbook.close()
