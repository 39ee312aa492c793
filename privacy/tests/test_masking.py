from django.template import Context, Template

from privacy.masking import mask_id_number, mask_phone


def test_id_number_shows_first_four_and_last_three_digits():
    assert mask_id_number("014090123234") == "0140•••••234"


def test_phone_shows_prefix_and_last_three_digits():
    assert mask_phone("0912345678") == "091••••678"
    assert mask_phone("02123456789") == "021•••••789"


def test_blank_and_short_values_never_show_more_than_a_digit():
    assert mask_id_number("") == "" and mask_id_number(None) == ""
    assert mask_id_number("0140") == "•••0"
    assert mask_phone("123") == "••3"


def test_template_filters_use_the_same_masking():
    rendered = Template("{% load privacy %}{{ i|masked_id }} {{ p|masked_phone }}").render(
        Context({"i": "014090123234", "p": "0912345678"})
    )
    assert rendered == "0140•••••234 091••••678"


def test_a_birth_date_keeps_its_year_and_an_address_nothing():
    import datetime

    from privacy.masking import mask_birth_date, mask_hidden

    assert mask_birth_date(datetime.date(1990, 4, 21)) == "••/••/1990"
    assert mask_birth_date(None) == "" and mask_hidden("") == ""
    assert mask_hidden("Bản Hua Mường, xã Mường Và") == "••••••"
