"""A property: for any cases and any activation list, the statuses and both sets of figures
(recorded, and from the list) equal a plain Python reading of rules.md ("What counts" and
"Verification against the activation list")."""

import datetime
import tempfile
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.activations import import_activation_list
from campaign.models import Case, Resident
from campaign.results import build_results
from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import plan_campaign
from campaign.verification import as_source, status_of
from units.tests.factories import MemberFactory, UnitFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2023, 4, 21)  # the plan's activation start
AS_OF = datetime.date(2023, 6, 20)
IDS = [f"0141950000{n:02d}" for n in range(6)]
DAYS = st.dates(START - datetime.timedelta(days=4), AS_OF + datetime.timedelta(days=4))
ACTIVATION = st.one_of(st.none(), st.tuples(st.sampled_from([1, 2]), DAYS))

CASES = st.dictionaries(
    st.tuples(st.integers(0, 2), st.sampled_from(IDS)),  # (member, resident): one case each
    st.tuples(ACTIVATION, st.booleans()),  # (level and day, or none), portal
    max_size=10,
)
LIST = st.dictionaries(
    st.sampled_from(IDS + ["079000000001"]),  # one ID number nobody guides
    st.tuples(st.sampled_from([1, 2]), DAYS, st.booleans()),
    max_size=7,
)


def plain_status(case, listed, tolerance):
    """rules.md, verification, read plainly."""
    (activation, portal), official = case, listed
    if official is None:
        return "not_found"
    level, day, official_portal = official
    if (
        activation is not None
        and activation[0] == level
        and abs((activation[1] - day).days) <= tolerance
        and (official_portal is None or official_portal == portal)
    ):
        return "verified"
    return "differs"


def plain_figures(cases, listing, source):
    """{member: (credited e-ID, credited full)} by rules.md, "What counts": activated in the
    window, not claimed by another member (no resolution here), the resident not a cadre
    (nobody is here); from the list, the level, day and (where it says) portal are its own,
    and a resident not on the list is not activated."""
    claimants = {}
    for _member, resident in cases:
        claimants[resident] = claimants.get(resident, 0) + 1
    figures = {}
    for (member, resident), (activation, portal) in cases.items():
        if source == "activation_list":
            official = listing.get(resident)
            activation = None if official is None else official[:2]
            if official is not None and official[2] is not None:
                portal = official[2]
        eid = (
            activation is not None and START <= activation[1] <= AS_OF and claimants[resident] == 1
        )
        found = figures.setdefault(member, [0, 0])
        found[0] += eid
        found[1] += eid and portal
    return {member: tuple(found) for member, found in figures.items()}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=CASES, listing=LIST, tolerance=st.integers(0, 3), portal_column=st.booleans())
def test_statuses_and_both_figures_follow_the_rules(cases, listing, tolerance, portal_column):
    # A list without the portal column says nothing of it; with it, a row says Có or Không.
    listing = {
        k: (level, day, bool(portal) if portal_column else None)
        for k, (level, day, portal) in listing.items()
    }
    with transaction.atomic():
        campaign = plan_campaign()
        campaign.verification_tolerance_days = tolerance
        campaign.save()
        unit = UnitFactory()
        members = [MemberFactory(unit=unit, id_number=f"01409000000{n}") for n in range(3)]
        residents = {
            number: Resident.objects.create(id_number=number, full_name="Lò Thị Mai")
            for number in IDS
        }
        made = {}
        for (member, resident), (activation, portal) in cases.items():
            made[member, resident] = Case.objects.create(
                campaign=campaign,
                member=members[member],
                resident=residents[resident],
                eid_level=activation[0] if activation else None,
                activated_on=activation[1] if activation else None,
                portal_used=portal,
            )
        refresh_rule_inputs()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "list.csv"
            header = "Số định danh;Mức định danh;Ngày kích hoạt" + (
                ";Tài khoản DVC" if portal_column else ""
            )
            lines = [header]
            for number, (level, day, portal) in listing.items():
                row = f"{number};{level};{day:%d/%m/%Y}"
                if portal_column:
                    row += ";" + ("Có" if portal else "Không")
                lines.append(row)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            result = import_activation_list(path, campaign=campaign)
        if not listing:
            assert not result.ok  # a header and no row is not a list
            transaction.set_rollback(True)
            return
        assert result.ok, result.problems()

        for key, case in made.items():
            case.refresh_from_db()
            expected = plain_status(cases[key], listing.get(key[1]), tolerance)
            assert status_of(case, campaign) == expected, (key, cases[key], listing)

        by_pk = {m.pk: index for index, m in enumerate(members)}
        for source in ("recorded", "activation_list"):
            expected = plain_figures(cases, listing, source)
            results = build_results(as_source(campaign, source), as_of=AS_OF)
            for m in results.members:
                index = by_pk[m.pk]
                assert (m.credited_eid, m.credited_full) == expected.get(index, (0, 0)), source
                other = (m.recorded_eid, m.recorded_full)
                official = (m.official_eid, m.official_full)
                assert other == plain_figures(cases, listing, "recorded").get(index, (0, 0))
                assert official == plain_figures(cases, listing, "activation_list").get(
                    index, (0, 0)
                )
                statuses = [
                    plain_status(cases[key], listing.get(key[1]), tolerance)
                    for key in cases
                    if key[0] == index
                ]
                assert (m.verified, m.differs, m.not_found) == (
                    statuses.count("verified"),
                    statuses.count("differs"),
                    statuses.count("not_found"),
                )
        transaction.set_rollback(True)
