"""The dashboard pages: scope, what they show, their downloads, their formats, and a number of
queries that does not grow with the data."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Case
from campaign.tests.helpers import add_case, add_full_cases
from privacy.models import PersonalDataAccess
from units.models import MemberCategory, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/tong-quan/",
    "/tong-quan/don-vi/",
    "/tong-quan/don-vi/HUYEN/",
    "/tong-quan/thanh-vien/",
    "/tong-quan/thanh-vien/{member}/",
    "/tong-quan/tuyen-truyen/",
    "/tong-quan/can-sua/?section=claims",
    "/tong-quan/can-sua/?section=follow_up",
    "/tong-quan/can-sua/?section=no_day",
    "/tong-quan/can-sua/?section=warnings",
    "/tong-quan/?period=phase-1",
    "/tong-quan/don-vi/?period=phase-2",
]


def build_district(top, first, size):
    """`size` communes under `top`, each with `size` members of `size` full cases, plus a
    double claim, a case not activated and one with no guidance day."""
    members = []
    for n in range(first, first + size):
        commune = UnitFactory(code=f"XA{n}", name=f"Đoàn xã số {n}", parent=top)
        for _ in range(size):
            member = MemberFactory(unit=commune)
            add_full_cases(member, size)
            members.append(member)
    shared = add_case(members[0], guided_on=datetime.date(2023, 5, 2)).resident
    add_case(members[-1], shared)
    add_case(members[0], activated_on=None, guided_on=datetime.date(2023, 5, 9))
    add_case(members[-1], activated_on=None, place="market")
    return members


def queries_of(client, url):
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200  # figures computed for this version
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url).status_code == 200  # figures kept
    return len(cold), len(warm)


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(client, page):
    top = UnitFactory(code="HUYEN", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    members = build_district(top, 0, 2)
    user = UserFactory()
    UnitRoleFactory(user=user, unit=top, role=UnitRole.Role.ADMIN)
    client.force_login(user)
    url = page.format(member=members[0].pk)
    small = queries_of(client, url)
    build_district(top, 10, 5)  # 5 communes more, 25 members more, 125 cases more
    large = queries_of(client, url)
    assert large == small
    assert small[1] <= 20 and small[1] <= small[0]


def test_overview_shows_the_figures_in_vietnamese_formats(client):
    top = UnitFactory(code="HUYEN", kind=UnitKind.YOUTH_UNION)
    member = MemberFactory(unit=top)
    add_full_cases(member, 1234)
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    html = client.get("/tong-quan/?as_of=20/06/2023").content.decode()
    assert "<b>1.234</b>" in html
    assert "100,0%" in html  # every credited case also uses the portal
    assert 'value="20/06/2023"' in html
    assert 'role="img"' in html and "<title" in html
    assert "Đợt cao điểm 120 ngày" in html  # the drive 20/4–20/6/2023 marked on the chart


def test_a_day_in_another_format_is_refused_in_vietnamese(client):
    UnitFactory(code="HUYEN")
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/tong-quan/?as_of=2023-13-45").content.decode()
    assert "2023-13-45 không phải ngày có thật (ngày/tháng/năm)." in html
    html = client.get("/tong-quan/don-vi/HUYEN/?as_of=abc").content.decode()
    assert "Không đọc được ngày abc; hãy ghi theo ngày/tháng/năm" in html


def test_scope_a_secretary_never_sees_another_units_figures(client):
    mine = UnitFactory(code="XA1", name="Đoàn xã Một")
    other = UnitFactory(code="XA2", name="Đoàn xã Hai")
    add_full_cases(MemberFactory(unit=mine, full_name="Lò Văn Một"), 3)
    add_full_cases(MemberFactory(unit=other, full_name="Lò Văn Hai"), 7)
    user = UserFactory()
    UnitRoleFactory(user=user, unit=mine, role=UnitRole.Role.SECRETARY)
    client.force_login(user)
    ranking = client.get("/tong-quan/don-vi/").content.decode()
    assert "Đoàn xã Một" in ranking and "Đoàn xã Hai" not in ranking
    assert client.get("/tong-quan/don-vi/XA2/").status_code == 404
    behind = client.get("/tong-quan/thanh-vien/").content.decode()
    assert "Lò Văn Một" in behind and "Lò Văn Hai" not in behind


def test_members_behind_lists_the_gap_and_filters_by_category(client):
    unit = UnitFactory(code="XA1")
    slow = MemberFactory(unit=unit, full_name="Lò Văn Chậm", category=MemberCategory.MEMBER)
    cadre = MemberFactory(unit=unit, full_name="Cầm Thị Cán", category=MemberCategory.CADRE)
    done = MemberFactory(unit=unit, full_name="Quàng Văn Đủ", category=MemberCategory.MEMBER)
    add_full_cases(slow, 3)
    add_full_cases(cadre, 5)
    add_full_cases(done, 10)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/tong-quan/thanh-vien/").content.decode()
    table = html.split("Dẫn đầu")[0]
    assert "Lò Văn Chậm" in table and "Cầm Thị Cán" in table and "Quàng Văn Đủ" not in table
    row = re.search(r"Lò Văn Chậm.*?</tr>", table, re.S).group(0)
    assert ">7<" in row  # quota 10 - 3
    cadres = client.get("/tong-quan/thanh-vien/?category=cadre").content.decode()
    assert "Cầm Thị Cán" in cadres.split("Dẫn đầu")[0]
    assert "Lò Văn Chậm" not in cadres.split("Dẫn đầu")[0]


def test_signing_in_lands_an_official_on_the_overview_and_others_at_home(client):
    unit = UnitFactory(code="HUYEN")
    official = UserFactory(username="canbo")
    UnitRoleFactory(user=official, unit=unit, role=UnitRole.Role.VIEWER)
    response = client.post("/dang-nhap/", {"username": "canbo", "password": "mat-khau-123"})
    assert response.status_code == 302 and response.url == "/tong-quan/"
    client.force_login(UserFactory())  # no role, no member record
    assert client.get("/tong-quan/").url == "/"


def test_a_member_with_their_own_login_sees_only_their_own_progress(client):
    unit = UnitFactory(code="XA1")
    user = UserFactory()
    me = MemberFactory(unit=unit, user=user, full_name="Lò Văn Tôi")
    other = MemberFactory(unit=unit, full_name="Vì Văn Khác")
    add_full_cases(me, 4)
    add_full_cases(other, 1)
    client.force_login(user)
    response = client.get("/tong-quan/thanh-vien/")
    assert response.status_code == 302 and f"/tong-quan/thanh-vien/{me.pk}/" in response.url
    html = client.get(response.url).content.decode()
    assert "Tiến độ của tôi" in html and "<b>4 / 10</b>" in html and "<b>6</b>" in html
    assert client.get(f"/tong-quan/thanh-vien/{other.pk}/").status_code == 404
    assert client.get("/tong-quan/").status_code == 302


def test_member_page_gives_each_case_its_reasons_and_links_to_the_record(client):
    unit = UnitFactory(code="XA1")
    member = MemberFactory(unit=unit)
    add_case(member, portal=False)
    add_case(member, activated_on=datetime.date(2023, 3, 1))
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(f"/tong-quan/thanh-vien/{member.pk}/").content.decode()
    assert "cổng dịch vụ công" in html.lower()
    assert "01/03/2023" in html
    assert f"/don-vi/thanh-vien/{member.pk}/" in html


def test_unit_ranking_download_has_the_columns_of_the_screen(client):
    top = UnitFactory(code="HUYEN", name="Huyện Đoàn")
    add_full_cases(MemberFactory(unit=UnitFactory(code="XA1", parent=top)), 1234)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/tong-quan/don-vi/").content.decode()
    headings = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip()
        for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)
    ]
    response = client.get("/tong-quan/don-vi/?xlsx=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headings
    assert "1.234" in html and 1234 in rows[1]


def test_a_units_member_workbook_names_the_category_as_the_member_pages_do(client):
    unit = UnitFactory(code="XA1")
    member = MemberFactory(unit=unit, category=MemberCategory.MEMBER)
    add_full_cases(member, 1)
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/tong-quan/don-vi/XA1/?mxlsx=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Đoàn viên/Hội viên" in values and "Đoàn viên, hội viên" not in values
    assert "Đoàn viên/Hội viên" in client.get(member.get_absolute_url()).content.decode()
    filter_page = client.get("/tong-quan/thanh-vien/").content.decode()
    assert '<option value="member">Đoàn viên/Hội viên</option>' in filter_page


def test_downloading_members_is_recorded_as_personal_data(client):
    from privacy.subjects import subject_key

    unit = UnitFactory(code="XA1")
    member = MemberFactory(unit=unit)
    add_full_cases(member, 2)
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    response = client.get("/tong-quan/thanh-vien/?xlsx=1")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    record = PersonalDataAccess.objects.get()
    assert record.user == user and record.rows == 1
    # The person the row is, among the export's persons (their rights page finds it).
    assert [s.subject for s in record.subjects.all()] == [subject_key(member.id_number)]
    assert record.what == "Tải bảng tính: Thành viên chưa đạt chỉ tiêu"
    assert record.where == "127.0.0.1"


def test_data_to_fix_counts_unresolved_double_claims_and_searches(client):
    unit = UnitFactory(code="XA1")
    first, second = MemberFactory(unit=unit), MemberFactory(unit=unit)
    shared = add_case(first).resident
    shared.full_name = "Giàng Thị Sếnh"
    shared.save()
    add_case(second, shared)
    lone = add_case(first).resident
    add_case(second, lone)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/tong-quan/can-sua/?section=claims").content.decode()
    assert "Trùng lặp chưa giải quyết <b>2</b>" in html
    found = client.get("/tong-quan/can-sua/?section=claims&q=giang thi").content.decode()
    assert "Giàng Thị Sếnh" in found and "Trùng lặp chưa giải quyết <b>1</b>" in found


def test_follow_up_list_of_residents_not_yet_activated(client):
    unit = UnitFactory(code="XA1")
    member = MemberFactory(unit=unit)
    waiting = add_case(member, activated_on=None)
    add_case(member)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/tong-quan/can-sua/?section=follow_up").content.decode()
    assert waiting.resident.full_name in html
    assert f"/chien-dich/truong-hop/{waiting.pk}/sua/" in html
    assert html.count("/sua/") == 1
    response = client.get("/tong-quan/can-sua/?section=follow_up&xlsx=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2
    assert PersonalDataAccess.objects.filter(rows=1).exists()
    assert Case.objects.count() == 2


def test_data_to_fix_links_to_editing_only_the_cases_the_user_may_change(client):
    district = UnitFactory(code="HUYEN")
    mine, theirs = (
        UnitFactory(code="XA1", parent=district),
        UnitFactory(code="XA2", parent=district),
    )
    editable = add_case(MemberFactory(unit=mine), activated_on=None)
    read_only = add_case(MemberFactory(unit=theirs), activated_on=None)
    user = UserFactory()
    UnitRoleFactory(user=user, unit=district, role=UnitRole.Role.VIEWER)
    UnitRoleFactory(user=user, unit=mine, role=UnitRole.Role.SECRETARY)
    client.force_login(user)
    html = client.get("/tong-quan/can-sua/?section=follow_up").content.decode()
    assert read_only.resident.full_name in html
    assert f"/chien-dich/truong-hop/{editable.pk}/sua/" in html
    assert f"/chien-dich/truong-hop/{read_only.pk}/sua/" not in html

    viewer = UserFactory()
    UnitRoleFactory(user=viewer, unit=district, role=UnitRole.Role.VIEWER)
    client.force_login(viewer)
    html = client.get("/tong-quan/can-sua/?section=follow_up").content.decode()
    assert editable.resident.full_name in html and read_only.resident.full_name in html
    assert "/sua/" not in html and ">Sửa<" not in html


def test_data_to_fix_workbooks_leave_out_the_links_of_the_page(client):
    unit = UnitFactory(code="XA1")
    first, second = MemberFactory(unit=unit), MemberFactory(unit=unit)
    add_case(second, add_case(first).resident)
    add_case(first, activated_on=None)
    client.force_login(UserFactory(is_superuser=True))
    for section, link in (("claims", "Mở sổ trùng lặp"), ("follow_up", "Sửa")):
        page = client.get(f"/tong-quan/can-sua/?section={section}").content.decode()
        assert link in page
        response = client.get(f"/tong-quan/can-sua/?section={section}&xlsx=1")
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
        assert "Người dân" in values and link not in values
        assert "Giải quyết" not in values


def test_outreach_counts_cases_by_place(client):
    unit = UnitFactory(code="XA1")
    member = MemberFactory(unit=unit)
    for _ in range(3):
        add_case(member, place="market", guided_on=datetime.date(2023, 5, 6))
    add_case(member, place="volunteer_saturday", guided_on=datetime.date(2023, 5, 13))
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/tong-quan/tuyen-truyen/").content.decode()
    row = re.search(r"Chợ</td>.*?</tr>", html, re.S).group(0)  # Place.MARKET's label
    assert ">3<" in row
    assert "Ngày Thứ Bảy tình nguyện" in html and "06/05/2023" not in html  # weeks from Monday
    assert "01/05/2023" in html and "08/05/2023" in html


def test_the_headline_counts_the_residents_guided_by_the_pages_day(client):
    top = UnitFactory(code="HUYEN", kind=UnitKind.YOUTH_UNION)
    member = MemberFactory(unit=top)
    add_case(member, guided_on=datetime.date(2023, 1, 10), activated_on=None)
    add_case(member, guided_on=datetime.date(2023, 3, 1), activated_on=datetime.date(2023, 3, 2))
    add_case(member, activated_on=datetime.date(2023, 5, 2))  # no guidance date: activated
    add_case(member, activated_on=None)  # neither: the day it was recorded, today
    client.force_login(UserFactory(is_superuser=True))

    def headline(query):
        html = client.get(f"/tong-quan/?{query}").content.decode()
        found = re.search(r"<b>([\d.]+)</b><span>người dân được hướng dẫn</span>", html)
        return int(found.group(1).replace(".", ""))

    assert headline("as_of=01/01/2023") == 0
    assert headline("as_of=20/02/2023") == 1
    assert headline("as_of=20/06/2023") == 3
    assert headline("") == 4  # today


@pytest.mark.parametrize("page", PAGES)
def test_the_sort_links_name_only_sortable_columns_with_no_dangling_separator(client, page):
    """A phone sorts a table by the line of links above it; a last column that does not sort
    (the data to fix's "Giải quyết", a member's reasons) once left it ending in " · "."""
    top = UnitFactory(code="HUYEN", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    members = build_district(top, 0, 2)
    user = UserFactory()
    UnitRoleFactory(user=user, unit=top, role=UnitRole.Role.ADMIN)
    client.force_login(user)
    html = client.get(page.format(member=members[0].pk)).content.decode()
    lines = re.findall(r'<p class="dash-sort">(.*?)</p>', html, re.S)
    assert lines
    for line in lines:
        assert not re.search(r"·\s*$", line) and "· ·" not in line, line
        assert line.count("<a ") == line.count(" · ") + 1, line


def test_the_outreach_pages_own_links_lead_to_each_of_its_sections(client):
    """On a phone the outreach page is long (its tables become cards); the line at its top
    leads to each section, and each link finds its section."""
    top = UnitFactory(code="HUYEN", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    build_district(top, 0, 2)
    user = UserFactory()
    UnitRoleFactory(user=user, unit=top, role=UnitRole.Role.ADMIN)
    client.force_login(user)
    html = client.get("/tong-quan/tuyen-truyen/").content.decode()
    nav = re.search(r'<nav class="on-page[^>]*>(.*?)</nav>', html, re.S).group(1)
    targets = re.findall(r'href="#([\w-]+)"', nav)
    assert len(targets) == 7
    for target in targets:
        assert html.count(f'id="{target}"') == 1, target
