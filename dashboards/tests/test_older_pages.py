"""The member list, the resident list, the double-claim register and the figures pages at a
province's scale: their query counts do not grow with the data, and the lengths they read
from a kept count follow every write."""

import pytest
from django.urls import reverse

from campaign.models import Case
from campaign.tests.factories import plan_campaign
from campaign.tests.helpers import add_case, add_full_cases
from dashboards.figures import kept_count
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def seeded_district(members, cases_each, double_claims):
    """A district of `members` guides with `cases_each` cases each, and `double_claims`
    residents listed by two guides; its administrator."""
    campaign = plan_campaign()
    top = UnitFactory(code="HUYEN", kind=UnitKind.YOUTH_UNION)
    communes = [UnitFactory(code=f"XA{i}", parent=top, kind=UnitKind.YOUTH_UNION) for i in range(3)]
    guides = [MemberFactory(unit=communes[i % 3]) for i in range(members)]
    for guide in guides:
        add_full_cases(guide, cases_each, campaign=campaign)
    for i in range(double_claims):
        case = add_case(guides[i % members], campaign=campaign)
        add_case(guides[(i + 1) % members], case.resident, campaign=campaign)
    admin = UserFactory()
    UnitRoleFactory(user=admin, unit=top, role=UnitRole.Role.ADMIN)
    return admin


SIZES = [(3, 2, 1), (30, 6, 8)]
PAGES = [
    ("units:member_list", 11),
    # (the resident list and the register also ask, since personal data was hardened, whose
    # units recorded each resident and record the list as an access: two queries each)
    # (+ 2: whether the user sees every unit, whose residents are then counted without
    # joining the units)
    ("campaign:resident_list", 16),
    ("reports:double_claims", 16),
    # (cold, the members' counts and the weekly rows are read from the tallies: whole weeks
    # and edge days, two queries each, and whether a tally is due to be folded, one)
    # (the results pages these were, 33 and 35, are the dashboards' now: their overview and
    # unit page also read the weekly rows of the chart and the last period's figures)
    ("dashboards:overview", 44),
    (("dashboards:unit", "HUYEN"), 66),
]


@pytest.mark.parametrize("size", SIZES, ids=["small", "ten times larger"])
@pytest.mark.parametrize("name,most", PAGES)
def test_older_pages_run_a_number_of_queries_that_does_not_grow_with_the_data(
    client, django_assert_max_num_queries, size, name, most
):
    client.force_login(seeded_district(*size))
    name, *args = (name,) if isinstance(name, str) else name
    for _visit in ("after the writes", "figures kept"):
        with django_assert_max_num_queries(most):
            response = client.get(reverse(name, args=args))
        assert response.status_code == 200


def test_the_member_list_counts_each_members_cases_on_its_page(client):
    client.force_login(seeded_district(3, 2, 1))
    page = client.get(reverse("units:member_list")).context["page"]
    expected = {m.pk: Case.objects.filter(member=m).count() for m in page.object_list}
    assert {m.pk: m.case_count for m in page.object_list} == expected
    assert sorted(expected.values()) == [2, 3, 3]


def test_the_resident_list_and_the_register_lengths_follow_every_write(client):
    admin = seeded_district(3, 2, 1)
    client.force_login(admin)

    def lengths():
        residents = client.get(reverse("campaign:resident_list")).context["page"].paginator
        claims = client.get(reverse("reports:double_claims")).context["page"].paginator
        return residents.count, claims.count

    assert lengths() == (7, 1)
    assert lengths() == (7, 1)  # read back from the kept counts
    guide = Case.objects.order_by("pk").first().member
    add_full_cases(guide, 2)
    assert lengths() == (9, 1)
    case = add_case(guide)
    add_case(MemberFactory(unit=guide.unit), case.resident)
    assert lengths() == (10, 2)
    Case.objects.filter(resident=case.resident).delete()
    assert lengths() == (9, 1)


def test_a_kept_count_is_the_querysets_count_and_is_read_back(django_assert_num_queries):
    seeded_district(3, 2, 1)
    cases = Case.objects.filter(claimants__gt=1)
    assert kept_count(cases) == cases.count() == 2
    with django_assert_num_queries(1):
        assert kept_count(cases) == 2
    Case.objects.filter(pk=cases.first().pk).update(claimants=1)
    assert kept_count(Case.objects.filter(claimants__gt=1)) == 1
    assert kept_count(Case.objects.none()) == 0
