import datetime

import factory

from campaign.models import Campaign, Case, Resident
from units.tests.factories import MemberFactory


def plan_campaign():
    """The campaign the data migration creates (the signed plan's)."""
    return Campaign.objects.get(slug="vneid-2023")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"chien-dich-{n}")
    name = factory.Sequence(lambda n: f"Chiến dịch {n}")
    starts_on = datetime.date(2023, 4, 21)
    activation_starts_on = datetime.date(2023, 4, 21)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    id_number = factory.Sequence(lambda n: f"0142{n:08d}")
    full_name = factory.Sequence(lambda n: f"Quàng Thị Mai {n}")


class CaseFactory(factory.django.DjangoModelFactory):
    """A full case activated on 2023-05-02; the caller refreshes rule inputs
    (campaign.rule_inputs.refresh_rule_inputs) after creating cases directly."""

    class Meta:
        model = Case

    campaign = factory.LazyFunction(plan_campaign)
    resident = factory.SubFactory(ResidentFactory)
    member = factory.SubFactory(MemberFactory)
    eid_level = 2
    activated_on = datetime.date(2023, 5, 2)
    portal_used = True
