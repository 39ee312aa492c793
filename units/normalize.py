"""Normalisation and checks of the values people type: ID numbers, phones, names, dates.

One module, used by the forms, the workbook importer and the admin alike, so a value is read
the same way wherever it arrives. Each `normalize_*` function returns the stored form or
raises `ValueError` with a message a unit secretary understands; each `check_*` function
returns a list of warnings (things that are probably, but not certainly, wrong).
"""

import datetime
import re
import unicodedata

from django.utils.translation import gettext as _

# Province codes of the citizen identity card (first three digits of the personal ID number),
# as issued before the 2025 merger of provinces. A number outside this list is only a warning:
# the prefix may be a country code, and the registry is right more often than a form.
PROVINCE_CODES = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# Mobile prefixes of Vietnam's networks (10-digit numbers) and the landline area codes start
# with 02 (11-digit numbers).
MOBILE_PREFIXES = {
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "052",
    "055",
    "056",
    "058",
    "059",
    "070",
    "076",
    "077",
    "078",
    "079",
    "081",
    "082",
    "083",
    "084",
    "085",
    "086",
    "087",
    "088",
    "089",
    "090",
    "091",
    "092",
    "093",
    "094",
    "096",
    "097",
    "098",
    "099",
}

# Inside a number: spaces (also non-breaking and zero-width), dots, dashes (also the en and
# em dashes and non-breaking hyphen a word processor's autocorrect puts in, the minus sign and
# the soft hyphen), slashes, brackets, and the apostrophe Excel users type to keep a number
# as text.
_SEPARATORS = re.compile(r"[\s.\-\u00ad\u2010-\u2015\u2212_/()'’`\u200b\u200c\u200d\ufeff]+")
_SPACES = re.compile(r"\s+")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


# --- Text -------------------------------------------------------------------------------


