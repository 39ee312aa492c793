import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from campaign import workbook as wb
from campaign.tests.import_helpers import (
    RESIDENT_HEADERS,
    build_encrypted_ole,
    build_huge_xlsx,
    build_ods,
    build_xlsx,
    resident_row,
)

FIXTURES = Path(__file__).parent / "fixtures"


def code_of(path):
    with pytest.raises(wb.WorkbookError) as caught:
        wb.read_workbook(path)
    return caught.value.code


def test_header_is_found_under_a_merged_title_and_blank_rows(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "NGUOI  DAN "
    sheet["A1"] = "DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN"
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append([])
    sheet.append(["  số ĐỊNH danh ", "Họ và tên", "Cột lạ", "So dinh danh nguoi huong dan"])
    sheet.append(["014195000002", "Quàng Thị B", "x", "014095000001"])
    sheet.append([None, None, None, None])
    sheet.append([None, "", "  ", None])
    workbook.save(path)
    book = wb.read_workbook(path)
    found = book.sheets["residents"]
    assert found.header_row == 4
    assert found.columns == {"id_number": 0, "full_name": 1, "guide_id_number": 3}
    assert [number for number, _cells in found.rows] == [5]  # trailing empty rows dropped


def test_header_beyond_the_searched_rows_is_not_found(tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS]},
        above={"Người dân": [["x"]] * wb.HEADER_SEARCH_ROWS},
    )
    assert wb.read_workbook(path).sheets["residents"].header_row == 0


def test_header_under_a_national_motto_a_title_and_a_subtitle_is_found(tmp_path):
    above = [
        ["CÔNG AN HUYỆN SỐP CỘP", None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["ĐOÀN THANH NIÊN", None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        [None, None, "Sốp Cộp, ngày 20 tháng 6 năm 2023"],
        [],
        ["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN CÀI ĐẶT, KÍCH HOẠT TÀI KHOẢN ĐỊNH DANH ĐIỆN TỬ"],
        ["(Kèm theo Báo cáo số 15/BC-ĐTN ngày 20/6/2023 của Đoàn thanh niên Công an huyện)"],
        ["Tính đến ngày 20/6/2023"],
        [],
        [],
        [],
    ]
    path = build_xlsx(
        tmp_path / "a.xlsx", {"Người dân": [RESIDENT_HEADERS]}, above={"Người dân": above}
    )
    assert wb.read_workbook(path).sheets["residents"].header_row == 12


def test_formulas_give_their_stored_values_and_hidden_columns_are_read(tmp_path):
    path = tmp_path / "f.xlsx"
    # A workbook written by Excel stores each formula's last value; write one by hand.
    build_xlsx(
        path, {"Người dân": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")]}
    )
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet_name = next(n for n in parts if n.startswith("xl/worksheets/"))
    xml = parts[sheet_name].decode()
    xml = xml.replace('<c r="D2" t="n"><v>2</v></c>', '<c r="D2"><f>1+1</f><v>2</v></c>')
    assert "<f>1+1</f>" in xml
    xml = xml.replace(
        "<sheetData>", '<cols><col min="2" max="2" hidden="1" width="0"/></cols><sheetData>', 1
    )
    parts[sheet_name] = xml.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    rows = wb.read_workbook(path).sheets["residents"].rows
    assert rows[0][1][3] == 2
    assert rows[0][1][1] == "014195000002"


def test_ods_is_read(tmp_path):
    path = build_ods(
        tmp_path / "a.ods",
        {"Người dân": [RESIDENT_HEADERS[:3], ["Quàng Thị B", "014195000002", "014095000001"]]},
    )
    book = wb.read_workbook(path)
    assert book.format == "ods"
    assert book.sheets["residents"].rows == [(2, ["Quàng Thị B", "014195000002", "014095000001"])]


def test_old_xls_is_read():
    book = wb.read_workbook(FIXTURES / "old-format.xls")
    assert book.format == "xls"
    assert set(book.sheets) == {"units", "members", "residents"}
    assert book.sheets["residents"].rows[0][1][1] == 14195000778


def test_an_xlsx_renamed_xls_is_read_by_its_content(tmp_path):
    path = build_xlsx(tmp_path / "a.xls", {"Người dân": [RESIDENT_HEADERS]})
    assert wb.read_workbook(path).format == "xlsx"


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "empty"),
        ("Họ và tên,Số định danh\nA,014195000002\n".encode(), "csv"),
        (b"<html><table><tr><td>x</td></tr></table></html>", "html"),
        (b"%PDF-1.4 ...", "pdf"),
        (bytes(range(256)) * 4, "unknown"),
    ],
)
def test_files_that_are_not_workbooks_get_one_clear_reason(tmp_path, content, code):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    assert code_of(path) == code


