"""The double-claim register: scope, decisions. (The results pages' tests are the
dashboards': dashboards/tests/test_results_pages.py.)"""

import pytest
from django.urls import reverse

from campaign.claims import resolve_double_claim
from campaign.models import DoubleClaimResolution
from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import add_case
from units.models import UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("double_claim")]


def login(client, unit, role=UnitRole.Role.VIEWER):
    user = UnitRoleFactory(unit=unit, role=role).user
    user.save()  # the factory sets the password after saving: keep the session's hash valid
    client.force_login(user)
    return user


def test_the_register_offers_the_decision_only_to_an_administrator_of_every_claimant_unit(
    client, district
):
    login(client, district["top"], UnitRole.Role.ADMIN)
    response = client.get(reverse("reports:double_claims"))
    (row,) = response.context["rows"]
    assert (row["entry"].resident, row["may_resolve"], row["form"]) == (
        district["resident"],
        False,
        None,
    )


def test_an_administrator_of_every_claimant_unit_resolves_and_undoes(client, district):
    user = login(client, district["top"], UnitRole.Role.ADMIN)
    UnitRole.objects.create(user=user, unit=district["police"], role=UnitRole.Role.ADMIN)
    prefix = f"r{district['resident'].pk}"
    response = client.post(
        reverse("reports:resolve", args=[district["resident"].pk]) + "?campaign=vneid-2023",
        {f"{prefix}-awarded_to": district["member"].pk, f"{prefix}-reason": "VNeID log checked"},
    )
    assert response.status_code == 302
    resolution = DoubleClaimResolution.objects.get()
    assert (resolution.awarded_to, resolution.resolved_by, resolution.reason) == (
        district["member"],
        user,
        "VNeID log checked",
    )
    page = client.get(
        reverse("dashboards:member", args=[district["member"].pk]), {"as_of": "2023-06-20"}
    )
    assert page.context["credited_full"] == 49
    client.post(reverse("reports:undo", args=[resolution.pk]))
    resolution.refresh_from_db()
    assert resolution.undone_by == user


def test_a_decision_without_a_reason_or_by_someone_else_changes_nothing(client, district):
    login(client, district["top"], UnitRole.Role.ADMIN)
    prefix = f"r{district['resident'].pk}"
    url = reverse("reports:resolve", args=[district["resident"].pk])
    client.post(
        url, {f"{prefix}-awarded_to": district["member"].pk, f"{prefix}-reason": "not mine to say"}
    )
    client.post(url, {f"{prefix}-awarded_to": "", f"{prefix}-reason": ""})
    assert not DoubleClaimResolution.objects.exists()
    resolution = resolve_double_claim(
        campaign=plan_campaign(),
        resident=district["resident"],
        awarded_to=None,
        reason="x",
        user=UserFactory(is_superuser=True),
    )
    client.post(reverse("reports:undo", args=[resolution.pk]))
    resolution.refresh_from_db()
    assert resolution.undone_at is None


def test_the_register_shows_no_double_claim_outside_the_users_units(client, district):
    login(client, UnitFactory(code="KHAC"))
    response = client.get(reverse("reports:double_claims"))
    assert response.context["rows"] == []


def test_the_register_takes_a_constant_number_of_queries(
    client, district, django_assert_max_num_queries
):
    for _ in range(5):
        resident = ResidentFactory()
        add_case(district["member"], resident)
        add_case(district["officer"], resident)
    user = UserFactory(is_superuser=True)
    user.save()
    client.force_login(user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("reports:double_claims"))
    assert len(response.context["rows"]) == 6
    assert all(row["form"] is not None for row in response.context["rows"])


@pytest.mark.parametrize("reason", ["\u200b\ufeff", "đã kiểm tra\x00"])
def test_a_reason_of_invisible_or_control_characters_records_no_decision(client, district, reason):
    user = login(client, district["top"], UnitRole.Role.ADMIN)
    UnitRole.objects.create(user=user, unit=district["police"], role=UnitRole.Role.ADMIN)
    prefix = f"r{district['resident'].pk}"
    response = client.post(
        reverse("reports:resolve", args=[district["resident"].pk]),
        {f"{prefix}-awarded_to": district["member"].pk, f"{prefix}-reason": reason},
        follow=True,
    )
    assert not DoubleClaimResolution.objects.exists()
    assert [str(m) for m in response.context["messages"]] == [
        "Hãy chọn người được tính và nêu lý do."
    ]
