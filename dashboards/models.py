"""Figures kept between requests, and the version that tells whether they are still true.

Every table that affects a figure (cases, residents, members and their rosters, units,
double-claim resolutions, campaigns) carries a database trigger, created by this app's
migration, that adds a row to `FiguresWrite` in the writing transaction itself: on
PostgreSQL once per statement (COPY included), on SQLite once per row. The figures version
is the sum of `FiguresWrite.n` (a branch's version, the sum of its rows and of those naming no
branch: see `dashboards.figures.scope_version`); it grows with every committed write, whichever code path
made it (forms, the importer's COPY, the admin site, a shell), and a write not yet committed
is not counted. Figures are kept under the version they were computed at and read only while
it is still the current one, so a kept figure is never stale.

Inserting a row (rather than incrementing one counter) keeps concurrent writers from
waiting on each other: a long import does not hold a lock that every form would queue on.
"""

from django.db import models
from django.utils import timezone


class FiguresWrite(models.Model):
    """One committed write to a table that affects the figures (rows are folded together
    from time to time, their sum unchanged)."""

    n = models.BigIntegerField(default=1)
    # The branch of the unit tree the write was confined to (`dashboards.figures.branch_of`:
    # the cases table's triggers name the branches of the cases written), or NULL: every
    # branch (any other table). Always NULL on SQLite.
    branch = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = "figures write"

    def __str__(self):
        return f"write {self.pk} ({self.n})"


class KeptFigures(models.Model):
    """Figures computed once for a version, under a key naming what they are (campaign,
    day or period, units in scope, kind of figure)."""

    key = models.CharField(max_length=64, unique=True)
    version = models.BigIntegerField()
    payload = models.BinaryField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "kept figures"

    def __str__(self):
        return f"{self.key} @ {self.version}"


class KeptCount(models.Model):
    """A count of rows (the length of a long list) kept under the figures version it was
    counted at, under a key naming the query counted (see `dashboards.figures.kept_count`)."""

    key = models.CharField(max_length=64, unique=True)
    version = models.BigIntegerField()
    n = models.BigIntegerField()

    class Meta:
        verbose_name = "kept count"

    def __str__(self):
        return f"{self.key} @ {self.version}: {self.n}"


class RuleMeetingCounts(models.Model):
    """A change to one member's counts in one campaign, of the cases that meet every rule of
    the e-ID case but the activation window (which depends on the day the figures are taken
    and is applied when they are read): `eid`; of the full case, `eid_full`; by level."""

    campaign_id = models.BigIntegerField()
    member_id = models.BigIntegerField()
    eid = models.IntegerField(default=0)
    eid_full = models.IntegerField(default=0)
    level1 = models.IntegerField(default=0)
    level2 = models.IntegerField(default=0)

    class Meta:
        abstract = True


class WeekTally(RuleMeetingCounts):
    """Those counts by week of e-ID activation (Monday; none for a case not activated), and
    every case and double claim, written by the cases table's triggers in the writing
    transaction (see `dashboards.tallies`). A member's counts are the sums of their rows;
    rows are folded together from time to time, their sums unchanged."""

    week = models.DateField(null=True)
    cases = models.IntegerField(default=0)
    double_claims = models.IntegerField(default=0)

    class Meta:
        verbose_name = "week tally"
        indexes = [
            models.Index(fields=["campaign_id", "member_id", "week"], name="weektally_member")
        ]

    def __str__(self):
        return f"member {self.member_id}, week {self.week}"


class DayTally(RuleMeetingCounts):
    """Those counts by day of activation: read only for the days at the edges of a window
    that do not make a whole week."""

    day = models.DateField()

    class Meta:
        verbose_name = "day tally"
        indexes = [
            models.Index(fields=["campaign_id", "day"], name="daytally_day"),
            models.Index(fields=["campaign_id", "member_id"], name="daytally_member"),
        ]

    def __str__(self):
        return f"member {self.member_id}, day {self.day}"


class TallyFold(models.Model):
    """Where the last fold of the tallies stopped: rows with a greater id are changes not
    folded yet."""

    table = models.CharField(max_length=40, unique=True)
    folded_to = models.BigIntegerField(default=0)
    # When a fold was last asked of the job worker (one request asks, the others read on).
    requested_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "tally fold"

    def __str__(self):
        return f"{self.table} folded to {self.folded_to}"