def test_a_word_document_renamed_xlsx_is_named_as_such(tmp_path):
    path = tmp_path / "list.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert code_of(path) == "word"


def test_a_truncated_workbook_is_damaged(tmp_path):
    full = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [RESIDENT_HEADERS]
            + [resident_row("A", "014195000002", "014095000001")] * 50
        },
    )
    data = full.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    assert code_of(cut) == "damaged"


def test_a_workbook_with_a_corrupt_part_is_damaged(tmp_path):
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Người dân'")
    assert code_of(path) == "damaged"


def test_a_password_protected_workbook_is_named_as_such(tmp_path):
    assert code_of(build_encrypted_ole(tmp_path / "secret.xlsx")) == "encrypted"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1000
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 2000)
    assert code_of(path) == "too_large"


def test_a_million_row_sheet_is_refused_from_its_declared_size(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 200_000
    path = build_huge_xlsx(tmp_path / "million.xlsx", "Người dân", 1_000_000)
    with pytest.raises(wb.WorkbookError) as caught:
        wb.read_workbook(path)
    assert caught.value.code == "too_many_rows"
    assert "1.000.001" in caught.value.message


def test_rows_over_the_limit_are_refused_even_without_a_declared_size(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [RESIDENT_HEADERS] + [
        resident_row(f"A{n}", "014195000002", "014095000001") for n in range(5)
    ]
    path = build_ods(tmp_path / "a.ods", {"Người dân": rows})
    assert code_of(path) == "too_many_rows"


def test_template_has_the_three_sheets_lists_text_columns_and_notes():
    book = openpyxl.load_workbook(io.BytesIO(wb.template_bytes()))
    assert book.sheetnames == ["Đơn vị", "Thành viên", "Người dân", "Hướng dẫn", "Danh mục"]
    assert book["Danh mục"].sheet_state == "hidden"  # the drop-downs' items
    residents = book["Người dân"]
    headers = [c.value for c in residents[1]]
    assert headers[:3] == ["Họ và tên", "Số định danh", "Số định danh người hướng dẫn"]
    id_column = headers.index("Số định danh") + 1
    assert residents.cell(row=2, column=id_column).number_format == "@"
    assert residents.cell(row=50, column=id_column).number_format == "@"

    def items(validation):
        cells = validation.formula1.rsplit("!", 1)[1].replace("$", "")
        return [cell.value for row in book["Danh mục"][cells] for cell in row]

    lists = [items(v) for v in residents.data_validations.dataValidation]
    assert ["Có", "Không"] in lists
    assert any("Người dân" in f and "Lực lượng vũ trang" in f for f in lists)
    assert any("Công an" in items(v) for v in book["Đơn vị"].data_validations.dataValidation)
    assert book["Hướng dẫn"]["B2"].value


def test_the_template_reads_back_with_every_column(tmp_path):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(wb.template_bytes())
    book = wb.read_workbook(path)
    for spec in wb.SHEETS:
        assert set(book.sheets[spec.key].columns) == {c.key for c in spec.columns}
        assert book.sheets[spec.key].header_row == 1


def test_error_workbook_adds_an_error_column_and_keeps_the_rows(tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS, resident_row("A", "12", "014095000001")]},
    )
    out = io.BytesIO()
    wb.write_error_workbook(path, "xlsx", {"Người dân": {2: ["Số định danh: sai"]}}, out)
    sheet = openpyxl.load_workbook(out)["Người dân"]
    error_column = len(RESIDENT_HEADERS) + 1
    assert sheet.cell(row=1, column=error_column).value == "Lỗi"
    assert sheet.cell(row=2, column=error_column).value == "Số định danh: sai"
    assert sheet.cell(row=2, column=1).value == "A"


