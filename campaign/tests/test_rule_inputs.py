"""Each rule input's two forms (ORM and SQL, campaign.rule_inputs) agree on generated data."""

import random

import pytest
from django.db import connection
from django.db.models import OuterRef

from campaign import rule_inputs
from campaign.models import Campaign, Case, DoubleClaimResolution, Resident, ResidentCategory
from campaign.tests.factories import CampaignFactory, CaseFactory, ResidentFactory, plan_campaign
from units.models import Member, Unit, UnitKind
from units.tests.factories import MemberFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    """Campaigns with each pair of settings, units of three kinds, residents claimed by zero
    to four members, declared categories, residents on a roster, standing and undone
    resolutions."""
    rng = random.Random(11)
    campaigns = [
        plan_campaign(),
        CampaignFactory(double_claims_across_kinds=False, roster_excludes_residents=False),
        CampaignFactory(double_claims_across_kinds=False),
        CampaignFactory(roster_excludes_residents=False),
    ]
    units = [UnitFactory(kind=kind) for kind in (*UnitKind.values[:3], UnitKind.YOUTH_UNION)]
    members = [MemberFactory(unit=rng.choice(units)) for _ in range(10)]
    categories = [ResidentCategory.RESIDENT] * 3 + [ResidentCategory.CADRE]
    residents = [ResidentFactory(category=rng.choice(categories)) for _ in range(40)]
    for resident in residents[:5]:
        MemberFactory(unit=units[1], id_number=resident.id_number)
    for resident in residents:
        for campaign in campaigns:
            for member in rng.sample(members, rng.choice([0, 1, 2, 3, 4])):
                CaseFactory(campaign=campaign, resident=resident, member=member)
    for n, case in enumerate(Case.objects.order_by("pk")[:60:5]):
        DoubleClaimResolution.objects.create(
            campaign=case.campaign,
            resident=case.resident,
            awarded_to=case.member if n % 3 else None,
            reason="x",
            undone_at=None if n % 2 else "2023-06-01T00:00:00Z",
        )
    rule_inputs.refresh_rule_inputs()


def _orm_forms():
    on_roster = dict(
        Resident.objects.annotate(fresh=rule_inputs.on_roster()).values_list("pk", "fresh")
    )
    cases = {}
    for campaign in Campaign.objects.all():
        kind = None if campaign.double_claims_across_kinds else OuterRef("member__unit__kind")
        for pk, *values in (
            Case.objects.filter(campaign=campaign)
            .annotate(
                a=rule_inputs.claim_count(kind),
                b=rule_inputs.resident_excluded(campaign),
                c=rule_inputs.claim_awarded(),
            )
            .values_list("pk", "a", "b", "c")
        ):
            cases[pk] = tuple(values)
    return on_roster, cases


def _sql_forms():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.id, {rule_inputs.SQL_ON_ROSTER} FROM {Resident._meta.db_table} r")
        on_roster = dict(cursor.fetchall())
        forms = ", ".join(rule_inputs.SQL_CASE_INPUTS[name] for name in rule_inputs.RULE_INPUTS)
        cursor.execute(
            f"SELECT c.id, {forms} FROM {Case._meta.db_table} c"
            f" JOIN {Resident._meta.db_table} r ON r.id = c.resident_id"
            f" JOIN {Campaign._meta.db_table} p ON p.id = c.campaign_id"
            f" JOIN {Member._meta.db_table} m ON m.id = c.member_id"
            f" JOIN {Unit._meta.db_table} u ON u.id = m.unit_id",
            [ResidentCategory.RESIDENT.value],
        )
        cases = {pk: tuple(values) for pk, *values in cursor.fetchall()}
    return on_roster, cases


@pytest.mark.postgres_only
def test_each_input_reads_the_same_in_sql_and_in_the_orm(generated):
    orm, sql = _orm_forms(), _sql_forms()
    assert sql == orm
    assert {values[0] for values in orm[1].values()} >= {1, 2, 3}
    assert {values[1] for values in orm[1].values()} == {False, True}
    assert {values[2] for values in orm[1].values()} == {False, True}


def test_the_stored_inputs_are_what_the_orm_forms_read(generated):
    on_roster, cases = _orm_forms()
    assert dict(Resident.objects.values_list("pk", "on_roster")) == on_roster
    assert {
        pk: tuple(values)
        for pk, *values in Case.objects.values_list("pk", *rule_inputs.RULE_INPUTS)
    } == cases
    assert rule_inputs.drift() == []
