"""The residents sheet, parsed: the hot loop of a 100,000-row import, one resident and one
case a row, a resident listed on several rows merged.
"""

import contextlib

from django.utils import timezone
from django.utils.translation import gettext as _

from config.formats import day
from units.normalize import (
    check_id_number,
    check_phone,
    fold,
    normalize_date,
    normalize_yes_no,
)

from .. import workbook as wb
from ..models import Resident, ResidentCategory
from .cells import (
    RESIDENT_CATEGORIES,
    SEXES,
    Invalid,
    Row,
    cell_reader,
    places_lookup,
    read_birth_date,
    read_choice,
    read_id_number,
    read_level,
    read_name,
    read_phone,
    read_text,
    shown,
)
from .problems import Problem, other_row
from .records import CaseRow, ResidentRow

# The residents sheet's cells in the order they are read (and their errors reported): key,
# converter, memoised, required, default when blank or wrong.
RESIDENT_CELLS = (
    ("full_name", read_name, True, True, None),
    ("id_number", read_id_number, False, True, None),
    ("guide_id_number", read_id_number, True, True, None),
    ("eid_level", read_level, True, False, None),
    ("activated_on", normalize_date, True, False, None),
    ("portal_used", normalize_yes_no, True, False, False),
    ("id_card_application", normalize_yes_no, True, False, False),
    ("birth_date", read_birth_date, True, False, None),
    ("sex", "sex", True, False, ""),
    ("phone", read_phone, False, False, ""),
    ("address", read_text, True, False, ""),
    ("village", read_text, True, False, ""),
    ("commune", read_text, True, False, ""),
    ("note", read_text, True, False, ""),
    ("guided_on", normalize_date, True, False, None),
    ("category", "category", True, False, None),
    ("activity", read_text, True, False, ""),
)
# The free-text details and their lengths, as the model keeps them.
TEXT_LIMITS = tuple(
    (key, Resident._meta.get_field(key).max_length)
    for key, convert, *_rest in RESIDENT_CELLS
    if convert is read_text and key in Resident.DETAILS
)
# A resident's or member's own details that count for nothing: an unreadable value there is a
# warning and the cell is left blank, not a reason to refuse the whole file (docs/workbook.md
# lists what is wrong; these are not on that list).
SOFT_DETAILS = {"phone", "sex"}