def test_error_workbook_of_an_ods_is_an_xlsx_with_the_values(tmp_path):
    path = build_ods(
        tmp_path / "a.ods", {"Người dân": [RESIDENT_HEADERS[:3], ["A", "12", "014095000001"]]}
    )
    out = io.BytesIO()
    wb.write_error_workbook(path, "ods", {"Người dân": {2: ["sai"]}}, out)
    sheet = openpyxl.load_workbook(out)["Người dân"]
    assert [c.value for c in sheet[2]] == ["A", "12", "014095000001", "sai"]


def test_a_list_kept_on_sheet1_is_recognised_by_its_headers(tmp_path):
    import openpyxl

    from campaign.importing import parse_workbook

    book = openpyxl.Workbook()
    sheet = book.active  # "Sheet"
    sheet.append(["DANH SÁCH NGƯỜI DÂN"])
    sheet.append(
        [
            "STT",
            "Họ và tên",
            "Số định danh",
            "Số định danh người hướng dẫn",
            "Mức định danh",
            "Ngày kích hoạt",
        ]
    )
    sheet.append([1, "Lò Văn A", "014195000301", "014095000001", 2, "02/05/2023"])
    other = book.create_sheet("Ghi chú")
    other.append(["Nội dung", "Người lập"])
    book.save(tmp_path / "sheet1.xlsx")
    parsed = parse_workbook(tmp_path / "sheet1.xlsx")
    assert "residents" in parsed.sheets and parsed.sheets["residents"].title == "Sheet"
    assert [w.code for w in parsed.warnings] == ["sheet_recognised"]
    assert list(parsed.residents) == ["014195000301"] and len(parsed.cases) == 1


def test_a_sheet_without_the_required_headers_is_not_guessed(tmp_path):
    import openpyxl

    from campaign.importing import parse_workbook

    book = openpyxl.Workbook()
    book.active.append(["Họ và tên", "Số định danh"])  # no guide column: not a residents' list
    book.save(tmp_path / "x.xlsx")
    parsed = parse_workbook(tmp_path / "x.xlsx")
    assert [e.code for e in parsed.errors] == ["no_sheet"]


def test_headers_as_secretaries_write_them_are_recognised(tmp_path):
    import openpyxl

    from campaign.importing import parse_workbook

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách người dân"
    sheet.append(
        [
            "TT",
            "Họ và tên",
            "Số CCCD",
            "CCCD người hướng dẫn",
            "Mức độ định danh",
            "Ngày kích hoạt tài khoản",
            "Tài khoản Cổng DVC",
        ]
    )
    sheet.append([1, "Lò Văn A", "014195000301", "014095000001", "Mức 2", "02/05/2023", "Đã có"])
    book.save(tmp_path / "ds.xlsx")
    parsed = parse_workbook(tmp_path / "ds.xlsx")
    assert not parsed.errors
    case = parsed.cases[("014195000301", "014095000001")]
    assert (case.eid_level, str(case.activated_on), case.portal_used) == (2, "2023-05-02", True)


def month_sheets(tmp_path, june_rows, may_rows=(("Lò Văn A", "014195000301", "014095000001"),)):
    import openpyxl

    book = openpyxl.Workbook()
    headers = [
        "Họ và tên",
        "Số định danh",
        "Số định danh người hướng dẫn",
        "Mức định danh",
        "Ngày kích hoạt",
    ]
    may = book.active
    may.title = "Người dân"
    may.append(headers)
    for row in may_rows:
        may.append(list(row))
    june = book.create_sheet("Tháng 6")
    june.append(["DANH SÁCH THÁNG 6"])
    june.append(headers)
    for row in june_rows:
        june.append(list(row))
    book.create_sheet("Hướng dẫn").append(["Ghi chú", "Nội dung"])
    book.save(tmp_path / "hai-thang.xlsx")
    return tmp_path / "hai-thang.xlsx"


