"""People who did something are named by their full name; nobody is named when nobody did it
(an import or a command)."""

import pytest
from django.urls import reverse

from campaign.tests.factories import ResidentFactory
from campaign.tests.helpers import add_case
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_double_claim_register_names_the_recorder_by_full_name_or_says_only_when(client):
    district = UnitFactory(code="HD", name="Huyện Đoàn")
    commune = UnitFactory(code="DX", name="Đoàn xã", parent=district)
    admin = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN).user
    recorder = UserFactory(username="bithu.dx", first_name="Lò Thị Mai")
    shared = ResidentFactory(full_name="Điêu Thị Hoa")
    first = add_case(MemberFactory(unit=district), shared)
    add_case(MemberFactory(unit=commune), shared)
    first.created_by = recorder
    first.save(update_fields=["created_by"])
    client.force_login(admin)
    html = client.get(reverse("reports:double_claims")).content.decode()
    assert "do Lò Thị Mai ghi nhận lúc" in html
    assert "bithu.dx" not in html
    assert "do —" not in html and "bởi —" not in html
    assert "ghi nhận lúc" in html  # the other, recorded by no user
