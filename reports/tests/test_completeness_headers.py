"""The completeness matrix's period headers fit two lines and a due day at 1366 px: the
name without the "Báo cáo" every period's name begins with (whole in its title), the due
day unbroken."""

import pytest
from django.urls import reverse

from reports.models import ReportingPeriod
from units.models import UnitKind, UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


def test_period_headers_are_short_with_the_whole_name_in_their_title(client):
    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    client.force_login(UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN).user)
    period = ReportingPeriod.objects.get(slug="dot-2")
    period.name = "Báo cáo kết quả đợt 2"
    period.save()
    assert period.short_name == "Kết quả đợt 2"
    assert ReportingPeriod(name="Tổng kết").short_name == "Tổng kết"
    html = client.get(reverse("reports:completeness")).content.decode()
    assert '<th class="period" title="Báo cáo kết quả đợt 2">Kết quả đợt 2<br>' in html
    assert '<small class="muted nowrap">' in html
