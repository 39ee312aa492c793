"""The named list's rows, written as sheet XML and spliced in: the same cells XlsxWriter
would have written, byte for byte, in a workbook every reader opens."""

import datetime
import io
import re
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import add_case
from reports.exports import export_report
from reports.exports.sheetrows import SheetRows, Spliced
from reports.exports.workbook import NAMED
from units.tests.factories import MemberFactory, UnitFactory

from .workbook_helpers import table

NAMED_SHEET = "xl/worksheets/sheet4.xml"
values = st.one_of(
    st.text(min_size=1, max_size=60),
    st.sampled_from(["=1+1", "a & b", "<b>", "_x0041_", " lề ", "\x01\x1f", "Có\nKhông"]),
    st.dates(min_value=datetime.date(1900, 1, 1)),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)


def xlsxwriter_cells(row_values):
    """The <c> elements XlsxWriter writes for one row in constant-memory mode."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    cell_format = book.add_format({"border": 1})  # style 1, as our_cells is told
    for col, value in enumerate(row_values):
        if value is None:
            sheet.write_blank(0, col, None, cell_format)
        elif isinstance(value, str):
            sheet.write_string(0, col, value, cell_format)
        elif isinstance(value, datetime.date):
            sheet.write_datetime(0, col, value, cell_format)
        else:
            sheet.write_number(0, col, value, cell_format)
    book.close()
    with zipfile.ZipFile(buffer) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return re.search(r"<row [^>]*>(.*)</row>", xml, re.S).group(1)


def our_cells(row_values):
    rows = SheetRows(0, [1] * len(row_values))
    rows.row(row_values)
    rows.finish()
    xml = rows.file.read().decode()
    rows.file.close()
    return re.search(r"<row [^>]*>(.*)</row>", xml, re.S).group(1)


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=1, max_size=12))
def test_every_cell_is_written_as_xlsxwriter_writes_it(row_values):
    assert our_cells(row_values) == xlsxwriter_cells(row_values)


def test_control_characters_and_markup_stay_text():
    text = "<Lò & Văn>\x02 _x0041_ "
    assert our_cells([text]) == xlsxwriter_cells([text])
    assert "_x005F_x0041_" in our_cells([text]) and "&lt;Lò &amp; Văn&gt;_x0002_" in our_cells(
        [text]
    )


@pytest.fixture
def guide():
    unit = UnitFactory(code="DX", name="Đoàn xã Mường Lạn")
    return MemberFactory(unit=unit, full_name="Lò Văn Công")


def write(tmp_path, **options):
    out = tmp_path / "bao-cao.xlsx"
    export_report(
        out, campaign=plan_campaign(), user=None, as_of=datetime.date(2023, 6, 20), **options
    )
    return out


@pytest.mark.django_db
def test_the_spliced_sheet_is_well_formed_with_its_dimension_and_every_row(tmp_path, guide):
    for index in range(30):
        add_case(guide, ResidentFactory(full_name=f"Quàng Thị {index:02d} & <Mai>"))
    add_case(guide, ResidentFactory(full_name="Điêu Thị Hoa", birth_date=None, phone=""))
    out = write(tmp_path)
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith(".xml"):
                ElementTree.fromstring(archive.read(name))  # raises on malformed XML
        xml = archive.read(NAMED_SHEET).decode()
    body = table(openpyxl.load_workbook(out)["Danh sách kèm theo"], "STT")
    assert [row[0].value for row in body] == list(range(1, 32))
    last = body[-1][0].row + 1  # the totals row closes the list
    assert f'<dimension ref="A1:L{last}"/>' in xml
    assert f'<mergeCell ref="A{last}:D{last}"/>' in xml
    # A reader that trusts the dimension (openpyxl's read-only mode) sees every row too.
    read_only = openpyxl.load_workbook(out, read_only=True)["Danh sách kèm theo"]
    assert read_only.max_row == last and read_only.max_column == len(NAMED)
    calamine = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Danh sách kèm theo")
    assert calamine.to_python()[-2][1] == body[-1][1].value
    assert calamine.to_python()[-1][0] == "Tổng cộng: 31 người"
    names = {row[1].value for row in body}
    assert "Quàng Thị 07 & <Mai>" in names


@pytest.mark.django_db
def test_each_column_keeps_its_format_borders_and_wrapping(tmp_path, guide):
    add_case(
        guide,
        ResidentFactory(full_name="Quàng Thị Mai", birth_date=datetime.date(1990, 1, 5)),
        activated_on=datetime.date(2023, 5, 5),
    )
    add_case(guide, ResidentFactory(full_name="Lò Thị Én", birth_date=None, phone=""))
    rows = table(openpyxl.load_workbook(write(tmp_path))["Danh sách kèm theo"], "STT")
    blank, first = rows  # in the residents' name order
    assert first[2].value == datetime.datetime(1990, 1, 5)
    assert first[7].value == datetime.datetime(2023, 5, 5)
    assert first[2].number_format == first[7].number_format == "dd/mm/yyyy"
    assert first[0].number_format == "[$-42A]#,##0"
    wraps = [column.kind == "wrap" for column in NAMED]
    for row in rows:
        assert [bool(cell.alignment.wrap_text) for cell in row] == wraps
        for cell in row:
            assert cell.border.left.style == cell.border.bottom.style == "thin"
            assert (cell.font.name, cell.font.sz) == ("Times New Roman", 12)
    assert first[6].alignment.horizontal == first[8].alignment.horizontal == "center"
    assert (blank[2].value, blank[4].value, blank[11].value) == (None, None, None)


@pytest.mark.django_db
def test_an_empty_named_list_leaves_the_header_and_its_totals_as_the_last_rows(tmp_path, guide):
    out = write(tmp_path)
    sheet = openpyxl.load_workbook(out)["Danh sách kèm theo"]
    assert table(sheet, "STT") == []
    header = next(row for row in sheet.iter_rows() if row[0].value == "STT")[0].row
    assert sheet.max_row == header + 1
    assert sheet.cell(header + 1, 1).value == "Tổng cộng: 0 người"
    with zipfile.ZipFile(out) as archive:
        assert f'<dimension ref="A1:L{header + 1}"/>' in archive.read(NAMED_SHEET).decode()


def test_a_workbook_without_its_template_row_is_refused():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    for _ in range(4):
        book.add_worksheet().write_string(0, 0, "x")
    book.close()
    with pytest.raises(RuntimeError, match="template row"):
        Spliced(buffer.getvalue(), sheet_index=3, first=5, columns=12)
