"""The stored rule inputs stay equal to a recomputation after every kind of write, and
double claims are resolved (and undone) only by those who may."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaign.claims import (
    double_claim_register,
    double_claimed_residents,
    drift,
    refresh_rule_inputs,
    residents_with_id_numbers,
    resolve_double_claim,
    undo_resolution,
)
from campaign.models import Case, DoubleClaimResolution, ResidentCategory
from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import add_case
from units.models import Unit, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed():
    """One resident claimed by a police officer and a Youth Union member, plus a lone case."""
    police, youth = UnitFactory(kind=UnitKind.POLICE), UnitFactory(kind=UnitKind.YOUTH_UNION)
    officer, member = MemberFactory(unit=police), MemberFactory(unit=youth)
    resident = ResidentFactory()
    add_case(officer, resident)
    add_case(member, resident)
    add_case(member)
    return {
        "resident": resident,
        "officer": officer,
        "member": member,
        "police": police,
        "youth": youth,
    }


def test_stored_inputs_match_after_creating_cases(claimed):
    assert Case.objects.filter(claimants=2).count() == 2
    assert drift() == []


def test_drift_reports_a_stale_stored_input(claimed):
    Case.objects.filter(resident=claimed["resident"]).update(claimants=1)
    found = drift()
    assert sorted(name for _pk, name, _old, _new in found) == ["claimants", "claimants"]
    assert all((old, new) == (1, 2) for _pk, _name, old, new in found)


def test_stored_inputs_match_after_updating_a_case(claimed):
    case = Case.objects.get(resident=claimed["resident"], member=claimed["member"])
    other = ResidentFactory()
    old_resident = case.resident_id
    case.resident = other
    case.save()
    refresh_rule_inputs(resident_ids=[old_resident, other.pk])
    assert drift() == []
    assert Case.objects.get(resident=claimed["resident"]).claimants == 1


def test_stored_inputs_match_after_deleting_a_case(claimed):
    case = Case.objects.get(resident=claimed["resident"], member=claimed["officer"])
    case.delete()
    refresh_rule_inputs(resident_ids=[claimed["resident"].pk])
    assert drift() == []
    assert Case.objects.get(resident=claimed["resident"]).claimants == 1


def test_stored_inputs_match_after_a_member_id_number_changes_and_is_deleted(claimed):
    newcomer = MemberFactory()
    old = newcomer.id_number
    newcomer.id_number = claimed["resident"].id_number
    newcomer.save()
    refresh_rule_inputs(resident_ids=residents_with_id_numbers([old, newcomer.id_number]))
    assert drift() == []
    assert set(
        Case.objects.filter(resident=claimed["resident"]).values_list(
            "resident_excluded", flat=True
        )
    ) == {True}
    newcomer.delete()
    refresh_rule_inputs(resident_ids=residents_with_id_numbers([claimed["resident"].id_number]))
    assert drift() == []
    assert set(
        Case.objects.filter(resident=claimed["resident"]).values_list(
            "resident_excluded", flat=True
        )
    ) == {False}


def test_stored_inputs_match_after_a_resident_category_changes(claimed):
    resident = claimed["resident"]
    resident.category = ResidentCategory.CIVIL_SERVANT
    resident.save()
    refresh_rule_inputs(resident_ids=[resident.pk])
    assert drift() == []
    assert Case.objects.filter(resident=resident, resident_excluded=True).count() == 2


def test_stored_inputs_match_after_a_resolution_and_its_undoing(claimed):
    boss = UserFactory(is_superuser=True)
    resolution = resolve_double_claim(
        campaign=plan_campaign(),
        resident=claimed["resident"],
        awarded_to=claimed["officer"],
        reason="Checked",
        user=boss,
    )
    assert drift() == []
    assert Case.objects.get(resident=claimed["resident"], member=claimed["officer"]).claim_awarded
    undo_resolution(resolution=resolution, user=boss)
    assert drift() == []
    assert not Case.objects.filter(claim_awarded=True).exists()
    resolution.refresh_from_db()
    assert (resolution.undone_by, resolution.undone_at is not None) == (boss, True)


def test_a_resolution_records_who_when_and_why(claimed):
    boss = UserFactory(is_superuser=True)
    resolution = resolve_double_claim(
        campaign=plan_campaign(),
        resident=claimed["resident"],
        awarded_to=None,
        reason="  Nobody proved it  ",
        user=boss,
    )
    assert (resolution.resolved_by, resolution.reason, resolution.awarded_to) == (
        boss,
        "Nobody proved it",
        None,
    )
    assert resolution.resolved_at is not None


def test_only_an_administrator_of_every_claimant_unit_may_resolve(claimed):
    police_admin = UnitRoleFactory(unit=claimed["police"], role=UnitRole.Role.ADMIN).user
    with pytest.raises(PermissionDenied):
        resolve_double_claim(
            campaign=plan_campaign(),
            resident=claimed["resident"],
            awarded_to=claimed["officer"],
            reason="Mine",
            user=police_admin,
        )
    secretary = UnitRoleFactory(unit=claimed["youth"], role=UnitRole.Role.SECRETARY).user
    UnitRole.objects.create(user=secretary, unit=claimed["police"], role=UnitRole.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        resolve_double_claim(
            campaign=plan_campaign(),
            resident=claimed["resident"],
            awarded_to=claimed["officer"],
            reason="Mine",
            user=secretary,
        )
    district = UnitFactory(kind=UnitKind.POLICE)
    for unit in (claimed["police"], claimed["youth"]):
        unit.parent = district
        unit.save()
    district_admin = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN).user
    resolution = resolve_double_claim(
        campaign=plan_campaign(),
        resident=claimed["resident"],
        awarded_to=claimed["officer"],
        reason="Checked",
        user=district_admin,
    )
    assert resolution.pk
    with pytest.raises(PermissionDenied):
        undo_resolution(resolution=resolution, user=police_admin)
    assert DoubleClaimResolution.objects.filter(undone_at__isnull=True).count() == 1


@pytest.mark.parametrize("case", ["no_reason", "not_a_claimant", "not_double", "twice"])
def test_a_resolution_that_cannot_stand_is_refused(claimed, case):
    boss = UserFactory(is_superuser=True)
    kwargs = {
        "campaign": plan_campaign(),
        "resident": claimed["resident"],
        "awarded_to": claimed["officer"],
        "reason": "Checked",
        "user": boss,
    }
    if case == "no_reason":
        kwargs["reason"] = "  "
    elif case == "not_a_claimant":
        kwargs["awarded_to"] = MemberFactory()
    elif case == "not_double":
        kwargs["resident"] = Case.objects.get(claimants=1).resident
        kwargs["awarded_to"] = None
    else:
        resolve_double_claim(**kwargs)
    with pytest.raises(ValidationError):
        resolve_double_claim(**kwargs)
    assert DoubleClaimResolution.objects.count() == (1 if case == "twice" else 0)


def test_undoing_twice_is_refused(claimed):
    boss = UserFactory(is_superuser=True)
    resolution = resolve_double_claim(
        campaign=plan_campaign(),
        resident=claimed["resident"],
        awarded_to=None,
        reason="Checked",
        user=boss,
    )
    undo_resolution(resolution=resolution, user=boss)
    with pytest.raises(ValidationError):
        undo_resolution(resolution=resolution, user=boss)


def test_the_register_lists_double_claims_with_claimants_and_history(
    claimed, django_assert_max_num_queries
):
    boss = UserFactory(is_superuser=True)
    campaign = plan_campaign()
    first = resolve_double_claim(
        campaign=campaign,
        resident=claimed["resident"],
        awarded_to=None,
        reason="First look",
        user=boss,
    )
    undo_resolution(resolution=first, user=boss)
    resolve_double_claim(
        campaign=campaign,
        resident=claimed["resident"],
        awarded_to=claimed["member"],
        reason="Second look",
        user=boss,
    )
    residents = double_claimed_residents(campaign, Unit.objects.all())
    with django_assert_max_num_queries(3):
        (entry,) = double_claim_register(campaign, residents)
    assert {case.member for case in entry.claims} == {claimed["officer"], claimed["member"]}
    assert entry.resolution.reason == "Second look"
    assert [r.reason for r in entry.history] == ["First look"]
    assert entry.units == {claimed["police"], claimed["youth"]}
    assert list(
        double_claimed_residents(campaign, Unit.objects.filter(pk=claimed["youth"].pk))
    ) == [claimed["resident"]]
    assert list(double_claimed_residents(campaign, Unit.objects.none())) == []


def test_recompute_rule_inputs_command_repairs_and_checks(claimed):
    from django.core.management import CommandError, call_command

    Case.objects.update(claimants=5)
    with pytest.raises(CommandError):
        call_command("recompute_rule_inputs", "--check")
    call_command("recompute_rule_inputs")
    call_command("recompute_rule_inputs", "--check")
    assert drift() == []


@pytest.fixture
def within_kinds(claimed):
    """The plan's campaign set to count double claims only within a unit kind."""
    campaign = plan_campaign()
    campaign.double_claims_across_kinds = False
    campaign.save()
    refresh_rule_inputs()
    assert Case.objects.filter(claimants=2).count() == 0  # police vs Youth Union: no claim
    return claimed


