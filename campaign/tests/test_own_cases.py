"""A member with a sign-in account records their own cases on a phone and reads why each
counts, without any unit role and without seeing anyone else's data."""

import pytest
from django.urls import reverse

from campaign.models import Case
from campaign.tests.factories import CaseFactory
from units.models import Member, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_user(client):
    unit = UnitFactory(code="CD-1", name="Chi đoàn bản Mòn")
    user = UserFactory()
    me = MemberFactory(unit=unit, user=user, full_name="Lò Văn Thành")
    colleague = MemberFactory(unit=unit, full_name="Quàng Thị Mai")
    client.force_login(user)
    return me, colleague


def test_a_member_can_only_guide_as_themselves(member_user):
    me, colleague = member_user
    assert list(Member.objects.guides_for(me.user)) == [me]
    assert list(Member.objects.visible_to(me.user)) == [me]


def test_quick_entry_records_the_members_own_case(client, member_user):
    me, colleague = member_user
    page = client.get(reverse("campaign:quick_entry"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["member"].queryset) == [me]
    response = client.post(
        reverse("campaign:quick_entry"),
        {
            "member": me.pk,
            "id_number": "014195000123",
            "full_name": "Vì Thị Lả",
            "eid_level": "2",
            "activated_on": "02/05/2023",
            "portal_used": "on",
            "place": "market",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.member, case.resident.full_name, case.created_by) == (me, "Vì Thị Lả", me.user)


def test_a_member_cannot_record_for_a_colleague(client, member_user):
    me, colleague = member_user
    client.post(
        reverse("campaign:quick_entry"),
        {
            "member": colleague.pk,
            "id_number": "014195000123",
            "full_name": "Vì Thị Lả",
            "place": "market",
        },
    )
    assert not Case.objects.exists()


def test_a_member_sees_their_own_cases_and_results_only(client, member_user):
    me, colleague = member_user
    mine = CaseFactory(member=me)
    theirs = CaseFactory(member=colleague)
    listing = client.get(reverse("campaign:resident_list")).content.decode()
    assert mine.resident.full_name in listing and theirs.resident.full_name not in listing
    assert client.get(reverse("dashboards:member", args=[me.pk])).status_code == 200
    assert client.get(reverse("dashboards:member", args=[colleague.pk])).status_code == 404
    assert client.get(reverse("campaign:case_edit", args=[theirs.pk])).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert "Lò Văn Thành" in home and reverse("campaign:quick_entry") in home


def test_a_former_member_loses_the_right_to_record(client, member_user):
    me, _ = member_user
    me.active = False
    me.save()
    assert client.get(reverse("campaign:quick_entry")).status_code == 403


def test_an_account_without_member_or_role_records_nothing(client):
    client.force_login(UserFactory())
    assert client.get(reverse("campaign:quick_entry")).status_code == 403


def test_the_cases_hidden_from_a_user_are_exactly_those_not_visible_to_them(member_user):
    """`hidden_from` negates `visible_to` row by row: a guide with no account (a NULL user)
    outside the user's units is hidden, the user's own case and their units' cases are not."""
    me, colleague = member_user
    secretary = UserFactory()
    other_unit = UnitFactory(code="CD-2")
    UnitRoleFactory(user=secretary, unit=colleague.unit, role=UnitRole.Role.SECRETARY)
    outsider = MemberFactory(unit=other_unit)  # no sign-in account
    cases = [CaseFactory(member=guide) for guide in (me, colleague, outsider)]
    for user in (me.user, secretary):
        visible = set(Case.objects.visible_to(user))
        hidden = set(Case.objects.hidden_from(user))
        assert visible | hidden == set(cases) and not visible & hidden
    assert set(Case.objects.hidden_from(me.user)) == {cases[1], cases[2]}
    assert set(Case.objects.hidden_from(secretary)) == {cases[2]}
    assert set(Case.objects.not_editable_by(secretary)) == {cases[2]}
