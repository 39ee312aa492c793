"""Small builders for the rules tests: cases with their rule inputs refreshed, as every
write path does, and many full cases at once."""

import datetime
import itertools

from campaign.claims import refresh_rule_inputs
from campaign.models import Case, Resident
from campaign.results import build_results
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign

AS_OF = datetime.date(2023, 6, 20)
_numbers = itertools.count(1)


def add_case(
    member,
    resident=None,
    *,
    campaign=None,
    activated_on=datetime.date(2023, 5, 2),
    level=2,
    portal=True,
    **fields,
):
    """A case written the way every write path writes one: then its rule inputs refreshed."""
    case = CaseFactory(
        campaign=campaign or plan_campaign(),
        member=member,
        resident=resident or ResidentFactory(),
        eid_level=level if activated_on else None,
        activated_on=activated_on,
        portal_used=portal,
        **fields,
    )
    refresh_rule_inputs(resident_ids=[case.resident_id])
    return case


def add_full_cases(member, count, *, campaign=None, portal=True):
    """`count` credited full cases for `member`, each with a resident of their own."""
    campaign = campaign or plan_campaign()
    residents = Resident.objects.bulk_create(
        Resident(id_number=f"0155{next(_numbers):08d}", full_name="Lường Văn Hải")
        for _ in range(count)
    )
    Case.objects.bulk_create(
        Case(
            campaign=campaign,
            member=member,
            resident=resident,
            eid_level=2,
            activated_on=datetime.date(2023, 5, 2),
            portal_used=portal,
        )
        for resident in residents
    )
    refresh_rule_inputs(resident_ids=[resident.pk for resident in residents])


def results(as_of=AS_OF, campaign=None, **kwargs):
    return build_results(campaign or plan_campaign(), as_of=as_of, **kwargs)


def member_figures(member, **kwargs):
    found = results(**kwargs)
    return next(m for m in found.members if m.pk == member.pk)


def unit_figures(unit, **kwargs):
    return results(**kwargs).unit(unit.code)
