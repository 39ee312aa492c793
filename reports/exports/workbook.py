"""The report workbook (interfaces.md §4) written with XlsxWriter, in the form of a
Vietnamese administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I) as a sheet can
hold it: the issuing body and the national motto, "Số: …/BC-…", place and date, the title
with the period, "Kính gửi", the table, then "Nơi nhận" and the signature block.

Made to print: A4 landscape, the decree's margins, the table's header repeated on every
page, fit to width, page numbers, frozen panes. Safe: every text is written with
`write_string` (and `strings_to_formulas` is off), so a name starting with "=" stays text;
ID and phone numbers are text; totals are numbers computed here, never formulas.

The workbook is written in constant-memory mode, row after row, and the named list's rows
(100,000 and more) are written as sheet XML and spliced in (`sheetrows`): a long named list
never sits in memory, and costs a fifth of what XlsxWriter's general cell path costs.
"""

import datetime
import io
import shutil
import tempfile
from decimal import Decimal

import xlsxwriter

from campaign.workbook.columns import Column
from config.formats import day
from units.models import MemberCategory

from .data import proposals
from .sheetrows import Spliced

SHEETS = (
    "Tổng hợp",
    "Thành viên",
    "Đề nghị khen thưởng",
    "Danh sách kèm theo",
    "Trùng lặp",
    "Hoạt động",  # added at the end: the five before it keep their names and order
)

CATEGORY_LABELS = {
    MemberCategory.CADRE: "Cán bộ",
    MemberCategory.MEMBER: "Đoàn viên/Hội viên",
    MemberCategory.CIVIL_SERVANT: "Công chức/Viên chức",
    MemberCategory.ARMED_FORCES: "Lực lượng vũ trang",
}
YES, NO = "Có", "Không"
NOT_SUBMITTED = "chưa gửi báo cáo"
FONT = "Times New Roman"
# Figures in the Vietnamese way, 1.234 and 12,50, wherever the file is opened or printed:
# the language tag (Vietnamese, 0x42A) makes LibreOffice use its separators whatever the
# machine's own language; Excel reads the same format with the reader's separators.
NUMBER = "[$-42A]#,##0"
DECIMAL = "[$-42A]#,##0.00"


def column(header, width, kind="text"):
    """A column of the report's sheets: its header, its width, and the kind of its cells
    (text, wrap, number, decimal, date, flag); the key is the header."""
    return Column(header, header, kind=kind, width=width)


