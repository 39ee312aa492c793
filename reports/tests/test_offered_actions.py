"""A page offers only what its user may do: a link that would answer 403 is not shown."""

import pytest
from django.urls import reverse

from units.models import UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, offered",
    [(UnitRole.Role.VIEWER, False), (UnitRole.Role.SECRETARY, True), (UnitRole.Role.ADMIN, True)],
)
def test_the_completeness_page_offers_the_report_workbook_only_to_who_may_build_it(
    client, role, offered
):
    unit = UnitFactory(code="HPN", name="Hội LHPN huyện")
    client.force_login(UnitRoleFactory(unit=unit, role=role).user)
    html = client.get(reverse("reports:completeness")).content.decode()
    assert ("Tải tệp báo cáo" in html) is offered
    assert (reverse("reports:export") in html) is offered
    answer = client.get(reverse("reports:export"))
    assert (answer.status_code == 200) is offered  # the page the link leads to agrees


def test_a_units_results_link_to_the_unit_above_only_when_the_user_may_open_it(client):
    district = UnitFactory(code="HD", name="Huyện Đoàn")
    commune = UnitFactory(code="DX", name="Đoàn xã", parent=district)
    url = reverse("dashboards:unit", args=["DX"])
    above = reverse("dashboards:unit", args=["HD"])
    client.force_login(UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user)
    assert above not in client.get(url).content.decode()
    assert client.get(above).status_code == 404  # the link would have led nowhere
    client.force_login(UnitRoleFactory(unit=district, role=UnitRole.Role.VIEWER).user)
    assert above in client.get(url).content.decode()
