"""The printed report is one official document (Nghị định 30/2020/NĐ-CP): the body with its
heading, number and signature once, then the annexes ("Phụ lục I" ... "Phụ lục V"), each
titled, naming the report it goes with, its pages numbered on their own; totals under every
list; type that prints at 10 pt or more once fitted to A4; serial numbers that stay in their
column."""

import pytest

from reports.exports import SHEETS
from reports.exports.workbook import ANNEXES, TABLE_FONT, TABLES, printed_scale

from .test_exports import export
from .workbook_helpers import table, totals

pytestmark = [pytest.mark.django_db, pytest.mark.district("report")]

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def texts(sheet):
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_the_body_alone_has_the_heading_number_and_signature(tmp_path, district):
    book = export(tmp_path, as_of="2023-06-20")
    body = texts(book[SHEETS[0]])
    assert MOTTO in body and "Số:        /BC-CAH" in body and "Nơi nhận:" in body
    # The body lists its annexes, in order, before the signature.
    listed = [t for t in body if t.startswith("- Phụ lục ")]
    assert listed == [f"- Phụ lục {n}: {title}." for n, title in ANNEXES.values()]
    for name in SHEETS[1:]:
        annex = texts(book[name])
        assert MOTTO not in annex, name
        assert not any(t.startswith("Số:") or t == "Nơi nhận:" for t in annex), name


def test_each_annex_is_numbered_titled_and_names_its_report(tmp_path, district):
    book = export(tmp_path, as_of="2023-06-20")
    numerals = []
    for name in SHEETS[1:]:
        sheet = book[name]
        number, title = ANNEXES[name]
        numerals.append(number)
        assert sheet["A1"].value == f"Phụ lục {number}" and sheet["A1"].font.b, name
        assert sheet["A2"].value.startswith(title.upper()), name
        attached = sheet["A3"].value
        assert attached.startswith("(Kèm theo Báo cáo số") and "/BC-CAH ngày " in attached
        assert sheet["A3"].font.i
    assert numerals == ["I", "II", "III", "IV", "V"]


def test_every_sheet_numbers_its_own_pages_at_the_top(tmp_path, district):
    book = export(tmp_path, as_of="2023-06-20")
    for name in SHEETS:
        sheet = book[name]
        setup = sheet.page_setup
        # Restarted at 1 on each sheet (1 is the default, left unwritten).
        assert (setup.firstPageNumber or 1, setup.useFirstPageNumber) == (1, True), name
        header = sheet.oddHeader.center.text
        label = f"Phụ lục {ANNEXES[name][0]} - trang " if name in ANNEXES else "Trang "
        assert header == f"{label}&P", name  # no "/&N": that counts every sheet's pages
        assert not sheet.oddFooter.center.text, name


def test_every_list_ends_with_its_totals(tmp_path, district):
    book = export(tmp_path, period="dot-2")
    members = book["Thành viên"]
    rows = table(members, "STT")
    row = totals(members)
    assert row[0] == f"Tổng cộng: {len(rows)} thành viên"
    for col in (4, 5, 6, 7, 8, 9, 12):  # quota, cases, credited, in the period, double claims
        assert row[col] == sum(r[col].value or 0 for r in rows), col
    assert row[11] == sum(1 for r in rows if r[11].value == "Có")  # individual awards
    named = book["Danh sách kèm theo"]
    assert totals(named)[0] == f"Tổng cộng: {len(table(named, 'STT'))} người"
    parts, part = {"I. CÁ NHÂN": 0, "II. TẬP THỂ": 0}, None
    for row in book["Đề nghị khen thưởng"].iter_rows(values_only=True):
        part = row[0] if row[0] in parts else part
        parts[part] = parts.get(part, 0) + (part is not None and isinstance(row[0], int))
    assert parts["I. CÁ NHÂN"] == 1  # Hà Văn Khánh, 52 full cases
    assert totals(book["Đề nghị khen thưởng"])[0] == (
        f"Tổng cộng: 1 cá nhân, {parts['II. TẬP THỂ']} tập thể"
    )
    duplicates = book["Trùng lặp"]
    row = totals(duplicates)
    assert row[0] == "Tổng cộng: 1 người" and row[3] == 2
    assert totals(book["Hoạt động"])[0] == "Tổng cộng: 0 hoạt động"


def test_type_prints_at_ten_points_or_more_and_serials_stay_in_their_column(
    tmp_path,
    district,
):
    for name, columns in TABLES.items():
        assert printed_scale(columns) * TABLE_FONT >= 10, name
    book = export(tmp_path, as_of="2023-06-20")
    for name in SHEETS:
        sheet = book[name]
        # Widths count digits of the workbook's own font, the same on every machine.
        assert sheet.parent._fonts[0].name == "Times New Roman"
        widths = {}
        for dimension in sheet.column_dimensions.values():
            for index in range(dimension.min, dimension.max + 1):
                widths[index] = dimension.width
        written = [widths[index] for index in range(1, len(TABLES[name]) + 1)]
        expected = [c.width for c in TABLES[name]]
        assert written == pytest.approx(expected, abs=0.72), name
    named = table(book["Danh sách kèm theo"], "STT")[0]
    assert named[0].alignment.horizontal == "center" and named[0].font.sz == TABLE_FONT
    for row in table(book["Tổng hợp"], "Đơn vị"):  # a long unit's name wraps, not cut
        assert row[0].alignment.wrap_text, row[0].value
    members = table(book["Thành viên"], "STT")[0]
    assert members[0].alignment.horizontal == "center" and members[1].font.sz == TABLE_FONT
