"""Which expected units have reported, like DHIS2's reporting rate summary: a matrix of
expected units × periods, each cell on time, late (by whole days), missing or not yet due;
and per period the expected, submitted and on-time counts and rates, also per kind of unit.

rules.md: on time when submitted no later than the end of the due day (Asia/Ho_Chi_Minh),
otherwise late; missing once the due day has passed without one.
"""

from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone

from campaign.results import percent
from units.models import UnitKind

from .exports import expected_units
from .models import Submission


class State:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    REOPENED = "reopened"  # sent, then reopened for a correction: to be sent again
    NOT_DUE = "not_due"


@dataclass
class Cell:
    state: str
    days_late: int = 0
    submission: Submission | None = None  # the standing one
    reopened: Submission | None = None  # the last version, reopened, when none stands


def cell_state(period, first_sent_at, standing, now, reopened=None):
    """The state of one unit's report for `period` at `now`: judged by the first version's
    time (a report reopened for a correction was still sent when it was). A report reopened
    and not sent again is not counted as submitted (as DHIS2 counts an uncompleted one)."""
    due = period.due_on
    if standing is not None and first_sent_at is not None:
        sent_on = timezone.localtime(first_sent_at).date()
        if sent_on <= due:
            return Cell(State.ON_TIME, submission=standing)
        return Cell(State.LATE, (sent_on - due).days, standing)
    if reopened is not None:
        return Cell(State.REOPENED, reopened=reopened)
    if timezone.localtime(now).date() > due:
        return Cell(State.MISSING)
    return Cell(State.NOT_DUE)


@dataclass
class Rate:
    expected: int = 0
    submitted: int = 0
    on_time: int = 0

    @property
    def submitted_rate(self):
        return percent(self.submitted, self.expected)

    @property
    def on_time_rate(self):
        return percent(self.on_time, self.expected)


@dataclass
class PeriodSummary:
    period: object
    total: Rate = field(default_factory=Rate)
    by_kind: dict = field(default_factory=dict)  # kind label -> Rate


def completeness(campaign, units, now=None):
    """(units, periods, matrix, summaries) for the expected units among `units` (the user's
    scope): matrix[unit.pk][period.pk] is a Cell. Four queries."""
    now = now or timezone.now()
    rows = list(expected_units(campaign).filter(pk__in=units.values("pk")).order_by("path"))
    periods = list(campaign.periods.order_by("ends_on", "slug"))
    first = {
        (r["unit_id"], r["period_id"]): r["first"]
        for r in Submission.objects.filter(unit__in=rows, period__in=periods)
        .values("unit_id", "period_id")
        .annotate(first=Min("submitted_at"))
    }
    standing = {
        (s.unit_id, s.period_id): s
        for s in Submission.objects.standing()
        .filter(unit__in=rows, period__in=periods)
        .defer("report")
    }
    reopened = {
        (s.unit_id, s.period_id): s
        for s in Submission.objects.filter(
            unit__in=rows, period__in=periods, reopened_at__isnull=False
        )
        .order_by("version")
        .defer("report")
    }  # the last reopened version of each
    matrix = {}
    summaries = {p.pk: PeriodSummary(p) for p in periods}
    for unit in rows:
        kind = UnitKind(unit.kind).label
        for period in periods:
            key = (unit.pk, period.pk)
            cell = cell_state(period, first.get(key), standing.get(key), now, reopened.get(key))
            matrix.setdefault(unit.pk, {})[period.pk] = cell
            summary = summaries[period.pk]
            for rate in (summary.total, summary.by_kind.setdefault(kind, Rate())):
                rate.expected += 1
                rate.submitted += cell.state in (State.ON_TIME, State.LATE)
                rate.on_time += cell.state == State.ON_TIME
    table = [(unit, [matrix[unit.pk][p.pk] for p in periods]) for unit in rows]
    return table, periods, [summaries[p.pk] for p in periods]
