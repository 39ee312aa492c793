"""The one module that reads typed values: every normalisation and warning."""

import datetime
import unicodedata

import pytest

from units.normalize import (
    check_id_number,
    check_phone,
    clean_text,
    fold,
    normalize_date,
    normalize_id_number,
    normalize_name,
    normalize_person_name,
    normalize_phone,
    normalize_yes_no,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("014090001234", "014090001234"),
        (14090001234, "014090001234"),  # numeric Excel cell lost its leading zero
        (14090001234.0, "014090001234"),  # ... read back as a float
        ("14090001234", "014090001234"),  # typed on a form without its zero
        ("014 090 001 234", "014090001234"),
        ("014.090.001.234", "014090001234"),
        ("014-090-001-234", "014090001234"),
        ("014–090–001–234", "014090001234"),  # en dashes from autocorrect
        ("014‑090‑001—234", "014090001234"),  # non-breaking hyphen, em dash
        (" 014090001234 ", "014090001234"),
        ("014090001234.0", "014090001234"),
        ("'014090001234", "014090001234"),  # typed with Excel's text apostrophe
        ("014\u00a0090\u00a0001\u00a0234", "014090001234"),  # non-breaking spaces from the web
        ("\ufeff014090001234\u200b", "014090001234"),  # invisible characters
    ],
)
def test_id_number_is_normalised_to_12_digits(raw, expected):
    assert normalize_id_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "01409000123",
        "0140900012345",
        "01409000123A",
        "",
        None,
        12.5,
        "０１４０９０００１２３４x",
        True,
    ],
)
def test_id_number_that_is_not_12_digits_is_an_error(raw):
    with pytest.raises(ValueError):
        normalize_id_number(raw)


def test_id_number_error_says_how_many_digits_it_has():
    with pytest.raises(ValueError, match="10"):
        normalize_id_number("0140900012")


@pytest.mark.parametrize("raw", ["14090001234", "14090001234.0", "14 090 001 234"])
def test_eleven_digits_in_a_workbook_text_cell_are_an_error_that_asks_about_the_zero(raw):
    # interfaces.md restores the zero of a numeric cell only; text is "anything else".
    with pytest.raises(ValueError, match="số 0 ở đầu"):
        normalize_id_number(raw, workbook_cell=True)
    assert normalize_id_number(14090001234, workbook_cell=True) == "014090001234"


def test_id_number_with_a_known_province_and_matching_birth_has_no_warning():
    assert check_id_number("014090001234", birth_date=datetime.date(1990, 5, 1), sex="M") == []
    assert check_id_number("014301001234", birth_date=datetime.date(2001, 5, 1), sex="F") == []


def test_unknown_province_code_is_a_warning_not_an_error():
    warnings = check_id_number("999090001234")
    assert len(warnings) == 1 and "999" in warnings[0]


def test_birth_year_disagreeing_with_id_number_is_a_warning():
    warnings = check_id_number("014090001234", birth_date=datetime.date(1991, 5, 1))
    assert len(warnings) == 1 and "1990" in warnings[0] and "1991" in warnings[0]


def test_century_digit_is_read_for_people_born_after_2000():
    assert check_id_number("014205001234", birth_date=datetime.date(2005, 1, 1)) == []
    assert check_id_number("014205001234", birth_date=datetime.date(1905, 1, 1)) != []