def test_a_second_list_of_the_same_kind_is_read_too_and_said_so(tmp_path):
    from campaign.importing import parse_workbook

    parsed = parse_workbook(month_sheets(tmp_path, [("Lò Văn B", "014195000302", "014095000001")]))
    assert list(parsed.residents) == ["014195000301", "014195000302"]
    assert [(w.sheet, w.code) for w in parsed.warnings] == [("Tháng 6", "sheet_also_read")]
    assert "“Người dân”" in parsed.warnings[0].message and parsed.errors == []


def test_a_wrong_row_on_the_second_list_is_named_by_its_own_sheet_row_and_header(tmp_path):
    from campaign.importing import parse_workbook

    parsed = parse_workbook(
        month_sheets(
            tmp_path,
            [
                ("Lò Văn B", "014195000302", "014095000001"),
                ("Lò Văn C", "01419500", "014095000001"),
                # The same guide and resident as on Người dân row 2, with another level.
                ("Lò Văn A", "014195000301", "014095000001", 2, "02/06/2023"),
            ],
        )
    )
    assert [(e.sheet, e.row, e.column, e.code) for e in parsed.errors] == [
        ("Tháng 6", 4, "Số định danh", "invalid"),
        ("Tháng 6", 5, "Số định danh", "conflicting_duplicate"),
    ]
    assert "dòng 2 " in parsed.errors[1].message
    # And the other way round: the first sheet's row named from the second's.
    parsed = parse_workbook(
        month_sheets(
            tmp_path,
            [("Lò Văn A", "014195000301", "014095000001")],
            may_rows=[("Lò Văn A", "014195000301", "014095000001", 1, "02/05/2023")],
        )
    )
    assert [(e.sheet, e.row) for e in parsed.errors] == [("Tháng 6", 3)]


def test_the_lists_of_a_kind_together_are_held_to_the_row_limit(tmp_path, settings):
    from campaign.importing import parse_workbook

    settings.IMPORT_MAX_ROWS = 3
    path = month_sheets(tmp_path, [(f"B{n}", f"01419500040{n}", "014095000001") for n in range(3)])
    parsed = parse_workbook(path)
    assert [e.code for e in parsed.errors] == ["too_many_rows"]
    assert "Tháng 6" in parsed.errors[0].message


# --- Real files: headers on two rows, and rows under the header that are not the list's ----

GUIDE = "014095000001"


def parse_sheet(tmp_path, fill, title="Người dân"):
    from campaign.importing import parse_workbook

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    fill(sheet)
    book.save(tmp_path / "ds.xlsx")
    return parse_workbook(tmp_path / "ds.xlsx")


def read_back(parsed):
    return {
        key: (c.row, c.eid_level, str(c.activated_on), c.portal_used)
        for key, c in parsed.cases.items()
    }


def test_a_header_on_two_rows_is_read_with_its_group_titles(tmp_path):
    def fill(sheet):
        sheet.append(["DANH SÁCH NGƯỜI DÂN ĐƯỢC HƯỚNG DẪN"])
        sheet.append(
            [
                "STT",
                "Người hướng dẫn",
                None,
                None,
                "Người dân",
                None,
                None,
                "Tài khoản định danh điện tử",
                None,
                "Tài khoản DVC",
            ]
        )
        sheet.append(
            [
                None,
                "Họ và tên",
                "Số định danh",
                "Số điện thoại",
                "Họ và tên",
                "Số định\ndanh",
                "Số điện thoại",
                "Mức định danh",
                "Ngày kích hoạt",
            ]
        )
        for column in "AJ":
            sheet.merge_cells(f"{column}2:{column}3")
        for span in ("B2:D2", "E2:G2", "H2:I2"):
            sheet.merge_cells(span)
        sheet.append(
            [
                1,
                "Lò Văn Hướng",
                GUIDE,
                "0912000001",
                "Lò Văn A",
                "014195000301",
                "0987000002",
                2,
                "02/05/2023",
                "Có",
            ]
        )

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    sheet = parsed.sheets["residents"]
    assert sheet.header_row == 3
    # The guide's "Họ và tên" (under "Người hướng dẫn") is not taken for the resident's name.
    # Nor the guide's phone for the resident's.
    assert sheet.columns == {
        "guide_id_number": 2,
        "full_name": 4,
        "id_number": 5,
        "phone": 6,
        "eid_level": 7,
        "activated_on": 8,
        "portal_used": 9,
    }
    assert sheet.headers["guide_id_number"] == "Số định danh (Người hướng dẫn)"
    assert sheet.headers["id_number"] == "Số định danh"  # on one line
    assert read_back(parsed) == {("014195000301", GUIDE): (4, 2, "2023-05-02", True)}
    assert (parsed.residents["014195000301"].full_name, parsed.residents["014195000301"].phone) == (
        "Lò Văn A",
        "0987000002",
    )