def normalize_name(value):
    """A person's or unit's name: NFC, surrounding spaces stripped, inner spaces collapsed."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


# Characters nobody means to type that copying from a chat app, a word processor or a web
# page brings along: the soft hyphen, zero-width spaces and joiners, the byte-order mark, and
# the marks that turn the direction of text (they can make a name display as another one).
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# What a person's name is written with: letters and their marks, digits, punctuation
# (. ' - and brackets) and spaces. Not symbols or emoji, nor anything unprintable.
_NAME_CATEGORIES = ("L", "M", "N", "P", "Zs")


def clean_text(value):
    """Typed text (a name, an address, a note) with its invisible characters dropped.

    Raises ValueError for a control character other than a tab or a line break (a NUL byte,
    a form feed): nobody types one, it comes from a damaged file or a tampered form, and
    PostgreSQL cannot store a NUL at all."""
    text = _INVISIBLE.sub("", str(value))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise ValueError(
            _(
                "This text contains an invisible control character (copied from "
                "another program or a damaged file); type it again."
            )
        )
    return text


def normalize_person_name(value):
    """A person's name typed on a form: `clean_text`, then `normalize_name`. Raises ValueError
    for a name with a symbol or an emoji, or with no letter at all. Blank gives ""."""
    name = normalize_name(clean_text(value or ""))
    odd = "".join(
        dict.fromkeys(
            ch for ch in name if not unicodedata.category(ch).startswith(_NAME_CATEGORIES)
        )
    )
    if odd:
        raise ValueError(
            _("A name cannot contain symbols or emoji (%(symbols)s).") % {"symbols": odd}
        )
    if name and not any(ch.isalpha() for ch in name):
        raise ValueError(_("A name must contain letters."))
    return name


def fold(value):
    """Text reduced for matching headers and choices: no diacritics (đ too), lower case,
    spaces collapsed. "  Số  ĐỊNH danh " and "so dinh danh" fold to the same string."""
    text = unicodedata.normalize("NFD", str(value or "")).replace("đ", "d").replace("Đ", "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text).strip().lower()


# --- Personal ID number ------------------------------------------------------------------


def normalize_id_number(value, *, workbook_cell=False):
    """The 12-digit personal ID number (số định danh cá nhân / CCCD).

    Spaces, dots and dashes inside are dropped. A number typed into Excel as a number loses
    its leading zero (every province code starts with 0): 11 digits from a numeric cell (an
    integer or a float) get the zero back. 11 digits typed on a form get it back too (the
    zero is easy to leave out on a phone); in a workbook cell (`workbook_cell`) typed as
    text they are an error: interfaces.md restores the zero of numeric cells only.
    """
    if is_blank(value):
        raise ValueError(_("The ID number is missing."))
    if isinstance(value, bool):
        raise ValueError(_("The ID number must have 12 digits."))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("The ID number must have 12 digits."))
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        if len(digits) == 11:
            digits = "0" + digits
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if text.endswith(".0") and text[:-2].isdigit():  # a number read back as text
            text = text[:-2]
        digits = _SEPARATORS.sub("", text)
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(_("The ID number may contain only digits."))
    if len(digits) == 11 and not digits.startswith("0") and isinstance(value, str):
        if not workbook_cell:
            return "0" + digits
        # Typed as text, so not Excel's doing: most likely the zero was left out, but it may
        # be a wrong digit.
        raise ValueError(
            _("The ID number must have 12 digits (this one has 11: is the leading 0 missing?).")
        )
    if len(digits) != 12:
        raise ValueError(
            _("The ID number must have 12 digits (this one has %(count)d).")
            % {"count": len(digits)}
        )
    return digits


def id_century_digit(birth_year, sex):
    """The 4th digit of an ID number for a birth year and sex ('M' or 'F')."""
    century = (birth_year // 100) - 19  # 1900s -> 0, 2000s -> 1, ...
    return str(century * 2 + (1 if sex == "F" else 0))


def check_id_number(id_number, *, birth_date=None, sex=None):
    """Warnings about an ID number's structure: unknown province code, or a birth-century,
    birth-year or sex digit that disagrees with the birth date or sex given."""
    warnings = []
    if id_number[:3] not in PROVINCE_CODES:
        warnings.append(
            _("ID number %(id)s: %(code)s is not a province code.")
            % {"id": id_number, "code": id_number[:3]}
        )
    digit = int(id_number[3])
    if birth_date is not None:
        century = 1900 + (digit // 2) * 100
        year = century + int(id_number[4:6])
        if year != birth_date.year:
            warnings.append(
                _("ID number %(id)s is of someone born in %(year)d, not %(given)d.")
                % {"id": id_number, "year": year, "given": birth_date.year}
            )
    if sex in ("M", "F"):
        coded = "F" if digit % 2 else "M"
        if coded != sex:
            warnings.append(
                _("ID number %(id)s is of a man, but the sex given is female.")
                if coded == "M"
                else _("ID number %(id)s is of a woman, but the sex given is male.")
            )
            warnings[-1] = warnings[-1] % {"id": id_number}
    return warnings


# --- Phone --------------------------------------------------------------------------------


def normalize_phone(value):
    """A Vietnamese phone number as 0XXXXXXXXX: +84 or 84 in front is turned into 0, a number
    that lost its leading 0 (a numeric Excel cell) gets it back. Blank gives ""."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SEPARATORS.sub("", str(value))
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("84"):
            raise ValueError(_("Only Vietnamese phone numbers (+84) are accepted."))
    if not (text.isascii() and text.isdigit()):
        raise ValueError(_("A phone number may contain only digits."))
    if text.startswith("840") and len(text) in (12, 13):  # +84 0912...: its 0 kept as well
        text = text[2:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    elif not text.startswith("0") and len(text) in (9, 10):
        text = "0" + text
    if len(text) not in (10, 11):
        raise ValueError(
            _("A phone number must have 10 digits (this one has %(count)d).") % {"count": len(text)}
        )
    if not text.startswith("0"):  # 11 digits: only a landline (02...) has as many
        raise ValueError(_("A Vietnamese phone number starts with 0 or +84."))
    return text


def check_phone(phone):
    """Warnings about a normalised phone number: a prefix no Vietnamese network uses."""
    if not phone:
        return []
    if len(phone) == 10 and phone[:3] in MOBILE_PREFIXES:
        return []
    if len(phone) == 11 and phone.startswith("02"):
        return []
    return [_("Phone number %(phone)s has an unknown prefix.") % {"phone": phone}]


# --- Dates and yes/no -------------------------------------------------------------------

_DATE_PATTERNS = [
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$"), ("y", "m", "d")),
]


def normalize_date(value):
    """A date, day first: a date cell, an Excel serial number, or text dd/mm/yyyy, d/m/yyyy,
    dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd (a time after it is ignored). Blank gives None."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise ValueError(_("This is not a date."))
    if isinstance(value, (int, float)):
        if not 1 <= value < 2958466:  # Excel's serials run from 1900-01-01 to 9999-12-31
            raise ValueError(_("This is not a date."))
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = str(value).strip().lstrip("'’`")  # Excel's apostrophe, typed to keep the text
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    if text.isdigit() and len(text) <= 5:
        return normalize_date(int(text))
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups())))
            try:
                return datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise ValueError(
                    _("%(value)s is not a real date (day/month/year).") % {"value": text}
                ) from None
    raise ValueError(
        _("%(value)s cannot be read as a date; write it as day/month/year, e.g. 21/04/2023.")
        % {"value": text}
    )


YES_WORDS = {
    "co",
    "x",
    "1",
    "true",
    "yes",
    "y",
    "dung",
    "roi",
    "da",
    "da co",
    "co roi",
    "da kich hoat",
    "da dung",
    "da su dung",
    "da dang nhap",
    "da dang ky",
    "✓",
    "✔",
    "√",
    "v",
}
NO_WORDS = {
    "khong",
    "0",
    "false",
    "no",
    "n",
    "chua",
    "-",
    "chua co",
    "chua kich hoat",
    "chua dung",
    "chua su dung",
    "chua dang nhap",
    "chua dang ky",
    "khong co",
}


def normalize_yes_no(value):
    """Có/Không, x, 1/0, TRUE/FALSE; blank means no."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise ValueError(_("Write Có or Không."))
    word = fold(value)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(_("Write Có or Không (this cell has “%(value)s”).") % {"value": value})
