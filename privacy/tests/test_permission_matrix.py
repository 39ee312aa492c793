"""Every page of the project × every role, with the ids of another tree's objects in every
parameter, by GET and by POST (the test client sends POSTs as if their token were valid):
never a server error, and never a word of the other tree's data.

The pages are found by walking the URL resolver, so a new page is covered, or fails here
until its parameters are given ids below. The admin site has its own permission system and
is checked for the roles that are not staff only.
"""

import datetime
import io
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

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
ROLES = ["anonymous", "viewer", "secretary", "member", "other_admin", "district_admin"]


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
    a = UnitFactory(code="XA-A", name="Đoàn xã A", parent=a_top)
    guide_a = MemberFactory(unit=a, full_name="Lò Văn A", id_number="014095000001")
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
    case_a = record_case(guide_a, SECRET_ID, users["secretary"], full_name="Tên A ghi")
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
        ],
        "resident_pk": [case_b.resident_id, only_b.resident_id],
        "code": [b.code],
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
    return {"users": users, "ids": ids, "form": form, "case_a": case_a}


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
    checked = 0
    for name, url in urls(world["ids"]):
        for method in ("get", "post"):
            response = getattr(client, method)(url, world["form"] if method == "post" else None)
            assert response.status_code < 500, (
                f"{role} {method.upper()} {url}: {response.status_code}"
            )
            checked += 1
            if role == "district_admin":
                continue
            text = response.content.decode(errors="replace") + response.get("Location", "")
            # The address asked for, echoed back (the sign-in page's ?next=), is no leak.
            text = text.replace(url, "").replace(quote(url), "").replace(quote(url, safe=""), "")
            leaked = [s for s in SECRETS if s in text]
            assert not leaked, f"{role} {method.upper()} {url} ({name}) shows {leaked}"
        if user is not None and not client.session.get("_auth_user_id"):
            client.force_login(user)  # a page that signed the user out (the sign-out page)
    assert checked > 60


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
