"""Hostile input on the dashboards (issue 17): a day no week reaches, and unit or member
names that are formulas or hold characters a sheet title refuses."""

import io
import zipfile

import openpyxl
import pytest

from campaign.tests.helpers import add_full_cases
from units.tests.factories import MemberFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "page",
    [
        "/tong-quan/",
        "/tong-quan/don-vi/",
        "/tong-quan/don-vi/HUYEN/",
        "/tong-quan/thanh-vien/",
        "/tong-quan/tuyen-truyen/",
        "/tong-quan/can-sua/",
    ],
)
def test_a_day_past_any_week_is_refused_in_words(client, page):
    UnitFactory(code="HUYEN")
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(page, {"as_of": "31/12/9999"})
    assert response.status_code == 200
    if "can-sua" not in page:  # the pages that show the day's field say why
        assert "Ngày phải trong khoảng 01/01/1900 – 31/12/2100." in response.content.decode()


def test_a_unit_named_as_a_formula_or_with_a_slash_downloads_as_text(client):
    top = UnitFactory(code="HUYEN", name='=HYPERLINK("http://x","y")')
    unit = UnitFactory(code="XA1", parent=top, name="=1+1 Chi đoàn 3/2")
    add_full_cases(MemberFactory(unit=unit, full_name="=2+2"), 1)
    client.force_login(UserFactory(is_superuser=True))
    for url in (
        "/tong-quan/don-vi/?xlsx=1",
        "/tong-quan/don-vi/XA1/?mxlsx=1",
        "/tong-quan/thanh-vien/?xlsx=1",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            for name in book.namelist():
                if name.startswith("xl/worksheets/"):
                    assert "<f>" not in book.read(name).decode(), (url, name)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row]
        assert any(isinstance(v, str) and v.startswith("=") for v in values), url
