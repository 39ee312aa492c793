"""The districts the tests run in, one function a shape, read by the one `district` fixture
(conftest.py at the root). A test module names its shape with `pytest.mark.district(NAME)`;
without one, a test gets `two_communes`. Each returns what its tests read (a dict of units,
users and members by role, or the one record they follow)."""

import datetime

from campaign.tests.factories import ResidentFactory
from campaign.tests.helpers import add_case, add_full_cases
from reports.models import ReportingPeriod
from units.models import MemberCategory, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory


def user_with(role, unit):
    user = UnitRoleFactory(unit=unit, role=role).user
    user.save()  # the factory sets the password after saving; keep it for the session hash
    return user


def two_communes():
    """For campaign/tests/test_views.py: Two sibling communes under one district union; a
    secretary and a viewer of the first."""
    top = UnitFactory(code="HD")
    commune_a = UnitFactory(code="XA", parent=top)
    commune_b = UnitFactory(code="XB", parent=top)
    secretary = user_with(UnitRole.Role.SECRETARY, commune_a)
    viewer = user_with(UnitRole.Role.VIEWER, commune_a)
    outsider = user_with(UnitRole.Role.SECRETARY, commune_b)
    guide_a = MemberFactory(unit=commune_a, full_name="Lò Văn A")
    guide_b = MemberFactory(unit=commune_b, full_name="Cầm Thị B")
    return {
        "a": commune_a,
        "b": commune_b,
        "secretary": secretary,
        "viewer": viewer,
        "outsider": outsider,
        "guide_a": guide_a,
        "guide_b": guide_b,
    }


def activities():
    """For campaign/tests/test_activities.py: A district union with two communes, a commune police
    post; a secretary of commune A, one of commune B, one of the police post."""
    top = UnitFactory(code="HD", kind=UnitKind.YOUTH_UNION)
    commune_a = UnitFactory(code="XA", parent=top, kind=UnitKind.YOUTH_UNION)
    branch_a = UnitFactory(code="XA-1", parent=commune_a, kind=UnitKind.YOUTH_UNION)
    commune_b = UnitFactory(code="XB", parent=top, kind=UnitKind.YOUTH_UNION)
    police = UnitFactory(code="CAX", kind=UnitKind.POLICE)
    return {
        "top": top,
        "a": commune_a,
        "branch": branch_a,
        "b": commune_b,
        "police": police,
        "secretary": user_with(UnitRole.Role.SECRETARY, commune_a),
        "branch_secretary": user_with(UnitRole.Role.SECRETARY, branch_a),
        "outsider": user_with(UnitRole.Role.SECRETARY, commune_b),
        "police_secretary": user_with(UnitRole.Role.SECRETARY, police),
        "viewer": user_with(UnitRole.Role.VIEWER, commune_a),
        "guide_a": MemberFactory(unit=commune_a, full_name="Lò Văn A"),
        "guide_branch": MemberFactory(unit=branch_a, full_name="Quàng Văn Nhánh"),
        "guide_b": MemberFactory(unit=commune_b, full_name="Cầm Thị B"),
        "officer": MemberFactory(unit=police, full_name="Tòng Văn Công An"),
    }


def activation_list():
    """For campaign/tests/test_activation_views.py."""
    top = UnitFactory(code="HUYEN", name="Huyện Đoàn")
    mine = UnitFactory(code="XA1", name="Đoàn xã Một", parent=top)
    theirs = UnitFactory(code="XA2", name="Đoàn xã Hai", parent=top)
    admin = UserFactory(username="quantri")
    UnitRoleFactory(user=admin, unit=top, role=UnitRole.Role.ADMIN)
    secretary = UserFactory(username="bithu")
    UnitRoleFactory(user=secretary, unit=mine, role=UnitRole.Role.SECRETARY)
    guide = MemberFactory(unit=mine, full_name="Lò Văn Một", id_number="014090000001")
    other = MemberFactory(unit=theirs, full_name="Lò Văn Hai", id_number="014090000002")
    cases = {
        "verified": add_case(
            guide, ResidentFactory(id_number="014195000001", full_name="Cà Thị Khớp")
        ),
        "differs": add_case(
            guide, ResidentFactory(id_number="014195000002", full_name="Cà Thị Lệch")
        ),
        "not_found": add_case(
            guide, ResidentFactory(id_number="014195000003", full_name="Cà Thị Vắng")
        ),
        "theirs": add_case(
            other, ResidentFactory(id_number="014195000004", full_name="Cà Thị Khác")
        ),
    }
    return {"admin": admin, "secretary": secretary, "cases": cases, "guide": guide}