SUMMARY = (
    column("Đơn vị", 29, "wrap"),
    column("Số thành viên", 8, "number"),
    column("Định danh điện tử được tính - trong kỳ", 10, "number"),
    column("Định danh điện tử được tính - lũy kế", 10, "number"),
    column("Đủ 02 tài khoản (ĐDĐT và DVC) - trong kỳ", 10, "number"),
    column("Đủ 02 tài khoản (ĐDĐT và DVC) - lũy kế", 10, "number"),
    column("Bình quân/thành viên", 10, "decimal"),
    column("Khen thưởng tập thể", 8, "flag"),
    column("Báo cáo của đơn vị", 19, "wrap"),
    # Checked against the police's activation list (blank with no list in force).
    column("Khớp danh sách kích hoạt", 9, "number"),
    column("Lệch với danh sách kích hoạt", 9, "number"),
    column("Không có trong danh sách kích hoạt", 9, "number"),
)
MEMBERS = (
    column("STT", 6, "serial"),
    column("Đơn vị", 16, "wrap"),
    column("Họ và tên", 17, "wrap"),
    column("Đối tượng", 11, "wrap"),
    column("Chỉ tiêu", 6, "number"),
    column("Số người đã hướng dẫn", 8, "number"),
    column("Định danh điện tử được tính", 8, "number"),
    column("Đủ 02 tài khoản", 8, "number"),
    column("Trong kỳ: định danh điện tử", 8, "number"),
    column("Trong kỳ: đủ 02 tài khoản", 8, "number"),
    column("Đạt chỉ tiêu", 7, "flag"),
    column("Khen thưởng cá nhân", 7, "flag"),
    column("Bị kê khai trùng", 7, "number"),
    column("Khớp danh sách kích hoạt", 7, "number"),
    column("Lệch với danh sách kích hoạt", 7, "number"),
    column("Không có trong danh sách kích hoạt", 7, "number"),
)
PROPOSALS = (
    column("STT", 6, "serial"),
    column("Cá nhân, tập thể", 36, "wrap"),
    column("Đơn vị", 36, "wrap"),
    column("Kết quả đạt được", 14, "decimal"),
    column("Mức xét khen thưởng", 14, "decimal"),
    column("Ghi chú", 30, "wrap"),
)
# An individual qualifies by a count of cases (1.234), a unit by an average (20,50).
INDIVIDUAL_PROPOSALS = tuple(
    column(c.header, c.width, "number") if c.kind == "decimal" else c for c in PROPOSALS
)
NAMED = (
    column("STT", 6, "serial"),
    column("Họ và tên", 15, "wrap"),
    column("Ngày sinh", 10, "date"),
    column("Số định danh cá nhân", 13),
    column("Số điện thoại", 11),
    column("Địa chỉ", 28, "wrap"),  # the widest: most addresses then take two lines
    column("Mức định danh", 6, "number"),
    column("Ngày kích hoạt", 10, "date"),
    column("Tài khoản DVC", 6, "flag"),
    column("Người hướng dẫn", 14, "wrap"),
    column("Đơn vị người hướng dẫn", 14, "wrap"),
    column("Trong kỳ báo cáo", 6, "flag"),
)
DUPLICATES = (
    column("STT", 6, "serial"),
    column("Họ và tên", 22, "wrap"),
    column("Số định danh cá nhân", 15),
    column("Số người kê khai", 9, "number"),
    column("Người hướng dẫn và đơn vị", 58, "wrap"),
    column("Ghi chú", 28, "wrap"),
)
ACTIVITIES = (
    column("STT", 6, "serial"),
    column("Mã hoạt động", 10),
    column("Hoạt động", 22, "wrap"),
    column("Loại hoạt động", 16, "wrap"),
    column("Ngày", 11, "date"),
    column("Đến ngày", 11, "date"),
    column("Địa điểm", 18, "wrap"),
    column("Đơn vị tổ chức", 20, "wrap"),
    column("Số thành viên tham gia", 9, "number"),
    column("Số trường hợp hướng dẫn", 9, "number"),
    column("Số trường hợp được tính", 9, "number"),
)


# Every sheet of the workbook, in order, with its table's columns: the exporter writes these
# and docs/report-workbook.md names them (its test reads this declaration).
TABLES = dict(
    zip(SHEETS, (SUMMARY, MEMBERS, PROPOSALS, NAMED, DUPLICATES, ACTIVITIES), strict=True)
)

# The report is one document (Nghị định 30/2020/NĐ-CP, Điều 15 and Phụ lục I): "Tổng hợp" is
# its body, with the heading, the number, the signature; every other sheet is an annex, numbered
# and titled, "kèm theo" the report, its pages numbered on their own.
ANNEXES = {
    SHEETS[1]: ("I", "Kết quả của từng thành viên"),
    SHEETS[2]: ("II", "Danh sách đề nghị khen thưởng"),
    SHEETS[3]: (
        "III",
        "Danh sách người dân được hướng dẫn kích hoạt đủ 02 tài khoản",
    ),
    SHEETS[4]: ("IV", "Danh sách người dân bị kê khai trùng, chưa được giải quyết"),
    SHEETS[5]: ("V", "Hoạt động tuyên truyền và kết quả hướng dẫn tại hoạt động"),
}

