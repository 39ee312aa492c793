"""One test per rule of rules.md and per boundary, read through the figures."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from campaign import rules
from campaign.claims import refresh_rule_inputs, resolve_double_claim, undo_resolution
from campaign.models import Case, ResidentCategory
from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import (
    AS_OF,
    add_case,
    add_full_cases,
    member_figures,
    results,
    unit_figures,
)
from units.models import Member, MemberCategory, UnitKind
from units.tests.factories import MemberFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def credited(member, **kwargs):
    figures = member_figures(member, **kwargs)
    return figures.credited_eid, figures.credited_full


def reasons(case, as_of=AS_OF):
    campaign = plan_campaign()
    (verdict,) = rules.explain(Case.objects.filter(pk=case.pk), campaign, as_of)
    return verdict.codes


# --- Activation window -----------------------------------------------------------------------


def test_activation_the_day_before_the_campaign_start_is_not_credited():
    member = MemberFactory()
    case = add_case(member, activated_on=D(2023, 4, 20))
    assert credited(member) == (0, 0)
    assert reasons(case) == ["before_start"]


def test_activation_on_the_campaign_start_is_credited():
    member = MemberFactory()
    case = add_case(member, activated_on=D(2023, 4, 21))
    assert credited(member) == (1, 1)
    assert reasons(case) == []


def test_activation_on_the_as_of_date_is_credited():
    member = MemberFactory()
    add_case(member, activated_on=D(2023, 6, 20))
    assert credited(member, as_of=D(2023, 6, 20)) == (1, 1)


def test_activation_the_day_after_the_as_of_date_is_not_credited():
    member = MemberFactory()
    case = add_case(member, activated_on=D(2023, 6, 21))
    assert credited(member, as_of=D(2023, 6, 20)) == (0, 0)
    assert reasons(case, as_of=D(2023, 6, 20)) == ["after_as_of"]
    assert member_figures(member, as_of=D(2023, 6, 20)).cases == 1


def test_a_case_not_activated_is_listed_but_not_credited():
    member = MemberFactory()
    case = add_case(member, activated_on=None, portal=False)
    figures = member_figures(member)
    assert (figures.cases, figures.credited_eid, figures.credited_full) == (1, 0, 0)
    assert reasons(case) == ["not_activated", "no_portal"]


def test_changing_the_activation_start_setting_changes_the_outcome():
    member = MemberFactory()
    add_case(member, activated_on=D(2023, 4, 25))
    campaign = plan_campaign()
    assert credited(member) == (1, 1)
    campaign.activation_starts_on = D(2023, 5, 1)
    campaign.save()
    assert credited(member) == (0, 0)


# --- Double claims ---------------------------------------------------------------------------


def test_a_resident_listed_twice_by_one_member_is_one_case():
    member = MemberFactory()
    case = add_case(member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(campaign=case.campaign, member=member, resident=case.resident)
    figures = member_figures(member)
    assert (figures.cases, figures.double_claims, figures.credited_full) == (1, 0, 1)


def test_a_resident_claimed_by_a_police_officer_and_a_youth_union_member_is_credited_to_neither():
    officer = MemberFactory(
        unit=UnitFactory(kind=UnitKind.POLICE), category=MemberCategory.ARMED_FORCES
    )
    youth = MemberFactory(unit=UnitFactory(kind=UnitKind.YOUTH_UNION))
    resident = ResidentFactory()
    case = add_case(officer, resident)
    add_case(youth, resident)
    found = results()
    for member in (officer, youth):
        figures = next(m for m in found.members if m.pk == member.pk)
        assert (figures.cases, figures.double_claims, figures.credited_eid) == (1, 1, 0)
    assert reasons(case) == ["double_claim"]
    (verdict,) = rules.explain(Case.objects.filter(pk=case.pk), plan_campaign(), AS_OF)
    assert youth.full_name in verdict.reasons[0][1]


def test_double_claims_within_one_kind_only_when_the_campaign_says_so():
    officer = MemberFactory(unit=UnitFactory(kind=UnitKind.POLICE))
    youth = MemberFactory(unit=UnitFactory(kind=UnitKind.YOUTH_UNION))
    youth2 = MemberFactory(unit=UnitFactory(kind=UnitKind.YOUTH_UNION))
    resident = ResidentFactory()
    for member in (officer, youth, youth2):
        add_case(member, resident)
    campaign = plan_campaign()
    campaign.double_claims_across_kinds = False
    campaign.save()
    refresh_rule_inputs(resident_ids=[resident.pk])  # as the campaign admin does
    assert credited(officer) == (1, 1)
    assert credited(youth) == credited(youth2) == (0, 0)
    assert member_figures(officer).double_claims == 0


def test_a_resolved_double_claim_credits_the_named_member_and_undo_credits_nobody_again():
    first, second = MemberFactory(), MemberFactory()
    resident = ResidentFactory()
    add_case(first, resident)
    add_case(second, resident)
    boss = UserFactory(is_superuser=True)
    resolution = resolve_double_claim(
        campaign=plan_campaign(),
        resident=resident,
        awarded_to=second,
        reason="Checked the VNeID log",
        user=boss,
    )
    assert credited(first) == (0, 0)
    assert credited(second) == (1, 1)
    assert member_figures(second).double_claims == 1  # still listed by another member
    undo_resolution(resolution=resolution, user=boss)
    assert credited(first) == credited(second) == (0, 0)


def test_a_double_claim_resolved_to_nobody_credits_nobody():
    first, second = MemberFactory(), MemberFactory()
    resident = ResidentFactory()
    add_case(first, resident)
    add_case(second, resident)
    resolve_double_claim(
        campaign=plan_campaign(),
        resident=resident,
        awarded_to=None,
        reason="Both claim it; neither proved it",
        user=UserFactory(is_superuser=True),
    )
    assert credited(first) == credited(second) == (0, 0)


# --- Residents who are cadres ----------------------------------------------------------------


def test_a_resident_declared_a_union_member_is_not_credited():
    member = MemberFactory()
    case = add_case(member, ResidentFactory(category=ResidentCategory.MEMBER))
    assert credited(member) == (0, 0)
    assert reasons(case) == ["resident_cadre"]


def test_a_resident_whose_id_number_is_on_a_member_roster_is_not_credited():
    member = MemberFactory()
    colleague = MemberFactory(active=False)  # any roster, active or not
    case = add_case(member, ResidentFactory(id_number=colleague.id_number))
    assert credited(member) == (0, 0)
    (verdict,) = rules.explain(Case.objects.filter(pk=case.pk), plan_campaign(), AS_OF)
    assert verdict.codes == ["resident_cadre"]
    assert colleague.full_name in verdict.reasons[0][1]


def test_the_roster_rule_follows_the_campaign_setting():
    member = MemberFactory()
    colleague = MemberFactory()
    resident = ResidentFactory(id_number=colleague.id_number)
    add_case(member, resident)
    campaign = plan_campaign()
    campaign.roster_excludes_residents = False
    campaign.save()
    refresh_rule_inputs(resident_ids=[resident.pk])
    assert credited(member) == (1, 1)


# --- e-ID and full cases ---------------------------------------------------------------------


def test_an_eid_without_the_portal_is_an_eid_case_not_a_full_case():
    member = MemberFactory()
    case = add_case(member, portal=False)
    assert credited(member) == (1, 0)
    (verdict,) = rules.explain(Case.objects.filter(pk=case.pk), plan_campaign(), AS_OF)
    assert (verdict.credited_eid, verdict.credited_full, verdict.codes) == (
        True,
        False,
        ["no_portal"],
    )


# --- Quotas and awards -----------------------------------------------------------------------


def test_49_full_cases_earn_no_individual_award():
    member = MemberFactory()
    add_full_cases(member, 49)
    figures = member_figures(member)
    assert (figures.credited_full, figures.individual_award) == (49, False)


def test_50_full_cases_earn_the_individual_award():
    member = MemberFactory()
    add_full_cases(member, 50)
    figures = member_figures(member)
    assert (figures.credited_full, figures.individual_award) == (50, True)


def test_a_changed_individual_threshold_changes_the_award():
    member = MemberFactory()
    add_full_cases(member, 30)
    campaign = plan_campaign()
    campaign.individual_award_threshold = 30
    campaign.save()
    assert member_figures(member).individual_award is True


def test_quota_is_20_for_cadres_and_10_for_members():
    unit = UnitFactory()
    cadre = MemberFactory(unit=unit, category=MemberCategory.CADRE)
    member = MemberFactory(unit=unit, category=MemberCategory.MEMBER)
    servant = MemberFactory(unit=unit, category=MemberCategory.CIVIL_SERVANT)
    for person in (cadre, member, servant):
        add_full_cases(person, 10)
    found = {m.pk: m for m in results().members}
    assert (found[cadre.pk].quota, found[cadre.pk].meets_quota) == (20, False)
    assert (found[member.pk].quota, found[member.pk].meets_quota) == (10, True)
    assert (found[servant.pk].quota, found[servant.pk].meets_quota) == (20, False)


def test_a_unit_averaging_exactly_20_earns_the_collective_award():
    unit = UnitFactory()
    first, second = MemberFactory(unit=unit), MemberFactory(unit=unit)
    add_full_cases(first, 40)
    figures = unit_figures(unit)
    assert (figures.tally.members, figures.tally.credited_full) == (2, 40)
    assert (figures.average, figures.collective_award) == (Decimal("20.00"), True)
    assert second.pk  # no cases, still in the denominator


def test_a_unit_averaging_19_99_earns_no_collective_award():
    unit = UnitFactory()
    members = [MemberFactory(unit=unit) for _ in range(100)]
    add_full_cases(members[0], 1999)
    figures = unit_figures(unit)
    assert (figures.tally.members, figures.tally.credited_full) == (100, 1999)
    assert (figures.average, figures.collective_award) == (Decimal("19.99"), False)


def test_the_collective_award_compares_exactly_not_on_the_rounded_average():
    unit = UnitFactory()
    members = [MemberFactory(unit=unit) for _ in range(3)]
    add_full_cases(members[0], 59)  # 19.666... rounds to 19.67, below 20
    campaign = plan_campaign()
    campaign.collective_award_threshold = Decimal("19.67")
    campaign.save()
    figures = unit_figures(unit)
    assert figures.average == Decimal("19.67")
    assert figures.collective_award is False  # 59 < 19.67 x 3 = 59.01


def test_the_average_rounds_half_up():
    unit = UnitFactory()
    members = [MemberFactory(unit=unit) for _ in range(8)]
    add_full_cases(members[0], 1)
    assert unit_figures(unit).average == Decimal("0.13")  # 0.125


def test_a_member_with_no_cases_counts_in_the_denominator():
    unit = UnitFactory()
    worker, idle = MemberFactory(unit=unit), MemberFactory(unit=unit)
    add_full_cases(worker, 20)
    figures = unit_figures(unit)
    assert (figures.tally.members, figures.average, figures.collective_award) == (
        2,
        Decimal("10.00"),
        False,
    )
    idle_figures = member_figures(idle)
    assert (idle_figures.cases, idle_figures.credited_full, idle_figures.meets_quota) == (
        0,
        0,
        False,
    )


def test_an_inactive_member_keeps_their_results_but_is_not_counted_in_the_unit_size():
    unit = UnitFactory()
    left = MemberFactory(unit=unit, active=False)
    MemberFactory(unit=unit)
    add_full_cases(left, 20)
    figures = unit_figures(unit)
    assert (figures.tally.members, figures.tally.credited_full, figures.average) == (
        1,
        20,
        Decimal("20.00"),
    )
    assert member_figures(left).credited_full == 20


def test_a_changed_collective_threshold_changes_the_award():
    unit = UnitFactory()
    add_full_cases(MemberFactory(unit=unit), 15)
    assert unit_figures(unit).collective_award is False
    campaign = plan_campaign()
    campaign.collective_award_threshold = Decimal("15")
    campaign.save()
    assert unit_figures(unit).collective_award is True


# --- The tree --------------------------------------------------------------------------------


def test_sub_unit_results_roll_up_through_three_levels():
    district = UnitFactory(code="HUYEN")
    commune = UnitFactory(code="XA", parent=district)
    branch = UnitFactory(code="CHIDOAN", parent=commune)
    add_full_cases(MemberFactory(unit=branch), 30)
    add_full_cases(MemberFactory(unit=commune), 5)
    MemberFactory(unit=district)
    found = results()
    figures = {
        code: (found.unit(code).tally.members, found.unit(code).tally.credited_full)
        for code in ("HUYEN", "XA", "CHIDOAN")
    }
    assert figures == {"HUYEN": (3, 35), "XA": (2, 35), "CHIDOAN": (1, 30)}
    assert found.unit("CHIDOAN").collective_award is True
    assert found.unit("HUYEN").average == Decimal("11.67")


def test_unit_figures_split_by_the_kind_of_the_members_units():
    police = UnitFactory(code="CA", kind=UnitKind.POLICE)
    police_youth = UnitFactory(code="CA-DOAN", kind=UnitKind.YOUTH_UNION, parent=police)
    add_full_cases(MemberFactory(unit=police), 3)
    add_full_cases(MemberFactory(unit=police_youth), 4)
    figures = unit_figures(police)
    assert figures.by_kind[UnitKind.POLICE].credited_full == 3
    assert figures.by_kind[UnitKind.YOUTH_UNION].credited_full == 4
    assert figures.tally.credited_full == 7


def test_a_closed_unit_is_still_listed_with_its_figures():
    closed = UnitFactory(valid_to=D(2023, 5, 1))
    add_full_cases(MemberFactory(unit=closed), 2)
    figures = unit_figures(closed)
    assert (figures.closed, figures.tally.credited_full) == (True, 2)


# --- Periods, campaign summary, own compliance ----------------------------------------------


def test_period_figures_count_only_activations_within_the_period():
    member = MemberFactory()
    add_case(member, activated_on=D(2023, 4, 30))
    add_case(member, activated_on=D(2023, 5, 15))
    add_case(member, activated_on=D(2023, 6, 5))
    figures = member_figures(member, as_of=D(2023, 5, 31), since=D(2023, 5, 1))
    assert (figures.period_full, figures.credited_full) == (1, 2)


def test_the_campaign_summary_splits_levels_and_gives_the_portal_share():
    member = MemberFactory()
    add_case(member, level=1)
    add_case(member, level=2, portal=False)
    add_case(member, level=2)
    add_case(member, level=2, activated_on=D(2023, 1, 1))
    summary = results().summary
    assert (
        summary["level1"],
        summary["level2"],
        summary["credited_eid"],
        summary["credited_full"],
    ) == (1, 2, 3, 2)
    assert summary["portal_share"] == Decimal("66.7")


def test_progress_counts_members_meeting_their_quota_and_units_at_the_threshold():
    unit = UnitFactory()
    keen = MemberFactory(unit=unit)
    MemberFactory(unit=unit)
    add_full_cases(keen, 40)
    summary = results().summary
    assert (summary["members_meeting_quota"], summary["members"]) == (1, 2)
    assert (summary["units_at_collective_threshold"], summary["units_with_members"]) == (1, 1)


def test_own_compliance_of_union_cadres():
    unit = UnitFactory(kind=UnitKind.WOMENS_UNION)
    MemberFactory(
        unit=unit,
        category=MemberCategory.CADRE,
        has_level2_account=True,
        vneid_activated=True,
        portal_used=True,
        own_procedures_online=3,
        own_procedures_total=3,
        family_procedures_online=7,
        family_procedures_total=10,
    )
    MemberFactory(
        unit=unit,
        category=MemberCategory.CADRE,
        has_level2_account=True,
        own_procedures_online=2,
        own_procedures_total=3,
        family_procedures_online=6,
        family_procedures_total=10,
    )
    MemberFactory(unit=unit, category=MemberCategory.MEMBER, has_level2_account=True)  # not bound
    MemberFactory(
        unit=UnitFactory(kind=UnitKind.POLICE), category=MemberCategory.CADRE
    )  # not bound
    tally = unit_figures(unit).tally
    assert (
        tally.bound,
        tally.level2,
        tally.vneid,
        tally.portal,
        tally.own_procedures,
        tally.family_procedures,
    ) == (2, 2, 1, 1, 1, 1)
    assert tally.share("level2") == Decimal("100.0")
    assert results().totals.bound == 2


def test_results_scoped_to_units_leave_other_units_out():
    mine, other = UnitFactory(), UnitFactory()
    add_full_cases(MemberFactory(unit=mine), 2)
    add_full_cases(MemberFactory(unit=other), 3)
    from units.models import Unit

    found = results(units=Unit.objects.subtree(mine))
    assert [u.code for u in found.units] == [mine.code]
    assert [m.unit_code for m in found.members] == [mine.code]
    assert found.totals.credited_full == 2


def test_results_take_a_constant_number_of_queries(django_assert_max_num_queries):
    unit = UnitFactory()
    for _ in range(5):
        add_full_cases(MemberFactory(unit=UnitFactory(parent=unit)), 3)
    campaign = plan_campaign()
    with django_assert_max_num_queries(6):  # (one of them: the activation list in force)
        found = rules_results(campaign)
    assert found.totals.credited_full == 15
    assert Member.objects.count() == 5


def rules_results(campaign):
    from campaign.results import build_results

    return build_results(campaign, as_of=AS_OF)


# --- The oracle: rules.md read in plain Python, checked against the database ----------------


def oracle(campaign, as_of, units, members, residents, cases, resolutions):
    """rules.md and interfaces.md §3, read literally, over plain dicts."""
    kind_of = {pk: units[m["unit"]]["kind"] for pk, m in members.items()}
    roster = {m["id_number"] for m in members.values()}

    def excluded(resident):
        return resident["category"] != "resident" or (
            campaign.roster_excludes_residents and resident["id_number"] in roster
        )

    def claimants(case):
        return [
            c
            for c in cases
            if c["resident"] == case["resident"]
            and (
                campaign.double_claims_across_kinds
                or kind_of[c["member"]] == kind_of[case["member"]]
            )
        ]

    def codes(case):
        found = []
        day = case["activated_on"]
        if day is None:
            found.append("not_activated")
        if day is not None and day < campaign.activation_starts_on:
            found.append("before_start")
        if day is not None and day > as_of:
            found.append("after_as_of")
        if len(claimants(case)) > 1 and resolutions.get(case["resident"], "none") != case["member"]:
            found.append("double_claim")
        if excluded(residents[case["resident"]]):
            found.append("resident_cadre")
        if not case["portal"]:
            found.append("no_portal")
        return found

    verdicts = {c["key"]: codes(c) for c in cases}
    member_rows = {}
    for pk, m in members.items():
        mine = [c for c in cases if c["member"] == pk]
        eid = sum(1 for c in mine if not set(verdicts[c["key"]]) - {"no_portal"})
        full = sum(1 for c in mine if not verdicts[c["key"]])
        quota = {
            "cadre": campaign.quota_cadre,
            "member": campaign.quota_member,
            "civil_servant": campaign.quota_civil_servant,
            "armed_forces": campaign.quota_armed_forces,
        }[m["category"]]
        member_rows[m["id_number"]] = {
            "id_number": m["id_number"],
            "name": m["name"],
            "unit": units[m["unit"]]["code"],
            "category": m["category"],
            "cases": len(mine),
            "credited_eid": eid,
            "credited_full": full,
            "double_claims": sum(1 for c in mine if len(claimants(c)) > 1),
            "quota": quota,
            "meets_quota": full >= quota,
            "individual_award": full >= campaign.individual_award_threshold,
        }

    def under(pk, top):
        while pk is not None:
            if pk == top:
                return True
            pk = units[pk]["parent"]
        return False

    unit_rows = {}
    for pk, u in units.items():
        inside = [m for m in members.values() if under(m["unit"], pk)]
        size = sum(1 for m in inside if m["active"])
        full = sum(member_rows[m["id_number"]]["credited_full"] for m in inside)
        avg = 0.0
        if size:
            # half up to 2 decimals, in integers: floor((200 x full + size) / (2 x size)) / 100
            avg = ((200 * full + size) // (2 * size)) / 100
        unit_rows[u["code"]] = {
            "code": u["code"],
            "name": u["name"],
            "members": size,
            "credited_full": full,
            "average": avg,
            "collective_award": size > 0
            and full * 100 >= int(campaign.collective_award_threshold * 100) * size,
        }
    return member_rows, unit_rows, verdicts


KINDS = [UnitKind.POLICE, UnitKind.YOUTH_UNION, UnitKind.WOMENS_UNION]
DAYS = [None, D(2023, 4, 20), D(2023, 4, 21), D(2023, 5, 10), D(2023, 6, 20), D(2023, 6, 21)]


def _world(data):
    from hypothesis import strategies as st

    n_units = data.draw(st.integers(1, 5))
    units = {}
    for i in range(n_units):
        parent = data.draw(st.sampled_from([None] + list(range(i)))) if i else None
        units[i] = {
            "code": f"T{i}",
            "name": f"Đơn vị {i}",
            "parent": parent,
            "kind": data.draw(st.sampled_from(KINDS)),
        }
    n_members = data.draw(st.integers(1, 6))
    members = {
        i: {
            "unit": data.draw(st.integers(0, n_units - 1)),
            "id_number": f"0990{i:08d}",
            "name": f"Thành viên {i}",
            "active": data.draw(st.booleans()),
            "category": data.draw(st.sampled_from(MemberCategory.values)),
        }
        for i in range(n_members)
    }
    residents = {}
    for i in range(data.draw(st.integers(1, 8))):
        on_roster = i < n_members and data.draw(st.integers(0, 4)) == 0
        residents[i] = {
            "id_number": members[i]["id_number"] if on_roster else f"0991{i:08d}",
            "category": data.draw(st.sampled_from(["resident"] * 4 + ["member", "armed_forces"])),
        }
    pairs = data.draw(
        st.lists(
            st.tuples(st.integers(0, n_members - 1), st.integers(0, len(residents) - 1)),
            unique=True,
            max_size=14,
        )
    )
    cases = [
        {
            "key": pair,
            "member": pair[0],
            "resident": pair[1],
            "activated_on": data.draw(st.sampled_from(DAYS)),
            "portal": data.draw(st.booleans()),
        }
        for pair in pairs
    ]
    settings = {
        "double_claims_across_kinds": data.draw(st.booleans()),
        "roster_excludes_residents": data.draw(st.booleans()),
        "activation_starts_on": data.draw(st.sampled_from([D(2023, 4, 21), D(2023, 5, 10)])),
        "individual_award_threshold": data.draw(st.integers(1, 3)),
        "collective_award_threshold": Decimal(
            data.draw(st.sampled_from(["0.5", "1", "1.33", "2"]))
        ),
        "quota_cadre": data.draw(st.integers(1, 3)),
        "quota_member": data.draw(st.integers(1, 3)),
    }
    as_of = data.draw(st.sampled_from([D(2023, 5, 10), D(2023, 6, 20)]))
    return units, members, residents, cases, settings, as_of


def _store(units, members, residents, cases, settings):
    from campaign.models import Campaign, Resident
    from campaign.tests.factories import CampaignFactory
    from units.models import Unit

    campaign = CampaignFactory(**settings)
    unit_objs = {}
    for i, u in units.items():
        unit_objs[i] = Unit.objects.create(
            code=u["code"], name=u["name"], kind=u["kind"], parent=unit_objs.get(u["parent"])
        )
    member_objs = {
        i: Member.objects.create(
            unit=unit_objs[m["unit"]],
            full_name=m["name"],
            id_number=m["id_number"],
            category=m["category"],
            active=m["active"],
        )
        for i, m in members.items()
    }
    resident_objs = {
        i: Resident.objects.create(
            id_number=r["id_number"], full_name="Cầm Thị Lan", category=r["category"]
        )
        for i, r in residents.items()
    }
    case_objs = {}
    for c in cases:
        case_objs[c["key"]] = Case.objects.create(
            campaign=campaign,
            member=member_objs[c["member"]],
            resident=resident_objs[c["resident"]],
            eid_level=2 if c["activated_on"] else None,
            activated_on=c["activated_on"],
            portal_used=c["portal"],
        )
    refresh_rule_inputs(resident_ids=[r.pk for r in resident_objs.values()])
    return Campaign.objects.get(pk=campaign.pk), member_objs, resident_objs, case_objs


@pytest.mark.filterwarnings("ignore")
def test_every_figure_from_the_database_equals_the_oracle():
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    boss = UserFactory(is_superuser=True)

    @hsettings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def check(data):
        units, members, residents, cases, settings, as_of = _world(data)
        with transaction.atomic():
            campaign, member_objs, resident_objs, case_objs = _store(
                units, members, residents, cases, settings
            )
            # Resolve some double claims, the way an administrator does.
            resolutions = {}
            for rid, resident in resident_objs.items():
                doubled = list(
                    Case.objects.filter(campaign=campaign, resident=resident, claimants__gt=1)
                )
                if doubled and data.draw(st.booleans()):
                    pick = data.draw(st.sampled_from([None] + [c.member_id for c in doubled]))
                    resolve_double_claim(
                        campaign=campaign,
                        resident=resident,
                        awarded_to=Member.objects.get(pk=pick) if pick else None,
                        reason="Đã kiểm tra",
                        user=boss,
                    )
                    resolutions[rid] = next(
                        (i for i, m in member_objs.items() if m.pk == pick), None
                    )
            expected_members, expected_units, expected_verdicts = oracle(
                campaign, as_of, units, members, residents, cases, resolutions
            )
            found = rules_results_as_of(campaign, as_of)
            assert {m["id_number"]: m for m in found["members"]} == expected_members
            assert {u["code"]: u for u in found["units"]} == expected_units
            verdicts = rules.explain(Case.objects.filter(campaign=campaign), campaign, as_of)
            by_pk = {case.pk: key for key, case in case_objs.items()}
            assert {by_pk[v.case.pk]: v.codes for v in verdicts} == expected_verdicts
            transaction.set_rollback(True)

    check()


def rules_results_as_of(campaign, as_of):
    from campaign.results import build_results
    from units.models import Unit

    return build_results(
        campaign, as_of=as_of, units=Unit.objects.filter(code__startswith="T")
    ).as_json()


def test_explaining_a_members_cases_takes_a_constant_number_of_queries(
    django_assert_max_num_queries,
):
    member, rival = MemberFactory(), MemberFactory()
    for day in (D(2023, 4, 1), D(2023, 4, 2), D(2023, 7, 1), None):
        add_case(member, activated_on=day)
    for _ in range(3):
        resident = ResidentFactory()
        add_case(member, resident)
        add_case(rival, resident)
    campaign = plan_campaign()
    with django_assert_max_num_queries(3):
        verdicts = rules.explain(Case.objects.filter(member=member), campaign, AS_OF)
        texts = [text for verdict in verdicts for _code, text in verdict.reasons]
    assert sorted(v.codes[0] for v in verdicts) == (
        ["after_as_of", "before_start", "before_start"] + ["double_claim"] * 3 + ["not_activated"]
    )
    assert sum(rival.full_name in text for text in texts) == 3