def offline():
    """For campaign/tests/test_offline.py."""
    top = UnitFactory(code="HD", name="Huyện Đoàn")
    commune = UnitFactory(code="DX-A", name="Đoàn xã A", parent=top)
    other = UnitFactory(code="DX-B", name="Đoàn xã B", parent=top)
    secretary = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    return {
        "commune": commune,
        "other": other,
        "secretary": secretary,
        "guide": MemberFactory(unit=commune, full_name="Lò Văn Thành"),
        "outsider": MemberFactory(unit=other, full_name="Cà Văn Khác"),
        "other_secretary": UnitRoleFactory(unit=other, role=UnitRole.Role.SECRETARY).user,
    }


def kept_figures():
    """For dashboards/tests/test_kept_figures.py."""
    top = UnitFactory(code="HUYEN", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(code="XA1", parent=top, kind=UnitKind.YOUTH_UNION)
    police = UnitFactory(code="CA1", kind=UnitKind.POLICE)
    guide = MemberFactory(unit=commune, id_number="014095000001")
    other = MemberFactory(unit=police, id_number="014095000002", category=MemberCategory.CADRE)
    add_full_cases(guide, 3)
    add_full_cases(other, 2)
    return {"top": top, "commune": commune, "police": police, "guide": guide, "other": other}


def unit_changes():
    """For reports/tests/test_unit_changes.py."""
    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    east = UnitFactory(code="DXA", name="Đoàn xã Mường Lạn", parent=youth)
    west = UnitFactory(code="DXB", name="Đoàn xã Mường Cai", parent=youth)
    branch = UnitFactory(code="CDA", name="Chi đoàn bản Huổi", parent=east)
    women = UnitFactory(code="HPN", name="Hội LHPN huyện", kind=UnitKind.WOMENS_UNION)
    guide = MemberFactory(unit=east, full_name="Hà Văn Khánh")
    other = MemberFactory(unit=branch, full_name="Lò Thị Én")
    stay = MemberFactory(unit=west, full_name="Cầm Văn Pọm")
    add_full_cases(guide, 6)
    add_full_cases(other, 3)
    add_full_cases(stay, 2)
    add_case(guide, activated_on=datetime.date(2023, 7, 5))  # after the merger's day
    secretary = UnitRoleFactory(unit=east, role=UnitRole.Role.SECRETARY).user
    admin = UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN).user
    return {
        "youth": youth,
        "east": east,
        "west": west,
        "branch": branch,
        "women": women,
        "guide": guide,
        "other": other,
        "stay": stay,
        "secretary": secretary,
        "admin": admin,
    }


def report():
    """For reports/tests/test_exports.py: Police, a Youth Union with two communes, a Women's
    Union; cases inside and outside a period, a double claim, a member above the individual
    threshold, a resident on a roster."""
    police = UnitFactory(code="CA", name="Công an huyện", kind=UnitKind.POLICE)
    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    communes = [
        UnitFactory(code=f"DX{i}", name=f"Đoàn xã {i}", parent=youth, kind=UnitKind.YOUTH_UNION)
        for i in (1, 2)
    ]
    women = UnitFactory(code="HPN", name="Hội LHPN huyện", kind=UnitKind.WOMENS_UNION)
    star = MemberFactory(unit=communes[0], full_name="Hà Văn Khánh", category=MemberCategory.CADRE)
    other = MemberFactory(unit=communes[1], full_name="Lò Thị Én")
    officer = MemberFactory(
        unit=police, full_name="Lò Văn Công", category=MemberCategory.ARMED_FORCES
    )
    woman = MemberFactory(unit=women, full_name="Quàng Thị Dung")
    MemberFactory(unit=women, full_name="Cầm Thị Nga", active=False)
    add_full_cases(star, 51)
    add_full_cases(other, 3)
    add_full_cases(woman, 21)
    add_case(other, activated_on=datetime.date(2023, 6, 3))
    add_case(other, activated_on=datetime.date(2023, 6, 25))  # after the as-of day
    add_case(officer, portal=False)
    shared = ResidentFactory(full_name="Điêu Thị Hoa")
    add_case(star, shared)
    add_case(officer, shared)
    return {"police": police, "youth": youth, "communes": communes, "women": women}