def test_a_header_whose_columns_are_merged_down_is_joined_with_the_row_below(tmp_path):
    def fill(sheet):
        sheet.append(
            ["Họ và tên", "Số định danh", "Số định danh người hướng dẫn", "Kích hoạt", None]
        )
        sheet.append([None, None, None, "Mức định danh", "Ngày kích hoạt"])
        sheet.append(["Lò Văn A", "014195000301", GUIDE, 1, "21/4/2023"])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors and not parsed.warnings
    assert parsed.sheets["residents"].header_row == 2
    assert read_back(parsed) == {("014195000301", GUIDE): (3, 1, "2023-04-21", False)}


def test_column_numbers_and_rows_with_only_their_number_are_not_read(tmp_path):
    def fill(sheet):
        sheet.append(["STT", "Họ và tên", "Số định danh", "Số định danh người hướng dẫn"])
        sheet.append(["A", "B", 1, 2])  # letters for the text columns, numbers for the others
        sheet.append([1, "Lò Văn A", "014195000301", GUIDE])
        sheet.append([2])  # numbered in advance, never filled in
        sheet.append([3])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert [(w.row, w.message) for w in parsed.warnings] == [
        (2, "Không nhập: dòng đánh số thứ tự các cột.")
    ]
    assert list(parsed.residents) == ["014195000301"]


def test_a_totals_row_is_not_read_but_a_resident_named_tong_is(tmp_path):
    def fill(sheet):
        sheet.append(
            ["STT", "Họ và tên", "Số định danh", "Số định danh người hướng dẫn", "Tài khoản DVC"]
        )
        sheet.append([1, "Tống Văn Cộng", "014195000301", GUIDE, "Có"])
        sheet.append([None, "Cộng bản Nà Khá", None, None, 1])  # a subtotal
        sheet.append([2, "Tổng số: 1 người", None, None, 1])  # numbered like the rows above it
        sheet.append([None, "Ghi chú: số liệu tính đến hết tháng 6."])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert [(w.row, w.code) for w in parsed.warnings] == [
        (3, "not_read_totals"),
        (4, "not_read_totals"),
        (5, "not_read_signatures"),
    ]
    assert parsed.residents["014195000301"].full_name == "Tống Văn Cộng"


def test_the_signature_block_under_the_list_is_not_read(tmp_path):
    def fill(sheet):
        sheet.append(["Họ và tên", "Số định danh", "Số định danh người hướng dẫn", "Ghi chú"])
        sheet.append(["Lò Văn A", "014195000301", GUIDE, None])
        sheet.append([])
        sheet.append([None, None, None, "Mường Lạn, ngày 20 tháng 6 năm 2023"])
        sheet.append(["Người lập danh sách", None, "XÁC NHẬN CỦA ĐOÀN XÃ"])
        sheet.append(["(Ký, ghi rõ họ tên)", None, "BÍ THƯ"])
        sheet.append(["Lo Van Huong", None, "Quàng Văn Bí"])
        sheet.append([])
        sheet.append(["* Ghi chú: danh sách gồm 1 người, đã đối chiếu với dữ liệu dân cư."])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert [str(w) for w in parsed.warnings] == [
        "Trang Người dân, dòng 4: Các dòng 4–9 dưới danh sách (địa danh, ngày tháng, chữ ký) không được nhập."
    ]
    assert list(parsed.residents) == ["014195000301"]


