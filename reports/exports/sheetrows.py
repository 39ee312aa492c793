"""A long table's rows written straight as sheet XML, spliced into a workbook XlsxWriter wrote.

XlsxWriter writes every cell through its general path: about 50 µs for a row of twelve
formatted cells, so 100,000 rows of the named list took longer than the rest of the report
together. The rows of one table all have the same shape, so they are written here as the
XML of the sheet (the file format, ECMA-376 Part 1 §18.3.1), each cell escaped exactly as
XlsxWriter escapes it, and XlsxWriter writes everything else: the sheet's page set-up, its
heading, its table header and one *template row* that holds each column's format.

After XlsxWriter has closed its workbook, `splice` reads the style of each column back from
the template row (the styles are XlsxWriter's: only the file is read, not its internals),
replaces the template row with the rows, corrects the sheet's dimension, and writes the
workbook to its target. The rows wait in a temporary file meanwhile, as XlsxWriter's own
constant-memory mode keeps them: a long list never sits in memory.
"""

import datetime
import io
import re
import shutil
import tempfile
import zipfile

from xlsxwriter.utility import xl_col_to_name

# What XlsxWriter escapes in a cell's text (xmlwriter: _escape_control_characters and
# _escape_data): control characters become _xHHHH_, a literal _xHHHH_ gets its underscore
# escaped, and &, < and > their entities.
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
MAX_TEXT = 32767  # the most characters a cell holds (XlsxWriter truncates there too)
# Excel's day numbers: day 1 is 1900-01-01, and 1900-02-29 (which did not exist) is day 60.
_EPOCH = datetime.date(1899, 12, 31)


def escape(text):
    """A cell's text as XlsxWriter writes it in an inline string."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def excel_day(day):
    """A date as Excel's day number (the 1900 date system, with its leap-year quirk)."""
    number = (day - _EPOCH).days
    return number + 1 if number > 59 else number


class SheetRows:
    """Rows of one table from 0-based row `first` down, as sheet XML, `styles` giving each
    column's style index; kept in a temporary file until `splice` copies them.

    `row(values, height)` adds the next row: a value is text (str), a date, a number, or
    None or "" for an empty cell that keeps its column's borders. `height` in points, for a
    row of wrapped text; None keeps the sheet's default."""

    def __init__(self, first, styles, total_styles=None):
        self.first = first
        self.count = 0
        self.letters = [xl_col_to_name(col) for col in range(len(styles))]
        self.styles = [str(style) for style in styles]
        self.total_styles = [str(style) for style in total_styles or styles]
        self.merged = []  # the ranges merged across a row, "A12:D12"
        self.file = tempfile.TemporaryFile()
        self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self._pending = []

    def total(self, values, merge=None):
        """The table's last row, in the totals' styles, its first `merge` cells merged."""
        if merge and merge > 1:
            number = self.first + self.count + 1
            self.merged.append(f"A{number}:{self.letters[merge - 1]}{number}")
        self.row(values, styles=self.total_styles)

    def row(self, values, height=None, styles=None):
        number = self.first + self.count + 1
        self.count += 1
        if height:
            parts = [f'<row r="{number}" ht="{height:g}" customHeight="1">']
        else:
            parts = [f'<row r="{number}">']
        append, letters, styles = parts.append, self.letters, styles or self.styles
        for col, value in enumerate(values):
            ref = f'r="{letters[col]}{number}" s="{styles[col]}"'
            if value is None or value == "":
                append(f"<c {ref}/>")
            elif type(value) is str:
                text = escape(value)
                space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
                append(f'<c {ref} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif isinstance(value, datetime.date):
                append(f"<c {ref}><v>{excel_day(value)}</v></c>")
            else:
                append(f"<c {ref}><v>{value:.16G}</v></c>")
        append("</row>")
        self._pending.append("".join(parts))
        if len(self._pending) >= 1000:
            self._text.write("".join(self._pending))
            self._pending.clear()

    def finish(self):
        """Flush the rows; returns their size in bytes, the file at its start."""
        self._text.write("".join(self._pending))
        self._pending.clear()
        self._text.flush()
        self._text.detach()
        size = self.file.tell()
        self.file.seek(0)
        return size


class Spliced:
    """The workbook XlsxWriter wrote (`workbook`, its bytes) whose sheet `sheet_index`
    ends with a template row at 0-based row `first`, `columns` cells wide (and, it may be,
    a second one under it with the styles of the totals row): `rows()` gives the SheetRows
    to fill in their place, `write(target)` the finished workbook."""

    def __init__(self, workbook, *, sheet_index, first, columns):
        self.workbook = workbook
        self.part = f"xl/worksheets/sheet{sheet_index + 1}.xml"
        with zipfile.ZipFile(io.BytesIO(workbook)) as source:
            xml = source.read(self.part).decode("utf-8")
        start = xml.find(f'<row r="{first + 1}"')
        end = xml.find("</sheetData>")
        if start < 0 or end < start:
            raise RuntimeError(f"the template row {first + 1} is not in {self.part}")
        self.head, template, self.tail = xml[:start], xml[start:end], xml[end:]
        templates = []
        for row in re.findall(r"<row [^>]*>.*?</row>", template, re.S):
            styles = []
            for cell in re.finditer(r"<c ([^>]*?)/?>", row):
                found = re.search(r'\bs="(\d+)"', cell.group(1))
                styles.append(int(found.group(1)) if found else 0)
            templates.append(styles)
        if not templates or any(len(styles) != columns for styles in templates):
            cells = len(templates[0]) if templates else 0
            raise RuntimeError(f"the template row has {cells} cells, not {columns}")
        self.sheet_rows = SheetRows(first, templates[0], templates[1] if templates[1:] else None)

    def rows(self):
        return self.sheet_rows

    def write(self, target):
        """Write the workbook with the rows in the template's place to `target` (a path
        or a binary file)."""
        rows = self.sheet_rows
        last = rows.first + rows.count  # 1-based: the header row when there are no rows
        head = re.sub(
            r'<dimension ref="([A-Z]+\d+)[^"]*"/>',
            lambda m: f'<dimension ref="{m.group(1)}:{rows.letters[-1]}{last}"/>',
            self.head,
            count=1,
        ).encode("utf-8")
        tail = self.tail
        if rows.merged:
            cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in rows.merged)
            found = re.search(r'<mergeCells count="(\d+)">', tail)
            if found:
                count = int(found.group(1)) + len(rows.merged)
                tail = (
                    tail[: found.start()]
                    + f'<mergeCells count="{count}">{cells}'
                    + tail[found.end() :]
                )
            else:  # the merged ranges come straight after the sheet's data
                after = tail.index("</sheetData>") + len("</sheetData>")
                merge = f'<mergeCells count="{len(rows.merged)}">{cells}</mergeCells>'
                tail = tail[:after] + merge + tail[after:]
        tail = tail.encode("utf-8")
        try:
            size = rows.finish()
            with (
                zipfile.ZipFile(io.BytesIO(self.workbook)) as source,
                zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out,
            ):
                for info in source.infolist():
                    if info.filename != self.part:
                        out.writestr(info, source.read(info))
                        continue
                    entry = zipfile.ZipInfo(self.part, date_time=info.date_time)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    # Its size, told beforehand, decides whether the entry needs ZIP64.
                    entry.file_size = len(head) + size + len(tail)
                    with out.open(entry, "w") as stream:
                        stream.write(head)
                        shutil.copyfileobj(rows.file, stream, 1 << 20)
                        stream.write(tail)
        finally:
            rows.file.close()
