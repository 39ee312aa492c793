"""The template's drop-downs come from the one declaration of each column's choices, through
a hidden sheet's ranges (an item may hold a comma); a value the importer does not know is said
with its row, never dropped without a word."""

import io

import openpyxl
import pytest

from campaign import workbook as wb
from campaign.importing import import_workbook
from campaign.models import Case, Place
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from units.models import UnitKind
from units.tests.factories import MemberFactory, UnitFactory

GUIDE = "014095000001"


def _template():
    return openpyxl.load_workbook(io.BytesIO(wb.template_bytes()))


def _items(book, formula):
    sheet_name, cells = formula.rsplit("!", 1)
    sheet = book[sheet_name.strip("'")]
    return [cell.value for row in sheet[cells.replace("$", "")] for cell in row]


def test_every_drop_down_lists_exactly_its_columns_declared_choices():
    book = _template()
    assert book[wb.LISTS_TITLE].sheet_state == "hidden"
    assert book.active.title == wb.SHEETS[0].title  # the hidden list is not what opens
    seen = 0
    for spec in wb.SHEETS:
        sheet = book[spec.title]
        by_column = {}
        for validation in sheet.data_validations.dataValidation:
            letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
            by_column[letter] = validation.formula1
        for index, column in enumerate(spec.columns, start=1):
            if not column.choices:
                continue
            letter = openpyxl.utils.get_column_letter(index)
            formula = by_column[letter]
            assert not formula.startswith('"'), "a typed list splits an item at its comma"
            assert _items(book, formula) == list(column.choices)
            seen += 1
    assert seen >= 8


def test_the_places_with_a_comma_are_one_item_each():
    book = _template()
    residents = book[wb.RESIDENTS.title]
    place = wb.RESIDENTS.columns.index(wb.RESIDENTS.column("place")) + 1
    letter = openpyxl.utils.get_column_letter(place)
    formula = next(
        v.formula1
        for v in residents.data_validations.dataValidation
        if str(v.sqref).startswith(letter)
    )
    items = _items(book, formula)
    assert len(items) == len(wb.PLACES) == 9
    assert "Bệnh viện, trạm y tế" in items and "Cơ quan, khi làm thủ tục" in items


@pytest.mark.django_db
def test_the_untouched_template_imports_with_no_word_about_its_hidden_list(tmp_path):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(wb.template_bytes())
    plan = import_workbook(path, campaign=plan_campaign(), dry_run=True)
    assert not plan.errors
    assert all(wb.LISTS_TITLE not in (w.sheet or "") for w in plan.warnings)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Bệnh viện", "abc xyz"])
def test_an_unknown_place_is_a_warning_naming_its_row_and_kept_in_the_note(tmp_path, typed):
    unit = UnitFactory(code="DX1", kind=UnitKind.YOUTH_UNION)
    MemberFactory(unit=unit, id_number=GUIDE, full_name="Lò Văn Hướng")
    path = build_xlsx(
        tmp_path / "r.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000002", GUIDE, place="Bệnh viện, trạm y tế"),
                resident_row("B", "014195000003", GUIDE, place=typed),
            ]
        },
    )
    plan = import_workbook(path, campaign=plan_campaign())
    assert plan.ok
    unknown = [w for w in plan.warnings if w.code == "unknown_place"]
    assert [(w.row, w.column) for w in unknown] == [(3, "Hình thức")]
    assert f"“{typed}”" in unknown[0].message and "Tại nhà" in unknown[0].message
    assert Case.objects.get(resident__id_number="014195000002").place == Place.HOSPITAL
    other = Case.objects.get(resident__id_number="014195000003")
    assert (other.place, other.note) == ("", typed)
