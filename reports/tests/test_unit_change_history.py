"""For random trees and random merges and splits on random days, each unit's figures as of
any day equal those computed on the tree as it stood that day (rules.md, units that change)."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.models import Case, Resident
from campaign.results import build_results
from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import plan_campaign
from dashboards import figures
from reports.unit_changes import NewUnit, apply_change, plan_merge, plan_split
from units.models import Member, Unit, UnitChange, UnitKind

pytestmark = pytest.mark.django_db

START = datetime.date(2023, 4, 21)


def state():
    """The live tree: {unit code: parent code}, {member id number: unit code}."""
    units = {u.code: (u.parent.code if u.parent_id else None) for u in Unit.objects.all()}
    members = dict(Member.objects.values_list("id_number", "unit__code"))
    return units, members


def expected_on(snapshot, credited):
    """Each unit's (members, credited full) on a tree snapshot, summed over its subtree."""
    parents, members = snapshot
    figures = {code: [0, 0] for code in parents}
    for id_number, unit in members.items():
        code = unit
        while code is not None:
            figures[code][0] += 1
            figures[code][1] += credited.get(id_number, 0)
            code = parents[code]
    return {code: tuple(pair) for code, pair in figures.items()}


def subtree_of(snapshot, top):
    parents, _members = snapshot
    found = set()
    for code in parents:
        walk = code
        while walk is not None:
            if walk == top:
                found.add(code)
                break
            walk = parents[walk]
    return found


TREES = st.lists(st.integers(0, 20), min_size=3, max_size=7)  # parent picks
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["merge", "split"]),
        st.integers(1, 60),  # days after the previous change
        st.integers(0, 1000),  # which unit
        st.integers(0, 1000),  # which target / how members are spread
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tree=TREES,
    cases=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 90)), max_size=25),
    steps=STEPS,
    looks=st.lists(st.integers(-5, 200), min_size=1, max_size=4),
)
def test_figures_as_of_any_day_are_those_of_the_tree_as_it_stood(tree, cases, steps, looks):
    campaign = plan_campaign()
    UnitChange.objects.all().delete()
    Case.objects.all().delete()
    Resident.objects.all().delete()
    Member.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    units = []
    for index, pick in enumerate(tree):
        parent = units[pick % index] if index and pick % 3 else None
        units.append(
            Unit.objects.create(
                code=f"DV{index}", name=f"Đơn vị {index}", kind=UnitKind.YOUTH_UNION, parent=parent
            )
        )
    members = [
        Member.objects.create(
            unit=units[n % len(units)],
            full_name=f"Thành viên {n}",
            id_number=f"0140{n:08d}",
            category="member",
        )
        for n in range(2 * len(units))
    ]
    for n, (guide, offset) in enumerate(cases):
        resident = Resident.objects.create(id_number=f"0142{n:08d}", full_name=f"Người dân {n}")
        Case.objects.create(
            campaign=campaign,
            resident=resident,
            member=members[guide % len(members)],
            eid_level=2,
            activated_on=START + datetime.timedelta(offset),
            portal_used=True,
        )
    refresh_rule_inputs()

    snapshots = [(START - datetime.timedelta(1000), state())]
    day = START
    for kind, gap, which, how in steps:
        day = day + datetime.timedelta(gap)
        open_units = list(Unit.objects.filter(valid_to__isnull=True).order_by("pk"))
        unit = open_units[which % len(open_units)]
        if kind == "merge":
            targets = [u for u in open_units if not u.path.startswith(unit.path)]
            if not targets:
                continue
            plan = plan_merge(units=[unit], target=targets[how % len(targets)], day=day)
        else:
            codes = [f"{unit.code}-{day:%m%d}-{n}" for n in range(1 + how % 2)]
            spread = {m.pk: codes[(m.pk + how) % len(codes)] for m in unit.members.all()}
            subs = {s.pk: codes[(s.pk * how) % len(codes)] for s in unit.children.all()}
            plan = plan_split(
                unit=unit,
                day=day,
                new_units=[NewUnit(code, f"Tách {code}", unit.kind) for code in codes],
                members=spread,
                subunits=subs,
            )
        assert plan.errors == []
        apply_change(plan, user=None)
        snapshots.append((day, state()))

    for look in looks:
        as_of = START + datetime.timedelta(look)
        snapshot = [snap for since, snap in snapshots if since <= as_of][-1]
        results = build_results(campaign, as_of=as_of)
        credited = {m.id_number: m.credited_full for m in results.members}
        expected = expected_on(snapshot, credited)
        got = {u.code: (u.tally.members, u.tally.credited_full) for u in results.units}
        assert got == expected
        assert {m.id_number: m.unit_code for m in results.members} == snapshot[1]
        kept = figures.results_for(campaign, as_of=as_of, units=Unit.objects.all())
        assert {u.code: (u.tally.members, u.tally.credited_full) for u in kept.units} == expected
        for top in Unit.objects.order_by("pk"):
            scoped = build_results(campaign, as_of=as_of, units=Unit.objects.subtree(top))
            within = subtree_of(snapshot, top.code) if top.code in snapshot[0] else set()
            assert {u.code for u in scoped.units} == within
            assert {u.code: (u.tally.members, u.tally.credited_full) for u in scoped.units} == {
                code: expected[code] for code in within
            }