def test_a_last_row_missing_its_id_number_is_still_an_error_not_a_signature(tmp_path):
    def fill(sheet):
        sheet.append(
            [
                "Họ và tên",
                "Số định danh",
                "Số định danh người hướng dẫn",
                "Mức định danh",
                "Ngày kích hoạt",
                "Ghi chú",
            ]
        )
        sheet.append(["Lò Văn A", "014195000301", GUIDE, 2, "02/05/2023", None])
        sheet.append(["Lò Văn B", None, GUIDE, 2, "02/05/2023", "Xác nhận lại số CCCD"])
        sheet.append(["Người lập biểu"])

    parsed = parse_sheet(tmp_path, fill)
    assert [str(e) for e in parsed.errors] == [
        "Trang Người dân, dòng 3, cột Số định danh: Ô này bắt buộc phải điền."
    ]
    assert [(w.row, w.code) for w in parsed.warnings] == [(4, "not_read_signatures")]


def test_two_lists_pasted_one_under_the_other_are_both_read(tmp_path):
    headers = ["STT", "Họ và tên", "Số định danh", "Số định danh người hướng dẫn"]

    def fill(sheet):
        sheet.append(["DANH SÁCH XÃ MƯỜNG LẠN"])
        sheet.merge_cells("A1:D1")
        sheet.append(headers)
        sheet.append(["I", "Bản Nà Khá"])  # row 3
        sheet.merge_cells("B3:D3")
        sheet.append([1, "Lò Văn A", "014195000301", GUIDE])
        sheet.append([])
        sheet.append(["DANH SÁCH XÃ SỐP CỘP"])  # row 6
        sheet.merge_cells("A6:D6")
        sheet.append(headers)  # row 7
        sheet.append(["(1)", "(2)", "(3)", "(4)"])  # row 8
        sheet.append([1, "Lò Văn B", "014195000302", GUIDE])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert [(w.row, w.code) for w in parsed.warnings] == [
        (3, "not_read_heading"),
        (7, "not_read_repeated_header"),
        (8, "not_read_column_numbers"),
    ]
    # Row 6, the second list's title, is in the STT column only, which is not read: blank.
    assert list(parsed.residents) == ["014195000301", "014195000302"]


def test_a_heading_merged_across_the_whole_row_is_not_read(tmp_path):
    def fill(sheet):
        sheet.append(["Họ và tên", "Số định danh", "Số định danh người hướng dẫn"])
        sheet.append(["Bản Nà Khá"])
        sheet.merge_cells("A2:C2")
        sheet.append(["Lò Văn A", "014195000301", GUIDE])
        sheet.append(["Bản Co Muông"])  # not merged: read, and the ID numbers are missing
        sheet.append(["Lò Văn B", "014195000302", GUIDE])

    parsed = parse_sheet(tmp_path, fill)
    assert [(w.row, w.code) for w in parsed.warnings] == [(2, "not_read_heading")]
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [
        (4, "Số định danh", "required"),
        (4, "Số định danh người hướng dẫn", "required"),
    ]


def test_a_guide_id_merged_down_beside_their_residents_belongs_to_each_row(tmp_path):
    def fill(sheet):
        sheet.append(
            [
                "Số định danh người hướng dẫn",
                "Họ và tên",
                "Số định danh",
                "Mức định danh",
                "Ngày kích hoạt",
            ]
        )
        sheet.append([GUIDE, "Lò Văn A", "014195000301", 2, "02/05/2023"])
        sheet.append([None, "Lò Văn B", "014195000302", 1, "03/05/2023"])
        sheet.append([None, "Lò Văn C", "014195000303", None, None])
        sheet.merge_cells("A2:A4")
        sheet.append(["014095000002", "Lò Văn D", "014195000304", None, None])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert sorted(parsed.cases) == [
        ("014195000301", GUIDE),
        ("014195000302", GUIDE),
        ("014195000303", GUIDE),
        ("014195000304", "014095000002"),
    ]