# What a sheet prints on: A4 landscape (297 mm) less the decree's margins below, in pixels
# (96 to the inch). Column widths count digits of the workbook's default font, Times New
# Roman 11 (not Calibri: a machine without Calibri puts a wider font in its place, and the
# table then shrinks to 7 pt when fitted to the page). XlsxWriter writes w + 5/7 digits of 7
# pixels; LibreOffice's Liberation Serif has digits of 7.33 pixels, the wider of the two.
MARGINS = {"left": 1.18, "right": 0.59, "top": 0.79, "bottom": 0.79}  # inches
PRINTABLE_PX = (297 / 25.4 - MARGINS["left"] - MARGINS["right"]) * 96
# "none": a font of the theme's scheme would print in the theme's Calibri, whatever its name.
DEFAULT_FONT = {"font_name": "Times New Roman", "font_size": 11, "font_scheme": "none"}
DIGIT_PX = 11 / 72 * 96 / 2  # a Times digit is half an em
TABLE_FONT = 12  # points; fitted to the page's width it must print at 10 or more
# How many characters of 12-point text a line of a wrapped cell holds, per unit of width (as
# LibreOffice prints them: "Bản Huổi Bon, xã" on a line of a width of 17).
LINE_FILL = 0.95


def printed_scale(columns):
    """How much fitting `columns` to the page's width shrinks them (1: not at all)."""
    return min(1.0, PRINTABLE_PX / sum((c.width + 5 / 7) * DIGIT_PX for c in columns))


