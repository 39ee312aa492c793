"""A unit on no expected row that has sent its report sees it on the completeness page, and
a reopened one with its reason and a button to send it again: it never vanishes."""

import pytest
from django.urls import reverse

from reports.models import ReportingPeriod
from reports.submissions import reopen_submission, submit_report
from units.models import UnitKind, UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_reopened_report_of_a_unit_not_expected_is_shown_to_send_again(client):
    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(code="DX1", name="Đoàn xã 1", parent=youth, kind=UnitKind.YOUTH_UNION)
    secretary = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    admin = UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN).user
    period = ReportingPeriod.objects.get(slug="dot-2")
    sent = submit_report(period=period, unit=commune, user=secretary)
    client.force_login(secretary)
    html = client.get(reverse("reports:completeness")).content.decode()
    assert sent.get_absolute_url() in html  # sent: listed
    reopen_submission(submission=sent, user=admin, reason="Thiếu danh sách kèm theo")
    html = client.get(reverse("reports:completeness")).content.decode()
    assert sent.get_absolute_url() in html  # reopened: still there…
    assert "Thiếu danh sách kèm theo" in html  # …with why…
    assert "Gửi lại" in html and 'name="unit" value="DX1"' in html  # …and how to send it again


def test_a_reopened_report_shows_on_the_units_home_page_until_sent_again(client):
    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(code="DX1", name="Đoàn xã 1", parent=youth, kind=UnitKind.YOUTH_UNION)
    other = UnitFactory(code="DX2", name="Đoàn xã 2", parent=youth, kind=UnitKind.YOUTH_UNION)
    secretary = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    neighbour = UnitRoleFactory(unit=other, role=UnitRole.Role.SECRETARY).user
    admin = UnitRoleFactory(unit=youth, role=UnitRole.Role.ADMIN, user__first_name="Hà").user
    period = ReportingPeriod.objects.get(slug="dot-2")
    sent = submit_report(period=period, unit=commune, user=secretary)
    client.force_login(secretary)
    assert "Báo cáo cần gửi lại" not in client.get(reverse("home")).content.decode()
    reopen_submission(submission=sent, user=admin, reason="Thiếu danh sách kèm theo")
    html = client.get(reverse("home")).content.decode()
    assert "Báo cáo cần gửi lại" in html and sent.get_absolute_url() in html
    assert "Thiếu danh sách kèm theo" in html  # why
    assert 'name="unit" value="DX1"' in html and "Gửi lại" in html  # and how
    client.force_login(neighbour)  # another unit's secretary is not told
    assert "Thiếu danh sách kèm theo" not in client.get(reverse("home")).content.decode()
    submit_report(period=period, unit=commune, user=secretary)  # sent again: gone
    client.force_login(secretary)
    assert "Báo cáo cần gửi lại" not in client.get(reverse("home")).content.decode()
