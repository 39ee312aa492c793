"""The error pattern every form shares (config/templatetags/form_errors.py, base.html):
a form sent back with errors says so in the title, in a summary at the top linking to each
field, and every aria-describedby names an element that exists."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from campaign.tests.test_views import batch_data, case_post

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.ids, self.described, self.summary_links, self.legends = set(), [], [], []
        self._legend = False
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described.extend(attrs["aria-describedby"].split())
        if "data-error-summary" in attrs:
            self._in_summary = 1
            self.summary_role = attrs.get("role")
        elif self._in_summary and tag == "a":
            self.summary_links.append(attrs["href"])
        self._legend = tag == "legend"

    def handle_endtag(self, tag):
        if tag == "div" and self._in_summary:
            self._in_summary = 0

    def handle_data(self, data):
        if self._legend and data.strip():
            self.legends.append(data.strip())
            self._legend = False


def _title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def assert_described_ids_exist(page):
    missing = [ref for ref in page.described if ref not in page.ids]
    assert not missing, f"aria-describedby names ids that are not on the page: {missing}"


def test_a_case_form_with_errors_is_announced_by_title_and_summary(client, district):
    client.force_login(district["secretary"])
    data = case_post(district["guide_a"], id_number="0140901", activated_on="31/02/2023")
    response = client.post(reverse("campaign:case_create"), data)
    html = response.content.decode()
    page = _Page(html)
    assert response.status_code == 200
    assert _title(html).startswith("Lỗi: ")
    assert page.summary_role == "alert"
    assert "Có lỗi cần sửa" in html
    assert "#id_id_number" in page.summary_links and "#id_activated_on" in page.summary_links
    assert all(link[1:] in page.ids for link in page.summary_links)
    assert_described_ids_exist(page)


def test_a_form_without_errors_has_no_summary_and_a_plain_title(client, district):
    client.force_login(district["secretary"])
    html = client.get(reverse("campaign:case_create")).content.decode()
    assert "data-error-summary" not in html
    assert not _title(html).startswith("Lỗi")
    assert_described_ids_exist(_Page(html))


def test_the_e_id_level_radios_are_a_fieldset_named_by_a_legend(client, district):
    client.force_login(district["secretary"])
    data = {"member": district["guide_a"].pk, "id_number": "014090123234", "eid_level": "7"}
    html = client.post(reverse("campaign:quick_entry"), data).content.decode()
    page = _Page(html)
    assert "#id_eid_level_0" in page.summary_links  # the error links to the first radio
    assert_described_ids_exist(page)
    assert "Mức định danh" in page.legends
    fieldset = re.search(
        r"<fieldset[^>]*>\s*<legend>Mức định danh</legend>(.*?)</fieldset>", html, re.S
    )
    assert fieldset and 'type="radio"' in fieldset.group(1)


def test_every_help_text_the_case_form_points_to_has_its_id(client, district):
    client.force_login(district["secretary"])
    html = client.get(reverse("campaign:case_create")).content.decode()
    page = _Page(html)
    assert "id_category_helptext" in page.described  # the category's help is named…
    assert_described_ids_exist(page)  # …and exists


def test_the_password_change_form_with_errors_names_existing_ids(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": "123", "new_password2": "456"},
    )
    html = response.content.decode()
    page = _Page(html)
    assert _title(html).startswith("Lỗi: ")
    assert "id_new_password1_helptext" in page.described
    assert "#id_old_password" in page.summary_links
    assert_described_ids_exist(page)


def test_a_wrong_password_is_said_once_in_the_error_summary(client, district):
    response = client.post(reverse("login"), {"username": "ai", "password": "sai"})
    html = response.content.decode()
    assert _title(html).startswith("Lỗi: ")
    assert html.count("Sai tên đăng nhập hoặc mật khẩu") == 1
    assert _Page(html).summary_role == "alert"


def test_a_wrong_row_of_a_paper_list_is_named_by_its_row_in_the_summary(client, district):
    client.force_login(district["secretary"])
    rows = [{"id_number": "014090123234", "full_name": "Một"}, {"id_number": "0140901"}]
    response = client.post(reverse("campaign:batch_entry"), batch_data(district["guide_a"], rows))
    html = response.content.decode()
    page = _Page(html)
    assert "Dòng 2 — " in html
    assert "#id_rows-1-id_number" in page.summary_links
    assert_described_ids_exist(page)


def test_the_guide_pickers_error_is_tied_to_the_box_typed_in(client, district, monkeypatch):
    from units import guides

    monkeypatch.setattr(guides, "SEARCH_FROM", 0)  # the search box even for one guide
    client.force_login(district["secretary"])
    data = case_post(district["guide_a"], member_search="Không có ai")
    data["member"] = ""
    html = client.post(reverse("campaign:case_create"), data).content.decode()
    box = re.search(r'<input type="text" name="member_search"[^>]*>', html).group(0)
    assert 'role="combobox"' in box and 'aria-invalid="true"' in box
    assert "id_member_error" in box
    assert_described_ids_exist(_Page(html))


def test_no_empty_row_of_a_paper_list_looks_already_filled_in(client, district):
    client.force_login(district["secretary"])
    html = client.get(reverse("campaign:batch_entry")).content.decode()
    placeholders = re.findall(r'placeholder="([^"]*)"', html)
    assert not [p for p in placeholders if re.search(r"\d{6}", p)], placeholders