def test_moving_a_member_to_a_unit_of_another_kind_refreshes_claims(within_kinds):
    from campaign.services import member_update

    officer = within_kinds["officer"]
    member_update(member=officer, user=None, unit=within_kinds["youth"])
    assert Case.objects.filter(resident=within_kinds["resident"], claimants=2).count() == 2
    assert drift() == []


def test_changing_a_units_kind_in_the_admin_refreshes_claims(within_kinds, client):
    police = within_kinds["police"]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/units/unit/{police.pk}/change/",
        {
            "code": police.code,
            "name": police.name,
            "kind": UnitKind.YOUTH_UNION,
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.filter(resident=within_kinds["resident"], claimants=2).count() == 2
    assert drift() == []


# --- The set-based refresh (PostgreSQL) and the portable one store the same values ----------


@pytest.fixture
def generated():
    """Two campaigns (double claims across kinds or within a kind; roster excluding residents
    or not), units of three kinds, residents claimed by one to four members, declared
    categories, residents on a roster, standing and undone resolutions."""
    import random

    from campaign.models import Resident
    from campaign.tests.factories import CampaignFactory, CaseFactory

    rng = random.Random(7)
    campaigns = [
        plan_campaign(),
        CampaignFactory(double_claims_across_kinds=False, roster_excludes_residents=False),
    ]
    units = [
        UnitFactory(kind=kind)
        for kind in (
            UnitKind.POLICE,
            UnitKind.YOUTH_UNION,
            UnitKind.YOUTH_UNION,
            UnitKind.WOMENS_UNION,
        )
    ]
    members = [MemberFactory(unit=rng.choice(units)) for _ in range(12)]
    categories = [ResidentCategory.RESIDENT] * 4 + [ResidentCategory.CADRE, ResidentCategory.MEMBER]
    residents = [ResidentFactory(category=rng.choice(categories)) for _ in range(60)]
    for resident in residents[:4]:  # on a roster: a member's ID number
        MemberFactory(unit=units[0], id_number=resident.id_number)
    for resident in residents:
        for campaign in campaigns:
            for member in rng.sample(members, rng.choice([0, 1, 1, 2, 3, 4])):
                CaseFactory(campaign=campaign, resident=resident, member=member)
    for n, case in enumerate(Case.objects.order_by("pk")[:40:4]):
        DoubleClaimResolution.objects.create(
            campaign=case.campaign,
            resident=case.resident,
            awarded_to=case.member if n % 3 else None,
            reason="x",
            undone_at=None if n % 2 else "2023-06-01T00:00:00Z",
        )
    return {"residents": Resident.objects.all(), "campaigns": campaigns}


def _stored():
    from campaign.models import Resident

    return (
        sorted(Case.objects.values_list("pk", "claimants", "resident_excluded", "claim_awarded")),
        sorted(Resident.objects.values_list("pk", "on_roster")),
    )


def _scramble():
    from django.db.models import Q

    from campaign.models import Resident

    Case.objects.update(claimants=7)
    Case.objects.filter(Q(resident_excluded=True)).update(resident_excluded=False)
    Case.objects.filter(pk__gt=0).update(claim_awarded=True)
    Resident.objects.update(on_roster=True)


@pytest.mark.parametrize("scope", ["some", "all"])
def test_the_fast_and_the_portable_refresh_store_the_same_values(generated, scope):
    from campaign import claims, rule_inputs

    ids = [r.pk for r in generated["residents"]]
    ids = ids[::2] if scope == "some" else ids
    resident_ids = ids if scope == "some" else None
    claims.refresh_rule_inputs()
    assert drift() == []
    assert Case.objects.filter(claimants__gt=1).exists()
    assert Case.objects.filter(resident_excluded=True).exists()
    assert Case.objects.filter(claim_awarded=True).exists()

    _scramble()
    rule_inputs.refresh_with_orm(resident_ids)
    portable = _stored()
    _scramble()
    claims.refresh_rule_inputs(resident_ids=resident_ids)  # the set-based path on PostgreSQL
    assert _stored() == portable
    if scope == "all":
        assert drift() == []


def test_a_case_deleted_in_the_admin_takes_its_resident_when_nobody_else_guides_them(client):
    from campaign.models import Resident
    from campaign.tests.factories import CaseFactory

    alone = CaseFactory()
    shared = CaseFactory()
    other = CaseFactory(resident=shared.resident)
    refresh_rule_inputs()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/campaign/case/{alone.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Resident.objects.filter(pk=alone.resident_id).exists()
    response = client.post(
        "/admin/campaign/case/",
        {"action": "delete_selected", "_selected_action": [shared.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Resident.objects.filter(pk=shared.resident_id).exists()
    assert Case.objects.get(resident=shared.resident) == other
    assert drift() == []
