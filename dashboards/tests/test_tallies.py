"""The tallies kept at write time give the members' counts and the weekly rows that the
cases counted from scratch give, for any day and period; folding keeps their sums."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign import rules
from campaign.claims import refresh_rule_inputs
from campaign.models import Case, Resident, ResidentCategory
from campaign.tests.factories import plan_campaign
from dashboards import tallies
from dashboards.models import DayTally, FiguresWrite, WeekTally
from units.models import UnitKind
from units.tests.factories import MemberFactory, UnitFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2023, 4, 21)  # the plan campaign's activation start (a Friday)
DAYS = st.integers(min_value=-20, max_value=90).map(lambda n: START + datetime.timedelta(n))


@pytest.fixture
def guides():
    police = UnitFactory(code="CA", kind=UnitKind.POLICE)
    youth = UnitFactory(code="DTN", kind=UnitKind.YOUTH_UNION)
    return [MemberFactory(unit=police), MemberFactory(unit=youth), MemberFactory(unit=youth)]


CASES = st.lists(
    st.tuples(
        st.integers(0, 2),  # guide
        st.integers(0, 11),  # resident (shared: double claims)
        st.one_of(st.none(), DAYS),  # activated on
        st.sampled_from([1, 2]),
        st.booleans(),  # portal
    ),
    max_size=30,
    unique_by=lambda case: (case[0], case[1]),
)


def write(campaign, guides, cases, cadres=()):
    residents = {}
    for n in range(12):
        category = ResidentCategory.CIVIL_SERVANT if n in cadres else ResidentCategory.RESIDENT
        residents[n] = Resident.objects.create(
            id_number=f"01419500{n:04d}", full_name="Lò Văn Anh", category=category
        )
    Case.objects.bulk_create(
        Case(
            campaign=campaign,
            member=guides[guide],
            resident=residents[resident],
            eid_level=level if day else None,
            activated_on=day,
            portal_used=portal,
        )
        for guide, resident, day, level, portal in cases
    )
    refresh_rule_inputs(resident_ids=[r.pk for r in residents.values()])


def counted(campaign, as_of, since):
    return {
        row.pop("member_id"): row
        for row in rules.member_case_counts(Case.objects.all(), campaign, as_of, since)
    }


def counted_weeks(campaign, as_of):
    eid = rules.credited_eid(campaign, as_of)
    rows = (
        Case.objects.filter(campaign=campaign)
        .filter(eid)
        .annotate(week=TruncWeek("activated_on"))
        .values("week")
        .annotate(
            eid=Count("pk"),
            full=Count("pk", filter=rules.credited_full(campaign, as_of)),
            level1=Count("pk", filter=Q(eid_level=1)),
            level2=Count("pk", filter=Q(eid_level=2)),
        )
        .order_by("week")
    )
    return [
        (
            row["week"].date() if isinstance(row["week"], datetime.datetime) else row["week"],
            row["eid"],
            row["full"],
            row["level1"],
            row["level2"],
        )
        for row in rows
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cases=CASES, as_of=DAYS, since=st.one_of(st.none(), DAYS), cadres=st.sets(st.integers(0, 11))
)
def test_the_tallies_count_what_the_cases_count_for_any_day_and_period(
    guides, cases, as_of, since, cadres
):
    campaign = plan_campaign()
    Case.objects.all().delete()
    Resident.objects.all().delete()
    write(campaign, guides, cases, cadres)
    expected = counted(campaign, as_of, since)
    assert tallies.member_counts(campaign, as_of, since) == expected
    assert tallies.weekly_rows(campaign, as_of) == counted_weeks(campaign, as_of)
    scope = [guides[1].pk]
    assert tallies.member_counts(campaign, as_of, since, scope) == {
        pk: row for pk, row in expected.items() if pk in scope
    }
    assert tallies.drift() == []


@pytest.mark.parametrize(
    "first,last,weeks,edges",
    [
        # Friday to Sunday nine days later: the edge Friday-Sunday, then one whole week.
        ("2023-04-21", "2023-04-30", ("2023-04-24", "2023-05-01"), [("2023-04-21", "2023-04-23")]),
        # Monday to Sunday: one whole week and no edge.
        ("2023-04-24", "2023-04-30", ("2023-04-24", "2023-05-01"), []),
        # Within one week: its days only.
        ("2023-04-25", "2023-04-27", None, [("2023-04-25", "2023-04-27")]),
        # Monday to the Wednesday of the next week: a whole week, then Monday-Wednesday.
        ("2023-04-24", "2023-05-03", ("2023-04-24", "2023-05-01"), [("2023-05-01", "2023-05-03")]),
    ],
)
def test_a_window_is_whole_weeks_and_the_days_at_its_edges(first, last, weeks, edges):
    day = datetime.date.fromisoformat
    window = tallies.Window(day(first), day(last))
    if weeks:
        assert (window.weeks_from, window.weeks_to) == (day(weeks[0]), day(weeks[1]))
    else:
        assert window.weeks_from == window.weeks_to
    assert window.edges == [(day(a), day(b)) for a, b in edges]


def test_the_rules_restated_in_sql_select_the_cases_the_rules_select(guides):
    campaign = plan_campaign()
    day = lambda r: START + datetime.timedelta(days=r - 3) if r % 4 else None  # noqa: E731
    cases = [(r % 3, r, day(r), 1 + r % 2, r % 3 == 0) for r in range(12)]
    cases += [((r + 1) % 3, r, day(r), 2, True) for r in range(8, 12)]  # double claims
    write(campaign, guides, cases, cadres={5, 7})
    by_rules = set(Case.objects.filter(tallies.meets_rules()).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.id FROM {Case._meta.db_table} t WHERE {tallies.SQL_MEETS_RULES}")
        by_sql = {pk for (pk,) in cursor.fetchall()}
    assert by_rules == by_sql
    assert 0 < len(by_rules) < Case.objects.count()
    # and the rules of a credited case are those, within the activation window
    as_of = START + datetime.timedelta(days=5)
    window = Q(activated_on__gte=START, activated_on__lte=as_of)
    assert set(
        Case.objects.filter(rules.credited_eid(campaign, as_of)).values_list("pk", flat=True)
    ) == set(Case.objects.filter(tallies.meets_rules() & window).values_list("pk", flat=True))


def test_folding_merges_the_rows_and_keeps_the_sums(guides, monkeypatch):
    campaign = plan_campaign()
    write(
        campaign,
        guides,
        [
            (g, r, START + datetime.timedelta(r), 2, True)
            for g in range(3)
            for r in range(10)
            if (g + r) % 2
        ],
    )
    for case in Case.objects.all():
        case.portal_used = not case.portal_used
        case.save()
    rows = WeekTally.objects.count(), DayTally.objects.count()
    before = tallies.member_counts(campaign, START + datetime.timedelta(30))
    monkeypatch.setattr(tallies, "FOLD_AFTER", 1)
    monkeypatch.setattr(tallies, "FOLD_INLINE_AFTER", 1)  # no worker: the reader folds
    tallies.fold_if_due()
    assert WeekTally.objects.count() < rows[0] and DayTally.objects.count() < rows[1]
    assert tallies.member_counts(campaign, START + datetime.timedelta(30)) == before
    assert tallies.drift() == []
    # nothing left to fold: folding again changes nothing
    rows = WeekTally.objects.count(), DayTally.objects.count()
    tallies.fold_if_due()
    assert (WeekTally.objects.count(), DayTally.objects.count()) == rows


def test_a_statement_that_writes_no_row_moves_neither_the_tallies_nor_the_version(guides):
    campaign = plan_campaign()
    write(campaign, guides, [(0, 1, START, 2, True)])
    rows = WeekTally.objects.count(), DayTally.objects.count()
    version = FiguresWrite.objects.count()
    Case.objects.filter(pk=-1).update(portal_used=False)
    Case.objects.filter(pk=-1).delete()
    Case.objects.update(note="ghi chú")  # a column no figure reads
    assert (WeekTally.objects.count(), DayTally.objects.count()) == rows
    if connection.vendor == "postgresql":  # SQLite's row triggers never fire for no row
        assert FiguresWrite.objects.count() == version + 1  # the note's UPDATE wrote a row


def test_the_recompute_command_checks_and_repairs_the_tallies(guides):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    campaign = plan_campaign()
    write(campaign, guides, [(0, 1, START, 2, True), (1, 2, START, 1, False)])
    call_command("recompute_rule_inputs", "--check")
    WeekTally.objects.filter(member_id=guides[0].pk).delete()  # a tally lost
    with pytest.raises(CommandError, match="0 dữ liệu quy tắc đã lưu và 4 số đếm khác"):
        call_command("recompute_rule_inputs", "--check")
    call_command("recompute_rule_inputs")
    call_command("recompute_rule_inputs", "--check")
    assert tallies.member_counts(campaign, START)[guides[0].pk]["credited_full"] == 1


def test_a_fold_due_is_asked_of_the_job_worker_once_and_the_worker_folds(
    guides, monkeypatch, django_capture_on_commit_callbacks
):
    campaign = plan_campaign()
    write(
        campaign,
        guides,
        [(g, r, START + datetime.timedelta(r), 2, True) for g in range(3) for r in range(6)],
    )
    monkeypatch.setattr(tallies, "FOLD_AFTER", 1)
    asked, real = [], tallies.fold_tallies

    class Queue:
        enqueue = staticmethod(asked.append)

    monkeypatch.setattr(tallies, "fold_tallies", Queue)
    rows = WeekTally.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        tallies.fold_if_due()
        tallies.fold_if_due()  # asked already: not again
    assert sorted(asked) == sorted([tallies.WEEKS, tallies.DAYS])
    assert WeekTally.objects.count() == rows  # the reader did not fold
    before = tallies.member_counts(campaign, START + datetime.timedelta(30))
    for table in asked:
        real.call(table)
    assert WeekTally.objects.count() < rows
    assert tallies.member_counts(campaign, START + datetime.timedelta(30)) == before