def test_a_note_in_brackets_after_a_header_is_read_with_it_or_left_out(tmp_path):
    def fill(sheet):
        sheet.append(
            [
                "Họ và tên (*)",
                "Số định danh (12 số)",
                "Số định danh (người hướng dẫn)",
                "Mức định danh (1 hoặc 2)",
                "Ngày kích hoạt (ngày/tháng/năm)",
                "Tài khoản DVC:",
                "Ngày sinh (người hướng dẫn)",
                "Đối tượng (Cán bộ, Đoàn viên, Người dân...)",
            ]
        )
        sheet.append(
            ["Lò Văn A", "014195000301", GUIDE, 2, "02/05/2023", "Có", "01/01/1960", "Đoàn viên"]
        )

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    # The guide's birth date is not taken for the resident's.
    assert parsed.sheets["residents"].columns == {
        "full_name": 0,
        "id_number": 1,
        "guide_id_number": 2,
        "eid_level": 3,
        "activated_on": 4,
        "portal_used": 5,
        "category": 7,
    }
    assert read_back(parsed) == {("014195000301", GUIDE): (2, 2, "2023-05-02", True)}


def test_an_empty_sheet_is_not_read_and_a_file_of_empty_sheets_has_nothing_to_import(tmp_path):
    from campaign.importing import parse_workbook

    book = openpyxl.Workbook()
    book.active.title = "Đơn vị"
    residents = book.create_sheet("Người dân")
    residents.append(["Họ và tên", "Số định danh", "Số định danh người hướng dẫn"])
    residents.append(["Lò Văn A", "014195000301", GUIDE])
    book.save(tmp_path / "a.xlsx")
    parsed = parse_workbook(tmp_path / "a.xlsx")
    assert not parsed.errors and list(parsed.residents) == ["014195000301"]
    assert [str(w) for w in parsed.warnings] == ["Trang Đơn vị: Trang này trống: không đọc."]

    book = openpyxl.Workbook()
    book.active.title = "Người dân"
    book.save(tmp_path / "b.xlsx")
    parsed = parse_workbook(tmp_path / "b.xlsx")
    assert [str(e) for e in parsed.errors] == ["Các trang của tệp đều trống: không có gì để nhập."]


def test_a_birth_year_alone_is_a_warning_not_a_day_in_1905(tmp_path):
    def fill(sheet):
        sheet.append(["Họ và tên", "Số định danh", "Số định danh người hướng dẫn", "Ngày sinh"])
        sheet.append(["Lò Văn A", "014195000301", GUIDE, 1995])
        sheet.append(["Lò Văn B", "014195000302", GUIDE, "1995"])
        sheet.append(["Lò Văn C", "014195000303", GUIDE, "32/01/1995"])

    parsed = parse_sheet(tmp_path, fill)
    assert [str(w) for w in parsed.warnings] == [
        f"Trang Người dân, dòng {row}, cột Ngày sinh: Chỉ ghi năm sinh (1995), không có ngày và "
        "tháng. Ô này được để trống; phần còn lại của dòng vẫn được nhập."
        for row in (2, 3)
    ]
    assert parsed.residents["014195000301"].birth_date is None
    # A date that is not one is still wrong (interfaces.md).
    assert [(e.row, e.column, e.code) for e in parsed.errors] == [(4, "Ngày sinh", "invalid")]


@pytest.mark.parametrize(
    "written, category",
    [
        ("LLVT", "armed_forces"),
        ("Cán bộ Đoàn", "cadre"),
        ("Đoàn viên / Hội viên", "member"),
        ("Đoàn viên /Hội viên", "member"),
        ("công chức/ viên chức", "civil_servant"),
        ("Nhân dân", "resident"),
    ],
)
def test_categories_as_secretaries_write_them(tmp_path, written, category):
    def fill(sheet):
        sheet.append(["Họ và tên", "Số định danh", "Số định danh người hướng dẫn", "Đối tượng"])
        sheet.append(["Lò Văn A", "014195000301", GUIDE, written])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert parsed.residents["014195000301"].category == category


