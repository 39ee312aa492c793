"""The campaign's data: the plan's campaign after migrate, constraints, stored rule inputs."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from campaign.claims import drift, refresh_rule_inputs
from campaign.models import Campaign, Case, ResidentCategory
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from reports.models import ReportingPeriod
from units.models import MemberCategory
from units.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_fresh_database_holds_exactly_the_plans_campaign():
    assert list(Campaign.objects.values_list("slug", flat=True)) == ["vneid-2023"]
    campaign = plan_campaign()
    assert campaign.activation_starts_on == datetime.date(2023, 4, 21)
    assert campaign.starts_on == datetime.date(2023, 4, 21)
    assert (campaign.drive_starts_on, campaign.drive_ends_on) == (
        datetime.date(2023, 4, 20),
        datetime.date(2023, 6, 20),
    )
    assert campaign.individual_award_threshold == 50
    assert campaign.collective_award_threshold == Decimal("20")
    assert campaign.double_claims_across_kinds and campaign.roster_excludes_residents
    assert (campaign.own_procedures_target, campaign.family_procedures_target) == (100, 70)


@pytest.mark.parametrize(
    "category, quota",
    [
        (MemberCategory.CADRE, 20),
        (MemberCategory.CIVIL_SERVANT, 20),
        (MemberCategory.ARMED_FORCES, 20),
        (MemberCategory.MEMBER, 10),
    ],
)
def test_plan_quotas_by_category(category, quota):
    assert plan_campaign().quota_for(category) == quota


def test_plan_reporting_periods_are_created():
    periods = {p.slug: p for p in ReportingPeriod.objects.filter(campaign=plan_campaign())}
    assert periods["dot-1"].due_on == datetime.date(2023, 5, 12)
    assert periods["dot-2"].due_on == datetime.date(2023, 6, 20)
    assert periods["tong-ket"].due_on == datetime.date(2023, 11, 28)
    may = periods["thang-05-2023"]
    assert (may.starts_on, may.ends_on, may.due_on) == (
        datetime.date(2023, 5, 1),
        datetime.date(2023, 5, 31),
        datetime.date(2023, 6, 10),
    )
    assert periods["thang-04-2023"].starts_on == datetime.date(2023, 4, 21)
    assert all(p.starts_on >= datetime.date(2023, 4, 21) for p in periods.values())


def test_campaign_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError):
        Campaign.objects.create(
            slug="x",
            name="x",
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2023, 1, 1),
            activation_starts_on=datetime.date(2024, 1, 1),
        )


def test_one_case_per_resident_and_guide_in_a_campaign():
    case = CaseFactory()
    with pytest.raises(IntegrityError):
        CaseFactory(resident=case.resident, member=case.member)


def test_level_and_activation_date_go_together():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(eid_level=2, activated_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(eid_level=None, activated_on=datetime.date(2023, 5, 1))
    assert CaseFactory(eid_level=None, activated_on=None).pk


def test_resident_id_number_is_unique():
    ResidentFactory(id_number="014090001234")
    with pytest.raises(IntegrityError):
        ResidentFactory(id_number="014090001234")


def test_stored_claimants_count_every_member_listing_the_resident():
    first = CaseFactory()
    second = CaseFactory(resident=first.resident)
    alone = CaseFactory()
    refresh_rule_inputs(resident_ids=[first.resident_id, alone.resident_id])
    assert {c.pk: c.claimants for c in Case.objects.all()} == {
        first.pk: 2,
        second.pk: 2,
        alone.pk: 1,
    }
    assert drift() == []


def test_declared_or_rostered_resident_is_stored_as_excluded():
    declared = CaseFactory(resident=ResidentFactory(category=ResidentCategory.MEMBER))
    rostered = CaseFactory()
    MemberFactory(id_number=rostered.resident.id_number)
    plain = CaseFactory()
    refresh_rule_inputs()
    assert {c.pk: c.resident_excluded for c in Case.objects.all()} == {
        declared.pk: True,
        rostered.pk: True,
        plain.pk: False,
    }


def test_drift_reports_stale_rule_inputs():
    case = CaseFactory()
    CaseFactory(resident=case.resident)  # not refreshed: both still say one claimant
    assert {(d[1], d[2], d[3]) for d in drift()} == {("claimants", 1, 2)}
