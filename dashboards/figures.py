"""The dashboards' figures: computed once per figures version, kept, and read back.

`current_version()` is one small query; `kept(parts, compute)` returns what `compute()`
returns, from the kept copy while the version has not changed since it was computed. The
triggers of this app's migration (see `dashboards.models`) move the version on every write
that can change a figure, so no write path needs to remember to invalidate anything.
"""

import datetime
import hashlib
import json
import pickle
import zlib
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek

from campaign import rules
from campaign.results import build_results

from .models import FiguresWrite, KeptFigures

# Folding the write log into one row once it holds this many rows keeps the version's SUM cheap.
FOLD_AFTER = 1000


def current_version():
    """The sum of committed writes to the tables the figures read."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(n), 0), COUNT(*) FROM {FiguresWrite._meta.db_table}")
        total, rows = cursor.fetchone()
    if rows > FOLD_AFTER:
        fold_writes()
    return int(total)


def fold_writes():
    """Replace the logged writes by one row holding their sum (the version is unchanged)."""
    table = FiguresWrite._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING n) "
                f"INSERT INTO {table} (n) SELECT SUM(n) FROM gone HAVING COUNT(*) > 0"
            )
        else:
            cursor.execute(f"SELECT COALESCE(SUM(n), 0) FROM {table}")
            (total,) = cursor.fetchone()
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} (id, n) VALUES (1, %s)", [total])


def key_of(parts):
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def kept(parts, compute, version=None):
    """`compute()`, kept under `parts` (a JSON-able description) and the figures version."""
    version = current_version() if version is None else version
    key = key_of(parts)
    row = KeptFigures.objects.filter(key=key).values_list("version", "payload").first()
    if row is not None and row[0] == version:
        return pickle.loads(zlib.decompress(bytes(row[1])))
    value = compute()
    payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    try:
        with transaction.atomic():
            updated = KeptFigures.objects.filter(key=key).update(version=version, payload=payload)
            if not updated:
                KeptFigures.objects.create(key=key, version=version, payload=payload)
    except IntegrityError:  # another request kept the same figures at the same moment
        pass
    return value


# --- What the pages read ------------------------------------------------------------------


@dataclass
class Figures:
    """Everything the overview, the rankings and the outreach page show for one scope."""

    results: object  # campaign.results.Results, its queryset dropped
    summary: dict
    weekly: list  # [(monday, credited_eid, credited_full)] by activation week, not cumulative
    outreach_places: list  # [(place, cases, credited_full)]
    outreach_weeks: list  # [(monday, place, cases)] by guidance week
    fix_counts: dict = field(default_factory=dict)


def scope_parts(units):
    """A description of a scope for a key: the primary keys of its units."""
    return sorted(units.values_list("pk", flat=True)) if units is not None else "all"


def figures_for(campaign, *, as_of, since=None, units=None, scope=None, version=None):
    """The kept `Figures` of `campaign` on `as_of` (for the period since..as_of, if given),
    over `units` (a Unit queryset closed under sub-units)."""
    scope = scope if scope is not None else scope_parts(units)
    parts = ["figures", campaign.pk, as_of, since, scope]
    return kept(parts, lambda: compute_figures(campaign, as_of, since, units), version)


def compute_figures(campaign, as_of, since, units):
    results = build_results(campaign, as_of=as_of, since=since, units=units)
    summary = results.summary
    cases = results.cases.filter(campaign=campaign).order_by()
    results.cases = None  # a queryset is not kept: it would be evaluated
    eid, full = rules.credited_eid(campaign, as_of), rules.credited_full(campaign, as_of)
    weekly = [
        (row["week"], row["eid"], row["full"])
        for row in cases.filter(eid)
        .annotate(week=TruncWeek("activated_on"))
        .values("week")
        .annotate(eid=Count("pk"), full=Count("pk", filter=full))
        .order_by("week")
    ]
    places = [
        (row["place"], row["n"], row["full"])
        for row in cases.values("place")
        .annotate(n=Count("pk"), full=Count("pk", filter=full))
        .order_by("-n", "place")
    ]
    weeks = [
        (row["week"], row["place"], row["n"])
        for row in cases.filter(guided_on__isnull=False, guided_on__lte=as_of)
        .annotate(week=TruncWeek("guided_on"))
        .values("week", "place")
        .annotate(n=Count("pk"))
        .order_by("week", "place")
    ]
    fix = cases.aggregate(
        not_activated=Count("pk", filter=Q(eid_level__isnull=True)),
        no_guidance_day=Count("pk", filter=Q(guided_on__isnull=True)),
    )
    return Figures(
        results=results,
        summary=summary,
        weekly=[(_day(w), e, f) for w, e, f in weekly],
        outreach_places=places,
        outreach_weeks=[(_day(w), p, n) for w, p, n in weeks],
        fix_counts=fix,
    )


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value
