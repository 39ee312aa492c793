import factory

from campaign.tests.factories import plan_campaign
from reports.models import ReportingPeriod, Submission


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod

    campaign = factory.LazyFunction(plan_campaign)
    slug = factory.Sequence(lambda n: f"ky-{n}")
    name = factory.Sequence(lambda n: f"Kỳ báo cáo {n}")
    kind = ReportingPeriod.Kind.MONTHLY


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission
