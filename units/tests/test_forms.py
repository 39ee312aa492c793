import datetime

import pytest

from units.forms import DayFirstDateField, IdNumberField, MemberForm, NameField, PhoneField
from units.models import UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


def test_id_number_field_drops_separators_and_restores_the_leading_zero():
    field = IdNumberField()
    assert field.clean("014 090.123-234") == "014090123234"
    assert field.clean("14090123234") == "014090123234"
    assert 'inputmode="numeric"' in field.widget.render("x", "", field.widget_attrs(field.widget))


@pytest.mark.parametrize("typed", ["0140901", "01409012323a", "0140901232345"])
def test_id_number_field_refuses_what_is_not_12_digits(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        IdNumberField().clean(typed)
    assert error.value.code == "id_number"


def test_name_phone_and_day_first_date():
    assert NameField().clean("  Lo\u0300   Va\u0306n  ") == "Lò Văn"
    assert PhoneField().clean("+84 912 345 678") == "0912345678"
    assert PhoneField().clean("") == ""
    field = DayFirstDateField()
    assert field.clean("02/05/2023") == datetime.date(2023, 5, 2)
    assert field.clean("2-5-2023") == datetime.date(2023, 5, 2)
    assert field.prepare_value(datetime.date(2023, 5, 2)) == "02/05/2023"


def member_data(unit, **extra):
    data = {
        "unit": unit.pk,
        "full_name": "Lò Văn Thành",
        "id_number": "014090123234",
        "category": "cadre",
        "phone": "0912345678",
        "own_procedures_online": 1,
        "own_procedures_total": 2,
        "family_procedures_online": 0,
        "family_procedures_total": 0,
    }
    data.update(extra)
    return data


def test_member_form_offers_only_editable_open_units():
    mine = UnitFactory()
    closed = UnitFactory(parent=mine, valid_to=datetime.date(2020, 1, 1))
    watched = UnitFactory()
    user = UnitRoleFactory(unit=mine, role=UnitRole.Role.SECRETARY).user
    UnitRoleFactory(user=user, unit=watched, role=UnitRole.Role.VIEWER)
    form = MemberForm(user=user)
    assert list(form.fields["unit"].queryset) == [mine]
    assert closed not in form.fields["unit"].queryset
    assert not MemberForm(member_data(watched), user=user).is_valid()


def test_member_form_online_cannot_exceed_total_and_warns_on_odd_phone():
    unit = UnitFactory()
    user = UnitRoleFactory(unit=unit).user
    form = MemberForm(member_data(unit, own_procedures_online=3), user=user)
    assert not form.is_valid() and "own_procedures_online" in form.errors
    form = MemberForm(member_data(unit, phone="0112345678", id_number="999090123234"), user=user)
    assert form.is_valid(), form.errors
    assert len(form.warnings) == 2


@pytest.mark.parametrize(
    "typed, code",
    [
        ("31/02/2023", "date"),
        ("29/02/2023", "date"),
        ("0001-01-01", "date"),
        ("01/01/0001", "date"),
        ("31/12/1899", "date"),
        ("1/1/10000", "date"),
        ("12/12/2023\x00", "date"),
        ("😀", "date"),
        ("31/12/9999", "future_date"),
        ("9999-12-31", "future_date"),
        ("99999", "future_date"),
    ],
)
def test_an_impossible_or_future_day_is_an_error_where_only_the_past_makes_sense(typed, code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        DayFirstDateField(past_only=True).clean(typed)
    assert error.value.code == code
    assert DayFirstDateField(past_only=True).clean("29/02/2024") == datetime.date(2024, 2, 29)


def test_a_member_born_in_the_future_is_refused():
    unit = UnitFactory()
    user = UnitRoleFactory(unit=unit).user
    form = MemberForm(member_data(unit, birth_date="31/12/9999"), user=user)
    assert form.has_error("birth_date", "future_date")
    assert form.errors["birth_date"] == ["Ngày này chưa tới."]


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2147483648", "Tối đa 9999."),  # past PostgreSQL's integer: refused on SQLite too
        ("10000", "Tối đa 9999."),
        ("-1", "phải lớn hơn hoặc bằng 0"),
        ("abc", "Hãy nhập một số nguyên."),
        ("9" * 5000, "Hãy nhập một số nguyên."),
    ],
)
def test_a_procedure_count_out_of_range_is_an_error_on_every_database(typed, message):
    unit = UnitFactory()
    user = UnitRoleFactory(unit=unit).user
    form = MemberForm(member_data(unit, own_procedures_total=typed), user=user)
    assert not form.is_valid()
    assert message in " ".join(form.errors["own_procedures_total"])


def test_a_nul_byte_posted_for_a_unit_is_refused_in_vietnamese():
    unit = UnitFactory()
    user = UnitRoleFactory(unit=unit).user
    form = MemberForm({**member_data(unit), "unit": f"{unit.pk}\x00"}, user=user)
    assert form.errors["unit"] == ["Không được có ký tự rỗng (NUL); hãy chọn hoặc nhập lại."]