def test_error_workbook_of_a_real_file_writes_over_nothing(tmp_path):
    path = tmp_path / "ds.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["DANH SÁCH NGƯỜI DÂN"])
    sheet.merge_cells("A1:F1")
    sheet.append(
        [
            "Họ và tên",
            "Số định danh",
            "Số định danh người hướng dẫn",
            "Tài khoản định danh",
            None,
            "Tài khoản DVC",
        ]
    )
    sheet.append([None, None, None, "Mức định danh", "Ngày kích hoạt"])
    for column in "ABCF":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    sheet.append(["Lò Văn A", "12", GUIDE, 2, "02/05/2023", "Có"])
    summary = book.create_sheet("Tổng hợp")
    summary.append(["BÁO CÁO TỔNG HỢP"])
    summary.append(["Xã Mường Lạn", 25])
    book.save(path)
    out = io.BytesIO()
    wb.write_error_workbook(path, "xlsx", {"Sheet1": {4: ["Số định danh: sai"]}}, out)
    result = openpyxl.load_workbook(out)
    rows = [[c.value for c in row] for row in result["Sheet1"].iter_rows()]
    assert rows[2][6] == "Lỗi"  # on the lower header row, after the last column
    assert rows[3] == ["Lò Văn A", "12", GUIDE, 2, "02/05/2023", "Có", "Số định danh: sai"]
    assert [[c.value for c in row] for row in result["Tổng hợp"].iter_rows()] == [
        ["BÁO CÁO TỔNG HỢP", None],
        ["Xã Mường Lạn", 25],
    ]


def test_every_error_is_one_line_even_quoting_a_cell_typed_on_two(tmp_path):
    def fill(sheet):
        sheet.append(
            [
                "Họ và tên",
                "Số định\ndanh",
                "Số định danh người hướng dẫn",
                "Mức định danh",
                "Ngày kích hoạt",
            ]
        )
        sheet.append(["Lò Văn A", "014195000301", GUIDE, 2, "21/04\n2023"])
        sheet.append(["Lò Văn B", "01419500030", GUIDE, None, None])

    parsed = parse_sheet(tmp_path, fill)
    assert [str(e) for e in parsed.errors] == [
        "Trang Người dân, dòng 2, cột Ngày kích hoạt: Không đọc được ngày 21/04 2023; hãy ghi theo "
        "ngày/tháng/năm, ví dụ 21/04/2023.",
        "Trang Người dân, dòng 3, cột Số định danh: Số định danh phải có 12 chữ số (số này có 11 chữ số).",
    ]


def test_a_members_birth_year_alone_is_a_warning_too(tmp_path):
    def fill(sheet):
        sheet.append(
            ["Mã đơn vị", "Họ và tên", "Số định danh", "Đối tượng", "Năm sinh", "Ngày sinh"]
        )
        sheet.append(["DX", "Lò Văn Hướng", GUIDE, "Cán bộ", 1995, 1995.0])

    parsed = parse_sheet(tmp_path, fill, title="Thành viên")
    assert not parsed.errors
    assert [(w.row, w.column, w.code) for w in parsed.warnings] == [
        (2, "Ngày sinh", "detail_ignored")
    ]
    assert parsed.members[GUIDE].birth_date is None


def test_more_header_spellings_for_the_level_date_and_portal(tmp_path):
    def fill(sheet):
        sheet.append(
            [
                "Họ tên người dân",
                "Số định danh cá nhân",
                "Số CCCD người HD",
                "Mức độ định danh điện tử",
                "Ngày kích hoạt VNeID",
                "Tài khoản Cổng DVCQG",
            ]
        )
        sheet.append(["Lò Văn A", "014195000301", GUIDE, "2", "2/5/2023", "Đã đăng nhập"])

    parsed = parse_sheet(tmp_path, fill)
    assert not parsed.errors
    assert read_back(parsed) == {("014195000301", GUIDE): (2, 2, "2023-05-02", True)}


def test_the_residents_sheet_declares_a_column_for_each_detail_the_models_declare():
    from campaign.importing.parse_residents import RESIDENT_CELLS
    from campaign.models import Case, Resident

    declared = {column.key for column in wb.RESIDENTS.columns}
    keys = {"id_number", "guide_id_number"}  # who the resident is, and who guided them
    # "Hoạt động" names an activity by its code or name; the plan finds its key (activity_id).
    details = {key.removesuffix("_id") for key in Case.DETAILS}
    assert declared == {*Resident.DETAILS, *details, *keys}
    # The importer reads each declared column ("place" on its own: unknown places go to
    # the note).
    assert {key for key, *_rest in RESIDENT_CELLS} | {"place"} == declared