def parse_residents_sheet(parsed, sheet, rows):
    """The hot loop (100,000 rows in about a second): columns looked up once, each distinct
    value of a column converted once, no object per row but the records kept."""
    categories = [wb.RESIDENT_LABEL, *wb.MEMBER_CATEGORIES]
    places = places_lookup()
    special = {
        "sex": lambda v: read_choice(SEXES, v, list(wb.SEXES)),
        "category": lambda v: read_choice(RESIDENT_CATEGORIES, v, categories),
    }
    columns = sheet.columns
    title = sheet.title
    errors, warnings = parsed.errors, parsed.warnings
    residents, cases = parsed.residents, parsed.cases
    today = timezone.localdate()
    readers = []
    for key, convert, memo, required, default in RESIDENT_CELLS:
        if key not in columns:
            continue
        convert = special.get(convert, convert)
        readers.append(
            (columns[key], cell_reader(convert, memo=memo), required, default, sheet.header(key))
        )
    # Absent columns: their values, fixed (an absent card column is None: "not given").
    absent = {key: default for key, _c, _m, _r, default in RESIDENT_CELLS if key not in columns}
    if "id_card_application" in absent:
        absent["id_card_application"] = None
    present = [key for key, *_rest in RESIDENT_CELLS if key in columns]
    place_index = columns.get("place")
    place_cache = {}
    width = max(columns.values()) + 1
    required_message = _("This value is required.")
    left_blank = _("The cell is left blank; the rest of the row is imported.")
    unknown_place = _(
        "“%(value)s” is not one of the list's places (%(choices)s): the place is left blank "
        "and the text kept in the note."
    )
    place_names = " · ".join(wb.PLACES)
    header = sheet.header

    def error(number, column, message, code):
        errors.append(Problem(title, number, column, message, code))

    for number, cells in rows:
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        failed = False
        values = dict(absent)
        for (index, read, required, default, column), key in zip(readers, present):
            result = read(cells[index])
            if result.__class__ is Invalid:
                if result.message is None:
                    if required:
                        error(number, column, required_message, "required")
                        failed = True
                elif key in SOFT_DETAILS or result.soft:
                    warnings.append(
                        Problem(
                            title,
                            number,
                            column,
                            result.message + " " + left_blank,
                            "detail_ignored",
                        )
                    )
                else:
                    error(number, column, result.message, "invalid")
                    failed = True
                result = default
            values[key] = result
        if place_index is not None:
            raw = cells[place_index]
            try:
                text, place = place_cache[raw if raw.__class__ is str else (raw.__class__, raw)]
            except (KeyError, TypeError):
                try:
                    text = read_text(raw)
                except ValueError as exc:
                    error(number, header("place"), str(exc), "invalid")
                    failed, text, place = True, "", ""
                else:
                    place = places.get(fold(text), "") if text else ""
                    with contextlib.suppress(TypeError):
                        place_cache[raw if raw.__class__ is str else (raw.__class__, raw)] = (
                            text,
                            place,
                        )
            values["place"] = place
            if text and not place:
                # An unknown "how/where" is kept in the note, never an error (the place counts
                # for no figure), but said: the row is named, so the secretary can fix it.
                note = values["note"]
                values["note"] = f"{text}. {note}".strip() if note else text
                warnings.append(
                    Problem(
                        title,
                        number,
                        header("place"),
                        unknown_place % {"value": shown(text), "choices": place_names},
                        "unknown_place",
                    )
                )
        else:
            values["place"] = ""
        level, activated_on = values["eid_level"], values["activated_on"]
        if level is not None and activated_on is None and not failed:
            error(
                number,
                header("activated_on"),
                _("The activation date is required when the e-ID level is given."),
                "level_without_date",
            )
            failed = True
        elif activated_on is not None and level is None and not failed:
            error(
                number,
                header("eid_level"),
                _("The e-ID level (1 or 2) is required when an activation date is given."),
                "date_without_level",
            )
            failed = True
        for key, limit in TEXT_LIMITS:
            if len(values[key]) > limit:
                error(
                    number,
                    header(key),
                    _("At most %(count)d characters.") % {"count": limit},
                    "too_long",
                )
                failed = True
        if failed:
            continue
        id_number, guide = values["id_number"], values["guide_id_number"]
        birth_date, sex, phone = values["birth_date"], values["sex"], values["phone"]
        for message in check_id_number(id_number, birth_date=birth_date, sex=sex or None):
            warnings.append(Problem(title, number, header("id_number"), message, "id_structure"))
        if phone:
            for message in check_phone(phone):
                warnings.append(Problem(title, number, header("phone"), message, "phone_prefix"))
        if values["activated_on"] is not None and values["activated_on"] > today:
            message = _(
                "The activation date %(day)s is after today: check it (a case counts from its "
                "activation day on)."
            ) % {"day": day(values["activated_on"])}
            warnings.append(Problem(title, number, header("activated_on"), message, "future"))
        category = values["category"]
        resident = residents.get(id_number)
        if resident is None:
            residents[id_number] = ResidentRow(
                [number],
                id_number,
                values["full_name"],
                birth_date,
                sex,
                phone,
                values["address"],
                values["village"],
                values["commune"],
                category,
            )
        else:
            merge_resident_rows(
                Row(parsed, sheet, number, cells),
                resident,
                values["full_name"],
                {k: values[k] for k in ROW_DETAILS if k in columns},
                category,
            )
        key = (id_number, guide)
        portal = values["portal_used"]
        case = CaseRow(
            number,
            id_number,
            guide,
            level,
            activated_on,
            portal,
            values["id_card_application"],
            values["guided_on"],
            values["place"],
            values["note"],
            None,
            values["activity"],
        )
        other = cases.get(key)
        if other is None:
            cases[key] = case
        elif (other.eid_level, other.activated_on, other.portal_used) != (
            level,
            activated_on,
            portal,
        ):
            error(
                number,
                header("id_number"),
                _(
                    "The same guide lists this resident on row %(other)s too, with a different "
                    "level, activation date or portal account; keep one row."
                )
                % {"other": other_row(other.row, sheet, parsed.sheets)},
                "conflicting_duplicate",
            )
        else:
            for attr in ("id_card_application", "guided_on", "place", "note", "activity"):
                if getattr(case, attr) not in (None, ""):
                    setattr(other, attr, getattr(case, attr))


# The details of a resident listed on several rows that the last row's replace (the name is
# required on every row; the category has a rule of its own).
ROW_DETAILS = tuple(key for key in Resident.DETAILS if key not in ("full_name", "category"))


def merge_resident_rows(row, resident, full_name, values, category):
    """A resident listed on several rows: the last row's details are kept, a difference is
    a warning; a member category on any row excludes them."""
    incoming = {"full_name": full_name, **{k: values.get(k) for k in ROW_DETAILS}}
    differing = []
    for key, value in incoming.items():
        if value in (None, ""):
            continue
        current = getattr(resident, key)
        if current not in (None, "") and current != value:
            differing.append(row.sheet.header(key))
        setattr(resident, key, value)
    if differing:
        row.warn(
            "",
            _(
                "This resident is also on row %(other)s with different details (%(columns)s); "
                "this row's are kept."
            )
            % {
                "other": other_row(resident.rows[-1], row.sheet, row.parsed.sheets),
                "columns": ", ".join(differing),
            },
            "resident_details_differ",
        )
    # A blank category is the default, "Người dân": a blank row and a row giving a member
    # category differ too.
    given = category or ResidentCategory.RESIDENT
    current = resident.category or ResidentCategory.RESIDENT
    if given != current:  # so one of them is a member category: the resident is excluded
        row.warn(
            "category",
            _(
                "This resident's category differs from row %(other)s; as a "
                "category of cadres or members is given, they are not counted."
            )
            % {"other": other_row(resident.rows[-1], row.sheet, row.parsed.sheets)},
            "category_differs",
        )
        resident.category = given if given != ResidentCategory.RESIDENT else current
    elif category is not None:
        resident.category = category
    resident.rows.append(row.number)