def test_sex_disagreeing_with_id_number_is_a_warning():
    assert len(check_id_number("014090001234", sex="F")) == 1  # digit 0: a man
    assert len(check_id_number("014190001234", sex="M")) == 1  # digit 1: a woman
    assert check_id_number("014190001234", sex="F") == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0912345678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("+84 0912 345 678", "0912345678"),  # the 0 kept after +84
        ("+84 0212 3851 234", "02123851234"),
        ("912345678", "0912345678"),  # lost its zero in a numeric cell
        (912345678, "0912345678"),
        (912345678.0, "0912345678"),
        ("0912.345.678", "0912345678"),
        ("02123851234", "02123851234"),  # Sơn La landline
        ("", ""),
        (None, ""),
    ],
)
def test_phone_is_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["12345", "+1 202 555 0101", "09123456789012", "09x2345678", "14090123234", "-14090123234"],
)  # 11 digits not 0...: stored as typed
def test_impossible_phone_is_an_error(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_unknown_phone_prefix_is_a_warning():
    assert check_phone("0912345678") == []
    assert check_phone("0212385123") != []  # 10 digits starting 02: no such network
    assert len(check_phone("0112345678")) == 1
    assert check_phone("") == []


def test_names_are_stored_nfc_with_collapsed_spaces():
    decomposed = unicodedata.normalize("NFD", "Lường Thị  Diêm")
    assert decomposed != "Lường Thị  Diêm"
    result = normalize_name("  " + decomposed + " ")
    assert result == "Lường Thị Diêm"
    assert unicodedata.is_normalized("NFC", result)


def test_fold_ignores_case_diacritics_d_bar_and_spaces():
    assert fold("  Số  ĐỊNH danh ") == fold("so dinh danh") == "so dinh danh"
    assert fold("Đơn vị") == "don vi"
    assert fold(unicodedata.normalize("NFD", "Người dân")) == "nguoi dan"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("21/04/2023", datetime.date(2023, 4, 21)),
        ("1/5/2023", datetime.date(2023, 5, 1)),  # day first, always
        ("05/01/2023", datetime.date(2023, 1, 5)),
        ("21-04-2023", datetime.date(2023, 4, 21)),
        ("21.04.2023", datetime.date(2023, 4, 21)),
        ("2023-04-21", datetime.date(2023, 4, 21)),
        ("2023-04-21 00:00:00", datetime.date(2023, 4, 21)),
        (45037, datetime.date(2023, 4, 21)),  # Excel serial number
        (45037.0, datetime.date(2023, 4, 21)),
        ("45037", datetime.date(2023, 4, 21)),
        ("'21/04/2023", datetime.date(2023, 4, 21)),  # typed with Excel's text apostrophe
        ("21/4/2023\u00a0", datetime.date(2023, 4, 21)),
        (datetime.datetime(2023, 4, 21, 8, 30), datetime.date(2023, 4, 21)),
        (datetime.date(2023, 4, 21), datetime.date(2023, 4, 21)),
        ("", None),
        (None, None),
    ],
)
def test_dates_are_read_day_first(raw, expected):
    assert normalize_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/2023", "13/13/2023", "hôm qua", "2023/13/01", -5, True])
def test_unreadable_or_impossible_date_is_an_error(raw):
    with pytest.raises(ValueError):
        normalize_date(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Có", True),
        ("có", True),
        ("CO", True),
        ("x", True),
        ("X", True),
        ("1", True),
        (1, True),
        ("TRUE", True),
        (True, True),
        ("Không", False),
        ("khong", False),
        ("0", False),
        (0, False),
        ("FALSE", False),
        (False, False),
        ("", False),
        (None, False),
        ("Đã có", True),
        ("đã kích hoạt", True),
        ("✓", True),
        ("Chưa", False),
        ("chưa kích hoạt", False),
        ("Đã đăng nhập", True),
        ("Chưa đăng ký", False),
    ],
)
def test_yes_no(raw, expected):
    assert normalize_yes_no(raw) is expected


def test_yes_no_rejects_other_words():
    with pytest.raises(ValueError):
        normalize_yes_no("có lẽ")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Lo\u0300 Va\u0306n Tha\u0300nh", "Lò Văn Thành"),  # decomposed, as some phones type
        ("\ufeffQuàng\u200b Thị\u00a0 Mai\u200e", "Quàng Thị Mai"),  # pasted from a chat app
        ("\u202eLò Văn A", "Lò Văn A"),  # a direction mark is dropped
        ("Nguyễn Thị O'Neill-Hà (bé)", "Nguyễn Thị O'Neill-Hà (bé)"),
        ("   ", ""),
    ],
)
def test_a_typed_name_is_composed_and_rid_of_invisible_characters(raw, expected):
    assert normalize_person_name(raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("Tên\x00xấu", "ký tự điều khiển"),  # a NUL byte: PostgreSQL cannot store it
        ("\x01\x02", "ký tự điều khiển"),
        ("Lò Văn A\x0c", "ký tự điều khiển"),
        ("😀 Nguyễn", "biểu tượng cảm xúc (😀)"),
        ("<b>Mai</b>", "(<>)"),
        ("\u200b", None),  # nothing left: blank, the form says required
        ("12 34", "phải có chữ cái"),
    ],
)
def test_a_name_with_a_control_character_a_symbol_or_no_letter_is_an_error(raw, message):
    if message is None:
        assert normalize_person_name(raw) == ""
        return
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalize_person_name(raw)


def test_free_text_keeps_line_breaks_and_emoji_but_not_control_characters():
    assert clean_text("Bản Mạ,\r\nxã Mường Lạn 🙂\u200b") == "Bản Mạ,\r\nxã Mường Lạn 🙂"
    with pytest.raises(ValueError, match="ký tự điều khiển"):
        clean_text("Bản\x00Mạ")