def submissions():
    """For reports/tests/test_submissions.py."""
    police = UnitFactory(code="CA", name="Công an huyện", kind=UnitKind.POLICE)
    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(code="DX1", name="Đoàn xã 1", parent=youth, kind=UnitKind.YOUTH_UNION)
    other = UnitFactory(code="DX2", name="Đoàn xã 2", parent=youth, kind=UnitKind.YOUTH_UNION)
    women = UnitFactory(code="HPN", name="Hội LHPN huyện", kind=UnitKind.WOMENS_UNION)
    guide = MemberFactory(unit=commune, full_name="Hà Văn Khánh", id_number="014090000001")
    mover = MemberFactory(unit=commune, full_name="Lò Thị Én")
    officer = MemberFactory(unit=police, full_name="Lò Văn Công")
    MemberFactory(unit=women, full_name="Quàng Thị Dung")
    add_full_cases(guide, 20)
    add_full_cases(mover, 5)
    shared = ResidentFactory(full_name="Điêu Thị Hoa")
    add_case(guide, shared)
    add_case(officer, shared)
    secretary = UnitRoleFactory(unit=youth, role=UnitRole.Role.SECRETARY).user
    admin = UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN).user
    return {
        "police": police,
        "youth": youth,
        "commune": commune,
        "other": other,
        "women": women,
        "guide": guide,
        "mover": mover,
        "officer": officer,
        "shared": shared,
        "secretary": secretary,
        "admin": admin,
        "period": ReportingPeriod.objects.get(slug="dot-2"),
    }


def double_claim():
    """For reports/tests/test_views.py: A district with a police unit and a Youth Union with two
    communes; one resident claimed by a police officer and a commune's member."""
    top = UnitFactory(code="HUYEN", kind=UnitKind.YOUTH_UNION)
    communes = [UnitFactory(code=f"XA{i}", parent=top) for i in (1, 2)]
    police = UnitFactory(code="CA", kind=UnitKind.POLICE)
    member = MemberFactory(unit=communes[0], full_name="Hà Văn Khánh")
    other = MemberFactory(unit=communes[1])
    officer = MemberFactory(unit=police, full_name="Lò Văn Công")
    add_full_cases(member, 48)
    add_case(member, activated_on=datetime.date(2023, 6, 21))
    resident = ResidentFactory(full_name="Điêu Thị Hoa")
    add_case(member, resident)
    add_case(officer, resident)
    add_full_cases(other, 5)
    return {
        "top": top,
        "communes": communes,
        "police": police,
        "member": member,
        "officer": officer,
        "resident": resident,
    }


def verification():
    """For e2e/test_verification_journey.py."""
    top = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp")
    commune = UnitFactory(code="DX-CC", name="Đoàn xã Chiềng Cơi", parent=top)
    UnitRoleFactory(unit=top, role=UnitRole.Role.ADMIN, user__username="quantri")
    UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY, user__username="bithu")
    guide = MemberFactory(unit=commune, full_name="Lò Văn Thành", id_number="014090000111")
    add_case(guide, ResidentFactory(id_number="014195000201", full_name="Quàng Thị Mai"))
    # Typed as not activated yet; the police's list says level 2 on 05/05/2023.
    pending = add_case(
        guide,
        ResidentFactory(id_number="014195000202", full_name="Tòng Văn Pó"),
        activated_on=None,
        portal=True,
    )
    return {"pending": pending}
