"""The demo district: realistic, and the same for the same seed."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from campaign.claims import drift
from campaign.models import Campaign, Case, Resident
from reports.demo import seed_demo
from units.models import Member, Unit, UnitKind, UnitRole

pytestmark = pytest.mark.django_db


def snapshot(seed, cases=600):
    with transaction.atomic():
        seed_demo(seed=seed, cases=cases, members=60)
        data = {
            "units": list(
                Unit.objects.order_by("code").values_list("code", "name", "kind", "parent__code")
            ),
            "members": list(
                Member.objects.order_by("id_number").values_list(
                    "id_number", "full_name", "category", "unit__code", "active", "phone"
                )
            ),
            "residents": list(
                Resident.objects.order_by("id_number").values_list(
                    "id_number", "full_name", "birth_date", "sex", "category"
                )
            ),
            "cases": list(
                Case.objects.order_by("resident__id_number", "member__id_number").values_list(
                    "resident__id_number",
                    "member__id_number",
                    "eid_level",
                    "activated_on",
                    "portal_used",
                    "place",
                    "claimants",
                    "resident_excluded",
                )
            ),
        }
        transaction.set_rollback(True)
    return data


def test_same_seed_gives_the_same_district_row_for_row():
    first, second = snapshot(7), snapshot(7)
    assert first == second
    assert len(first["cases"]) >= 550


def test_another_seed_gives_other_people():
    assert snapshot(7)["residents"] != snapshot(8)["residents"]


def test_demo_district_is_realistic():
    summary = seed_demo(seed=2023, cases=3000, members=200)
    assert summary.cases == Case.objects.count() >= 2900
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds == set(UnitKind.values)
    assert Unit.objects.filter(path__regex=r"^/\d+/\d+/\d+/$").exists()  # three levels deep
    double = Case.objects.filter(claimants__gt=1).count()
    before_start = Case.objects.filter(activated_on__lt="2023-04-21").count()
    not_activated = Case.objects.filter(eid_level__isnull=True).count()
    excluded = Case.objects.filter(resident_excluded=True).count()
    for share in (double, before_start, not_activated, excluded):
        assert 0.005 * summary.cases < share < 0.2 * summary.cases
    assert {1, 2} <= set(Case.objects.values_list("eid_level", flat=True))
    assert Case.objects.filter(portal_used=False, eid_level__isnull=False).exists()
    assert Member.objects.filter(full_name__startswith="Lò").exists()
    assert drift() == []


def test_demo_creates_the_three_sign_in_accounts_with_their_roles():
    seed_demo(seed=1, cases=50, members=30)
    roles = {(r.user.username, r.role) for r in UnitRole.objects.select_related("user")}
    assert ("bithu.mlan", UnitRole.Role.SECRETARY) in roles
    assert ("xem.hoipn", UnitRole.Role.VIEWER) in roles
    assert ("quantri", UnitRole.Role.ADMIN) in roles


def test_seed_demo_refuses_a_database_that_has_units(capsys):
    call_command("seed_demo", "--cases", "20", "--members", "20")
    with pytest.raises(CommandError):
        call_command("seed_demo", "--cases", "20")
    call_command("seed_demo", "--if-empty")  # make run: a second start keeps the data
    assert Case.objects.count() > 0
    assert "quantri" in capsys.readouterr().out


def test_the_three_unions_report_under_headings_of_their_own():
    from reports.models import ReportHeading

    seed_demo(seed=1, cases=50, members=30)
    campaign = Campaign.objects.get(slug="vneid-2023")
    units = Unit.objects.filter(code__in=["HD", "HPN", "HLHTN"])
    headings = [ReportHeading.for_report(campaign, unit) for unit in units]
    assert all(h.pk and h.parent_body.endswith("SƠN LA") and h.signer_name for h in headings)
    assert {h.signer_prefix for h in headings} == {"TM."}


def test_the_member_account_is_a_member_not_a_cadre_as_the_readme_says():
    from units.models import Member, MemberCategory

    seed_demo(seed=1, cases=50, members=200)  # a branch as large as `make run`'s have some
    member = Member.objects.get(user__username="doanvien")
    assert member.category == MemberCategory.MEMBER
    assert member.unit.code == "CD-MLA-1"


def test_the_demo_holds_outreach_activities_with_the_cases_they_brought():
    import datetime

    from campaign.activities import Activity
    from campaign.activity_yield import compute_yield

    summary = seed_demo(seed=2023, cases=3000, members=200)
    campaign = Campaign.objects.get(slug="vneid-2023")
    assert summary.activities == Activity.objects.count() > 300
    kinds = set(Activity.objects.values_list("kind__code", flat=True))
    assert {"volunteer_saturday", "market", "training", "conference", "post"} <= kinds
    # Joint activities of the police and a union, as the plan asks.
    joint = Activity.objects.filter(organisers__kind=UnitKind.POLICE).filter(
        organisers__kind=UnitKind.YOUTH_UNION
    )
    assert joint.exists()
    linked = Case.objects.filter(activity__isnull=False)
    assert summary.linked == linked.count() > 0.05 * summary.cases
    # Each linked case was guided on its activity's day by a member of an organising unit
    # or of a unit under one: what the case form would have accepted.
    for case in linked.select_related("activity", "member__unit")[:200]:
        assert case.guided_on == case.activity.starts_on
        assert Activity.objects.linkable_for(case.member).filter(pk=case.activity_id).exists()
    # The outreach page has something to show: credited cases per kind.
    found = compute_yield(campaign, as_of=datetime.date(2023, 11, 30))
    assert found.total.cases == linked.count() and found.total.credited > 0
    assert {g.label for g in found.kinds if g.credited} >= {"Ngày Thứ Bảy tình nguyện"}
    assert drift() == []
