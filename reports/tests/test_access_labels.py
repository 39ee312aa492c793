"""The record of personal-data access reads as its reader knows things: the campaign,
period and unit by name (not "vneid-2023, dot-2, HD"), the person by full name, the action
by its Vietnamese label."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign.tests.factories import plan_campaign
from privacy.models import PersonalDataAccess
from reports.models import ReportingPeriod
from units.models import UnitRole
from units.tests.factories import UnitRoleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("report")]


def test_an_export_is_recorded_by_names_and_listed_by_full_name(
    client,
    tmp_path,
    district,
):
    call_command("export_report", out=str(tmp_path / "r.xlsx"), period="dot-2", unit="HD")
    record = PersonalDataAccess.objects.latest("pk")
    campaign, period = plan_campaign(), ReportingPeriod.objects.get(slug="dot-2")
    assert record.what.startswith(f"{period.name} ({campaign.name}), Huyện Đoàn (HD)")
    assert campaign.slug not in record.what and "dot-2" not in record.what
    admin = UnitRoleFactory(
        unit=district["youth"],
        role=UnitRole.Role.ADMIN,
        user__first_name="Hà Thị",
        user__last_name="Lan",
        user__username="lan.ht",
    ).user
    PersonalDataAccess.record(user=admin, action=PersonalDataAccess.Action.EXPORT, what="x")
    client.force_login(admin)
    html = client.get(reverse("privacy:access_list")).content.decode()
    assert "Hà Thị Lan" in html and ">lan.ht<" not in html
    # (each cell names its column for a phone: data-label)
    assert '">Xuất dữ liệu</td>' in html and '">export</td>' not in html
