"""Every page of the project × every role, with the ids of another tree's objects in every
parameter, by GET and by POST (the test client sends POSTs as if their token were valid),
and every Excel download a page links to: never a server error, never a word of the other
tree's data, never a formula in a workbook.

Two trees each hold a word of their own: tree A's users must not read tree B's, and tree
B's secretary and administrator, whose tree recorded a resident first that tree A then
claimed, must not read what tree A typed of that resident, nor anything of tree A's own.

The pages are found by walking the URL resolver, so a new page is covered, or fails here
until its parameters are given ids below. The admin site has its own permission system and
is checked for the roles that are not staff only.
"""

import datetime
import html
import io
import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from campaign import services
from campaign.activities import Activity, ActivityKind
from campaign.models import DoubleClaimResolution
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from jobs.models import Job
from reports.submissions import submit_report
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_ID = "014195999001"
SECRET_PHONE = "0977000111"
# Words of tree B's data that no user outside tree B may read anywhere.
SECRETS = ("Bímật", SECRET_ID, SECRET_PHONE, "BIMAT-", "Bản Kín")
# Words of tree A's data that tree B's users may not read: what tree A typed of the resident
# both trees guide, and tree A's own resident and member. The ID number of tree A's own
# resident is what tree B's users send as their probe: a form may show it back as typed.
A_ONLY_ID = "014095888001"
A_SECRETS = ("Riêngtư", "014095777001", "0966000222", "0966000333", "Bản Ẩn", "19/08/1971")
ROLES = [
    "anonymous",
    "viewer",
    "secretary",
    "member",
    "other_admin",
    "district_admin",
    "tree_b_secretary",
    "tree_b_admin",
]
TREE_B_ROLES = {"tree_b_secretary", "tree_b_admin"}