def vietnamese_date(day):
    """ "ngày 05 tháng 07 năm 2023": a leading zero for days under 10 and months 1 and 2
    (Nghị định 30/2020/NĐ-CP), not for the other months."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def thousands(number):
    """1.234, the Vietnamese way."""
    return f"{number:,}".replace(",", ".")


def period_line(report):
    """The line under the title: the period it covers, or the day the figures are of, and
    which figures they are (rules.md, verification)."""
    return _period_line(report) + figures_line(report)


def figures_line(report):
    """Which figures the report holds: recorded, or the police's activation list (a report
    frozen before the setting existed holds recorded figures)."""
    listed = report.get("activation_list")
    if report.get("figures_from") == "activation_list":
        text = "; số liệu theo danh sách kích hoạt của Công an"
        if listed:
            imported_on = datetime.datetime.fromisoformat(listed["imported_at"]).date()
            text += f" (nhập ngày {day(imported_on)})"
        return text
    return "; số liệu theo các đơn vị đã nhập"


def _period_line(report):
    period, as_of = report["period"], datetime.date.fromisoformat(report["as_of"])
    if period is None:
        return f"(Số liệu tính đến hết {vietnamese_date(as_of)})"
    starts, ends = (datetime.date.fromisoformat(period[k]) for k in ("starts_on", "ends_on"))
    line = f"{period['name']} (từ {day(starts)} đến {day(ends)})"
    if as_of < ends:
        line += f"; số liệu tính đến hết ngày {day(as_of)}, ngày gửi báo cáo"
    return line


class ReportWriter:
    """Writes one report to `target` (a path or a binary file object)."""

    def __init__(self, target, *, heading, issued_on, scope_name, progress=None):
        self.target = target
        # XlsxWriter writes all but the named list's rows here; `write` splices them in.
        self.written = io.BytesIO()
        # XlsxWriter's row files (constant memory) in a folder of this report's own, removed
        # whatever happens: a disk that fills mid-report leaves none of them behind.
        self.tmpdir = tempfile.mkdtemp(prefix="vneid-report-")
        self.book = xlsxwriter.Workbook(
            self.written,
            {
                "tmpdir": self.tmpdir,
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "default_date_format": "dd/mm/yyyy",
                "default_format_properties": DEFAULT_FONT,
            },
        )
        self.heading = heading
        self.issued_on = issued_on
        self.scope_name = scope_name
        self.formats = {}
        self.progress = progress  # progress(rows done) while the named list is written

    # --- Formats ---------------------------------------------------------------------------

    def fmt(self, name, **extra):
        key = (name, tuple(sorted(extra.items())))
        if key not in self.formats:
            base = {"font_name": FONT, "font_size": 12, "font_color": "#000000"}
            base["font_scheme"] = "none"
            base.update(STYLES[name])
            base.update(extra)
            self.formats[key] = self.book.add_format(base)
        return self.formats[key]

    # --- The document around a table ---------------------------------------------------------

    def sheet(self, name, title):
        """The sheet `name` (of TABLES) with its page set-up, its heading (the document's on
        the body, an annex's on the others) and its table's header; returns (sheet, first
        data row)."""
        columns = TABLES[name]
        ws = self.book.add_worksheet(name)
        ws.set_paper(9)  # A4
        ws.set_landscape()
        # Nghị định 30/2020: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
        ws.set_margins(**MARGINS)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        # Page numbers at the top, in the middle; an annex's pages are numbered on their own.
        ws.set_start_page(1)
        annex = ANNEXES.get(name)
        label = f"Phụ lục {annex[0]} - trang " if annex else "Trang "
        ws.set_header(f'&C&"{FONT},Regular"&11{label}&P')
        for index, column in enumerate(columns):
            ws.set_column(index, index, column.width)
        last = len(columns) - 1
        if annex:
            row = self.annex_heading(ws, annex, last)
        else:
            row = self.document_heading(ws, title, last)
        ws.set_row(row, self.header_height(columns))
        for index, column in enumerate(columns):
            ws.write_string(row, index, column.header, self.fmt("header"))
        ws.repeat_rows(row)
        ws.freeze_panes(row + 1, 0)
        return ws, row + 1

    def document_heading(self, ws, title, last):
        """The body's heading: the issuing body and the national motto, the number, place
        and date, the title, the period, "Kính gửi"; returns the table's header row."""
        split = max(1, (last + 1) * 2 // 5 - 1)
        h = self.heading
        row = 0
        ws.set_row(row, 18)
        self._merge(ws, row, 0, split, (h.parent_body or "").upper(), "head")
        self._merge(ws, row, split + 1, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "head_bold")
        row += 1
        ws.set_row(row, 18)
        self._merge(ws, row, 0, split, h.issuing_body.upper(), "head_bold")
        self._merge(ws, row, split + 1, last, "Độc lập - Tự do - Hạnh phúc", "motto")
        row += 1
        ws.set_row(row, 18)
        self._merge(ws, row, 0, split, self.number, "head")
        place = f"{h.place}, " if h.place else ""
        self._merge(
            ws, row, split + 1, last, place + vietnamese_date(self.issued_on), "head_italic"
        )
        row += 2
        ws.set_row(row, 20)
        self._merge(ws, row, 0, last, title.upper(), "title")
        row += 1
        self._merge(ws, row, 0, last, self.subtitle, "subtitle")
        row += 1
        if h.recipient:
            self._merge(ws, row, 0, last, f"Kính gửi: {h.recipient}", "subtitle_plain")
            row += 1
        return row + 1

    def annex_heading(self, ws, annex, last):
        """An annex's heading: "Phụ lục I", its title, which report it goes with, the
        period; returns the table's header row."""
        number, title = annex
        self._merge(ws, 0, 0, last, f"Phụ lục {number}", "title")
        ws.set_row(1, 20)
        self._merge(ws, 1, 0, last, f"{title} - {self.scope_name}".upper(), "title")
        self._merge(ws, 2, 0, last, self.attached_to, "subtitle")
        self._merge(ws, 3, 0, last, self.subtitle, "subtitle")
        return 5

    @property
    def number(self):
        return "Số:        /BC-" + (self.heading.number_code or "")

    @property
    def attached_to(self):
        """ "(Kèm theo Báo cáo số      /BC-CAH ngày 08 tháng 12 năm 2026 của Công an huyện
        Sốp Cộp)", as the decree heads an annex."""
        number = self.number.removeprefix("Số:")
        by = self.heading.issuing_body
        return f"(Kèm theo Báo cáo số{number} {vietnamese_date(self.issued_on)} của {by})"

    @staticmethod
    def header_height(columns):
        """The table header's height: its longest header in lines of its column's width (at
        least three lines, so the headers of a sheet line up)."""
        lines = 3
        for column in columns:
            words, line, count = column.header.split(), 0, 1
            fits = max(1, int(column.width * LINE_FILL) - 1)  # bold text is wider
            for word in words:
                if line and line + 1 + len(word) > fits:
                    count, line = count + 1, len(word)
                else:
                    line += len(word) + (1 if line else 0)
            lines = max(lines, count)
        return 16 * lines

    def _merge(self, ws, row, first, last, text, style):
        if last > first:
            ws.merge_range(row, first, row, last, "", self.fmt(style))
        ws.write_string(row, first, text, self.fmt(style))

    def signature(self, ws, row, width):
        """ "Nơi nhận:" on the left, the signature block on the right."""
        h = self.heading
        split = max(1, width * 2 // 5 - 1)
        lines = [line.strip(" -") for line in (h.recipients or "").splitlines() if line.strip()]
        signer = [
            ((h.signer_prefix + " " if h.signer_prefix else "") + h.signer_body_title).strip(),
            h.signer_title if h.signer_prefix else "",
        ]
        signer = [line.upper() for line in signer if line]
        left = ["Nơi nhận:"] + [f"- {line}" for line in lines]
        right = signer + ["", "", "", h.signer_name]
        for offset in range(max(len(left), len(right))):
            if offset < len(left):
                style = "recipients_title" if offset == 0 else "recipients"
                self._merge(ws, row + offset, 0, split, left[offset], style)
            if offset < len(right) and right[offset]:
                self._merge(ws, row + offset, split + 1, width - 1, right[offset], "sign")
        return row + max(len(left), len(right))

    # --- Cells -----------------------------------------------------------------------------

    def cell(self, ws, row, col, value, kind, style="cell"):
        if value is None or value == "" or value is False:
            ws.write_blank(row, col, None, self.fmt(style))
        elif kind == "number":
            ws.write_number(row, col, value, self.fmt(style, num_format=NUMBER))
        elif kind == "serial":  # centred: a right-aligned 5.667 runs into the name after it
            ws.write_number(row, col, value, self.fmt(style, num_format=NUMBER, align="center"))
        elif kind == "decimal":
            ws.write_number(row, col, float(Decimal(value)), self.fmt(style, num_format=DECIMAL))
        elif kind == "date":
            ws.write_datetime(row, col, value, self.fmt(style, num_format="dd/mm/yyyy"))
        elif kind == "wrap":
            ws.write_string(row, col, str(value), self.fmt(style, text_wrap=True))
        elif kind == "flag":
            ws.write_string(row, col, YES if value else "", self.fmt(style, align="center"))
        else:
            ws.write_string(row, col, str(value), self.fmt(style))

    def totals_row(self, ws, row, columns, label, values):
        """A list's totals: `label` ("Tổng cộng: 417 thành viên") across the first columns
        up to the first of `values` (a dict, column index to figure), the figures under
        their columns."""
        first = min(values) if values else len(columns)
        self._merge(ws, row, 0, first - 1, label, "total")
        for col in range(first, len(columns)):
            value = values.get(col)
            kind = "number" if value is not None else "text"
            self.cell(ws, row, col, value, kind, "total")
        return row + 1

    def table_row(self, ws, row, columns, values, style="cell"):
        self.fit_height(ws, row, columns, values)
        for col, (column, value) in enumerate(zip(columns, values)):
            self.cell(ws, row, col, value, column.kind, style)

    @staticmethod
    def fit_height(ws, row, columns, values):
        """Give a row holding long wrapped text the height of its lines (a streamed sheet
        cannot measure it; LibreOffice and Excel keep the height written)."""
        lines = 1
        for column, value in zip(columns, values):
            if column.kind == "wrap" and value:
                lines = max(lines, -(-len(str(value)) // max(1, int(column.width * LINE_FILL))))
        if lines > 1:
            ws.set_row(row, 16 * lines)

    # --- The sheets ------------------------------------------------------------------------

    def write(self, report, named_rows):
        """Every sheet, in order; returns the number of rows of the named list."""
        try:
            return self._write(report, named_rows)
        finally:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _write(self, report, named_rows):
        self.subtitle = period_line(report)
        self.report = report
        self.summary()
        self.members()
        self.proposals()
        first = self.named_template()
        self.duplicates()
        self.activities()
        self.book.close()
        spliced = Spliced(
            self.written.getvalue(),
            sheet_index=3,
            first=first,
            columns=len(NAMED),
        )
        count = self.named(spliced.rows(), named_rows)
        spliced.write(self.target)
        return count

    def summary(self):
        report, has_period = self.report, self.report["period"] is not None
        ws, row = self.sheet(
            SHEETS[0],
            "Báo cáo kết quả hướng dẫn kích hoạt tài khoản định danh điện tử "
            "và sử dụng Cổng Dịch vụ công Quốc gia",
        )
        for unit in report["units"]:
            indent = min(unit["depth"], 7)
            values = self._summary_values(unit, has_period)
            self.fit_height(ws, row, SUMMARY, values)
            for col, (column, value) in enumerate(zip(SUMMARY, values)):
                extra = {"indent": indent} if col == 0 and indent else {}
                style = "cell_bold" if unit["depth"] == 0 else "cell"
                if col == 0 and extra:
                    ws.write_string(row, 0, value, self.fmt(style, text_wrap=True, **extra))
                else:
                    self.cell(ws, row, col, value, column.kind, style)
            row += 1
        totals = dict(report["totals"], name="Tổng cộng", status="")
        self.table_row(ws, row, SUMMARY, self._summary_values(totals, has_period), "total")
        row += 2
        last = len(SUMMARY) - 1
        self._merge(ws, row, 0, last, "Kèm theo báo cáo này:", "annex_list_title")
        row += 1
        for number, title in ANNEXES.values():
            self._merge(ws, row, 0, last, f"- Phụ lục {number}: {title}.", "annex_list")
            row += 1
        row += 1
        self.signature(ws, row, len(SUMMARY))

    @staticmethod
    def _summary_values(unit, has_period):
        return (
            unit["name"],
            unit["members"],
            unit["period_eid"] if has_period else None,
            unit["credited_eid"],
            unit["period_full"] if has_period else None,
            unit["credited_full"],
            unit["average"],
            unit["collective_award"],
            unit["status"],
            unit.get("verified"),
            unit.get("differs"),
            unit.get("not_found"),
        )

    def members(self):
        has_period = self.report["period"] is not None
        ws, row = self.sheet(SHEETS[1], ANNEXES[SHEETS[1]][1])
        for number, m in enumerate(self.report["members"], start=1):
            values = (
                number,
                m["unit_name"],
                m["name"],
                CATEGORY_LABELS.get(m["category"], m["category"]),
                m["quota"],
                m["cases"],
                m["credited_eid"],
                m["credited_full"],
                m["period_eid"] if has_period else None,
                m["period_full"] if has_period else None,
                m["meets_quota"],
                m["individual_award"],
                m["double_claims"],
                m.get("verified"),
                m.get("differs"),
                m.get("not_found"),
            )
            self.table_row(ws, row, MEMBERS, values)
            row += 1
        members = self.report["members"]
        sums = {}
        for col, key in (
            (4, "quota"),
            (5, "cases"),
            (6, "credited_eid"),
            (7, "credited_full"),
            (8, "period_eid"),
            (9, "period_full"),
            (10, "meets_quota"),
            (11, "individual_award"),
            (12, "double_claims"),
            (13, "verified"),
            (14, "differs"),
            (15, "not_found"),
        ):
            if key.startswith("period_") and not has_period:
                continue
            if key in ("verified", "differs", "not_found") and not any(
                m.get(key) is not None for m in members
            ):
                continue
            sums[col] = sum(int(m.get(key) or 0) for m in members)
        self.totals_row(ws, row, MEMBERS, f"Tổng cộng: {thousands(len(members))} thành viên", sums)

    def proposals(self):
        individuals, units = proposals(self.report)
        ws, row = self.sheet(SHEETS[2], ANNEXES[SHEETS[2]][1])
        individual, collective = (
            self.report["individual_threshold"],
            self.report["collective_threshold"],
        )
        self._merge(ws, row, 0, len(PROPOSALS) - 1, "I. CÁ NHÂN", "cell_bold")
        row += 1
        if not individuals:
            self._merge(ws, row, 0, len(PROPOSALS) - 1, "Không có cá nhân đạt mức.", "cell")
            row += 1
        for number, m in enumerate(individuals, start=1):
            note = "Số trường hợp đủ 02 tài khoản; kèm danh sách người dân"
            values = (number, m["name"], m["unit_name"], m["credited_full"], individual, note)
            self.table_row(ws, row, INDIVIDUAL_PROPOSALS, values)  # counts, not averages
            row += 1
        self._merge(ws, row, 0, len(PROPOSALS) - 1, "II. TẬP THỂ", "cell_bold")
        row += 1
        if not units:
            self._merge(ws, row, 0, len(PROPOSALS) - 1, "Không có tập thể đạt mức.", "cell")
            row += 1
        parents = {u["path"]: u["name"] for u in self.report["units"]}
        for number, u in enumerate(units, start=1):
            parent_path = u["path"].rstrip("/").rsplit("/", 1)[0] + "/"
            note = f"{u['credited_full']:,} trường hợp / {u['members']:,} thành viên".replace(
                ",", "."
            )
            values = (number, u["name"], parents.get(parent_path, ""), u["average"], collective)
            self.table_row(ws, row, PROPOSALS, values + (note,))
            row += 1
        label = f"Tổng cộng: {thousands(len(individuals))} cá nhân, {thousands(len(units))} tập thể"
        self.totals_row(ws, row, PROPOSALS, label, {})

    def named_template(self):
        """The named list's sheet as XlsxWriter writes it: the heading, the table's header,
        one template row holding each column's format and, under it, one holding the
        totals row's; returns the template's row."""
        ws, row = self.sheet(SHEETS[3], ANNEXES[SHEETS[3]][1])
        text, date, center = self.fmt("cell"), self.fmt("cell_date"), self.fmt("cell_center")
        number, wrap = self.fmt("cell_serial"), self.fmt("cell", text_wrap=True)
        # STT, name, birth, ID, phone, address, level, activation, portal, guide, unit, period
        formats = (number, wrap, date, text, text, wrap, center, date, center, wrap, wrap, center)
        for col, cell_format in enumerate(formats):
            ws.write_blank(row, col, None, cell_format)
        for col in range(len(NAMED)):
            ws.write_blank(row + 1, col, None, self.fmt("total"))
        return row

    def named(self, rows, named_rows):
        """The named list's rows, into `rows` (a SheetRows): 100,000 and more, so the loop
        is written for speed (see benchmarks/bench_export.py): a row's height is worked out
        only when one of its wrapped texts is longer than its column holds."""
        # How many characters a line of each wrapped column holds, as fit_height counts them.
        name_fits, address_fits, guide_fits, unit_fits = (
            max(1, int(column.width * LINE_FILL)) for column in NAMED if column.kind == "wrap"
        )
        add, progress = rows.row, self.progress
        count = 0
        for values in named_rows:
            count += 1
            (name, birth, id_number, phone, address, level, activated, portal, guide, unit) = (
                values[:10]
            )
            address = address or ""
            height = None
            if (
                len(name) > name_fits
                or len(address) > address_fits
                or len(guide) > guide_fits
                or len(unit) > unit_fits
            ):
                height = 16 * max(
                    -(-len(name) // name_fits),
                    -(-len(address) // address_fits),
                    -(-len(guide) // guide_fits),
                    -(-len(unit) // unit_fits),
                )
            add(
                (
                    count,
                    name,
                    birth,
                    id_number,
                    phone,
                    address,
                    level,
                    activated,
                    YES if portal else NO,
                    guide,
                    unit,
                    YES if values[10] else None,
                ),
                height,
            )
            if progress is not None and count % 1000 == 0:
                progress(count)
        rows.total((f"Tổng cộng: {thousands(count)} người",) + (None,) * (len(NAMED) - 1), merge=4)
        return count

    def duplicates(self):
        ws, row = self.sheet(SHEETS[4], ANNEXES[SHEETS[4]][1])
        for number, entry in enumerate(self.report["duplicates"], start=1):
            claimants = "; ".join(f"{guide} ({unit})" for guide, unit in entry["claimants"])
            values = (
                number,
                entry["name"],
                entry["id_number"],
                len(entry["claimants"]),
                claimants,
                entry.get("note", ""),
            )
            self.table_row(ws, row, DUPLICATES, values)
            row += 1
        entries = self.report["duplicates"]
        self.totals_row(
            ws,
            row,
            DUPLICATES,
            f"Tổng cộng: {thousands(len(entries))} người",
            {3: sum(len(entry["claimants"]) for entry in entries)},
        )

    def activities(self):
        """One row per outreach activity of the report's units in its period (an activity
        changes no figure: its cases and credited cases are counted here only)."""
        ws, row = self.sheet(SHEETS[5], ANNEXES[SHEETS[5]][1])
        entries = self.report.get("activities", [])
        for number, entry in enumerate(entries, start=1):
            values = (
                number,
                entry["code"],
                entry["title"],
                entry["kind"],
                datetime.date.fromisoformat(entry["starts_on"]),
                datetime.date.fromisoformat(entry["ends_on"]) if entry["ends_on"] else None,
                entry["place"],
                "; ".join(entry["organisers"]),
                entry["members"],
                entry["cases"],
                entry["credited"],
            )
            self.table_row(ws, row, ACTIVITIES, values)
            row += 1
        sums = {col: sum(e[key] for e in entries) for col, key in ((8, "members"), (9, "cases"))}
        sums[10] = sum(e["credited"] for e in entries)
        self.totals_row(
            ws, row, ACTIVITIES, f"Tổng cộng: {thousands(len(entries))} hoạt động", sums
        )


_BORDER = {"border": 1, "valign": "vcenter"}
STYLES = {
    "head": {"font_size": 13, "align": "center"},
    "head_bold": {"font_size": 13, "align": "center", "bold": True},
    "head_italic": {"font_size": 13, "align": "center", "italic": True},
    "motto": {"font_size": 13, "align": "center", "bold": True, "underline": 1},
    "title": {"font_size": 13, "align": "center", "bold": True, "text_wrap": True},
    "subtitle": {"font_size": 13, "align": "center", "italic": True},
    "subtitle_plain": {"font_size": 13, "align": "center"},
    "header": {**_BORDER, "bold": True, "align": "center", "text_wrap": True},
    "cell": dict(_BORDER),
    "cell_bold": {**_BORDER, "bold": True},
    "cell_center": {**_BORDER, "align": "center"},
    "cell_number": {**_BORDER, "num_format": NUMBER},
    "cell_serial": {**_BORDER, "num_format": NUMBER, "align": "center"},
    "cell_date": {**_BORDER, "num_format": "dd/mm/yyyy", "align": "center"},
    "total": {**_BORDER, "bold": True},
    "recipients_title": {"bold": True, "italic": True},
    "recipients": {"font_size": 11},
    "annex_list_title": {"italic": True},
    "annex_list": {},
    "sign": {"font_size": 13, "align": "center", "bold": True},
}