def walk(resolver=None, prefix="", namespace=""):
    """(route, namespaced name, parameter names) of every URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from walk(pattern, route, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield route, namespace + pattern.name, list(pattern.pattern.converters)


def record_case(member, id_number, user, **details):
    return services.case_create(
        campaign=plan_campaign(),
        member=member,
        resident_data={"id_number": id_number, **details},
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 2), "portal_used": True},
        user=user,
    )


@pytest.fixture
def world(tmp_path, settings, client):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")
    # Tree A: the users' tree.
    a_top = UnitFactory(code="HUYEN-DOAN", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    # A unit's name that a spreadsheet would take for a formula, were it written as one.
    a = UnitFactory(code="XA-A", name="=1+1 Đoàn xã A", parent=a_top)
    guide_a = MemberFactory(unit=a, full_name="Riêngtư Văn Hướng", id_number="014095777001")
    # Tree B: another tree, every word of it secret to tree A's users.
    b = UnitFactory(code="BIMAT-HPN", name="Bímật Hội Phụ nữ", kind=UnitKind.WOMENS_UNION)
    secretary_b = UnitRoleFactory(unit=b, role=UnitRole.Role.SECRETARY).user
    guide_b = MemberFactory(unit=b, full_name="Bímật Thị Hướng", id_number="014195999999")
    case_b = record_case(
        guide_b,
        SECRET_ID,
        secretary_b,
        full_name="Bímật Thị Dân",
        phone=SECRET_PHONE,
        address="Bản Kín",
    )
    only_b = record_case(guide_b, "014195999002", secretary_b, full_name="Bímật Văn Riêng")
    # A user of tree A records a case for tree B's resident: a double claim, resolved.
    users = {
        "anonymous": None,
        "viewer": UnitRoleFactory(unit=a_top, role=UnitRole.Role.VIEWER).user,
        "secretary": UnitRoleFactory(unit=a, role=UnitRole.Role.SECRETARY).user,
        "other_admin": UnitRoleFactory(
            unit=UnitFactory(code="KHAC"), role=UnitRole.Role.ADMIN
        ).user,
        "district_admin": get_user_model().objects.create_superuser(
            "quantri", password="x-1234567"
        ),
    }
    member_user = UserFactory()
    MemberFactory(unit=a, full_name="Đoàn Viên Có Tài Khoản", user=member_user)
    users["member"] = member_user
    users["tree_b_secretary"] = secretary_b
    users["tree_b_admin"] = UnitRoleFactory(unit=b, role=UnitRole.Role.ADMIN).user
    case_a = record_case(
        guide_a,
        SECRET_ID,
        users["secretary"],
        full_name="Riêngtư Tên A ghi",
        phone="0966000222",
        address="Bản Ẩn",
        birth_date=datetime.date(1971, 8, 19),
    )
    only_a = record_case(
        guide_a, A_ONLY_ID, users["secretary"], full_name="Riêngtư Văn Một", phone="0966000333"
    )
    resolution = DoubleClaimResolution.objects.create(
        campaign=plan_campaign(),
        resident=case_b.resident,
        awarded_to=guide_b,
        resolved_by=users["district_admin"],
        reason="Bímật lý do",
    )
    # Tree B's pending upload.
    client.force_login(secretary_b)
    path = build_xlsx(
        tmp_path / "b.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("Bímật Mới", "014195999003", guide_b.id_number),
            ]
        },
    )
    data = io.BytesIO(path.read_bytes())
    data.name = "bimat.xlsx"
    response = client.post(
        reverse("campaign:import_upload"), {"campaign": plan_campaign().pk, "file": data}
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    client.logout()
    # Tree B's report: a submission, and a job of its secretary's.
    submission = submit_report(
        period=plan_campaign().periods.order_by("ends_on").first(), unit=b, user=secretary_b
    )
    job = Job.objects.create(kind="report", label="Bímật báo cáo", owner=secretary_b, unit=b)
    # Tree B's outreach activity, with a case at it: its pages, the outreach dashboard and
    # the day's activities (JSON) never name it to tree A. No page lists tree B's units as
    # organisers either: a partner of another tree is named by the code its users give.
    activity = Activity.objects.create(
        campaign=plan_campaign(),
        kind=ActivityKind.objects.get(code="market", campaign=None),
        starts_on=datetime.date.today(),
        name="Bímật phiên chợ",
        place="Bản Kín",
        commune="Bímật xã",
    )
    activity.organisers.set([b])
    activity.members.set([guide_b])
    only_b.activity = activity
    only_b.save(update_fields=["activity"])
    ids = {
        "pk": [
            case_b.pk,
            only_b.pk,
            case_b.resident_id,
            only_b.resident_id,
            guide_b.pk,
            resolution.pk,
            b.pk,
            submission.pk,
            job.pk,
            activity.pk,
            case_a.pk,
            only_a.pk,
            only_a.resident_id,
            guide_a.pk,
            a.pk,
        ],
        "resident_pk": [case_b.resident_id, only_b.resident_id, only_a.resident_id],
        "code": [b.code, a.code],
        "token": [token, "0" * 32],
        "kind": ["don-vi", "thanh-vien", "vai-tro", "nguoi-dan", "truong-hop", "giai-quyet"],
    }
    form = {
        "unit": b.pk,
        "member": guide_b.pk,
        "resident": only_b.resident_id,
        "awarded_to": guide_b.pk,
        "campaign": plan_campaign().pk,
        "id_number": "014195999002",
        "q": "Bímật",
        "full_name": "Thử",
        "reason": "thử",
        "confirm": "1",
        "status": "former",
        "activity": activity.pk,
        "organisers": b.pk,
    }
    # What tree B's users send: tree A's ids.
    form_a = {
        **form,
        "unit": a.pk,
        "member": guide_a.pk,
        "resident": only_a.resident_id,
        "awarded_to": guide_a.pk,
        "id_number": A_ONLY_ID,
        "q": "Riêngtư",
        "organisers": a.pk,
    }
    return {"users": users, "ids": ids, "form": form, "form_a": form_a, "case_a": case_a}


DOWNLOAD = re.compile(r'href="(\?[^"]*xlsx=1[^"]*)"')


def workbook_text(response, where):
    """Every cell of a downloaded workbook as text; no cell may be a formula."""
    book = load_workbook(io.BytesIO(b"".join(response)))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (
                    f"{where}: a formula in {sheet.title}!{cell.coordinate}"
                )
                if cell.value is not None:
                    cells.append(str(cell.value))
    return "\n".join(cells)


def urls(ids):
    for _route, name, params in walk():
        if name.startswith("admin:") or name == "set_language":
            continue
        missing = [p for p in params if p not in ids]
        assert not missing, f"{name}: give the permission matrix ids for {missing}"
        if not params:
            yield name, reverse(name)
            continue
        combos = [{}]
        for param in params:
            combos = [{**c, param: value} for c in combos for value in ids[param]]
        # A value of another type than the pattern's converter (a job's UUID as a number) is
        # no address of that page; every page must still be reached with some of them.
        reached = 0
        for combo in combos:
            try:
                url = reverse(name, kwargs=combo)
            except NoReverseMatch:
                continue
            reached += 1
            yield name, url
        assert reached, f"{name}: none of the permission matrix ids fits its parameters"


@pytest.mark.parametrize("role", ROLES)
def test_no_page_fails_or_shows_another_trees_data(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    secrets = A_SECRETS if role in TREE_B_ROLES else SECRETS
    form = world["form_a"] if role in TREE_B_ROLES else world["form"]
    checked = downloads = 0
    for name, url in urls(world["ids"]):
        for method in ("get", "post"):
            response = getattr(client, method)(url, form if method == "post" else None)
            assert response.status_code < 500, (
                f"{role} {method.upper()} {url}: {response.status_code}"
            )
            checked += 1
            if role == "district_admin":
                continue
            if response.get("Content-Type", "").startswith("application/vnd.openxml"):
                text = workbook_text(response, f"{role} {method.upper()} {url}")
            else:
                text = b"".join(response).decode(errors="replace")
            text += response.get("Location", "")
            # The address asked for, echoed back (the sign-in page's ?next=), is no leak.
            text = text.replace(url, "").replace(quote(url), "").replace(quote(url, safe=""), "")
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{role} {method.upper()} {url} ({name}) shows {leaked}"
            if method != "get" or response.status_code != 200:
                continue
            for link in dict.fromkeys(DOWNLOAD.findall(text)):  # each Excel download
                where = f"{role} GET {url}{html.unescape(link)}"
                download = client.get(url.split("?")[0] + html.unescape(link))
                assert download.status_code < 500, where
                if download.status_code == 200:
                    leaked = [s for s in secrets if s in workbook_text(download, where)]
                    assert not leaked, f"{where} shows {leaked}"
                    downloads += 1
        if user is not None and not client.session.get("_auth_user_id"):
            client.force_login(user)  # a page that signed the user out (the sign-out page)
    assert checked > 60
    if role in ("viewer", "secretary", "tree_b_secretary", "tree_b_admin"):
        assert downloads > 5, f"{role}: only {downloads} Excel downloads checked"


@pytest.mark.parametrize("role", ["anonymous", "viewer", "secretary", "member", "other_admin"])
def test_the_admin_site_is_closed_to_those_who_are_not_staff(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    for name in (
        "admin:index",
        "admin:campaign_resident_changelist",
        "admin:units_member_changelist",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
