"""Figures kept between requests, and the version that tells whether they are still true.

Every table that affects a figure (cases, residents, members and their rosters, units,
double-claim resolutions, campaigns) carries a database trigger, created by this app's
migration, that adds a row to `FiguresWrite` in the writing transaction itself: on
PostgreSQL once per statement (COPY included), on SQLite once per row. The figures version
is the sum of `FiguresWrite.n`; it grows with every committed write, whichever code path
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

    class Meta:
        verbose_name = "figures write"


class KeptFigures(models.Model):
    """Figures computed once for a version, under a key naming what they are (campaign,
    day or period, units in scope, kind of figure)."""

    key = models.CharField(max_length=64, unique=True)
    version = models.BigIntegerField()
    payload = models.BinaryField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "kept figures"


class KeptCount(models.Model):
    """A count of rows (the length of a long list) kept under the figures version it was
    counted at, under a key naming the query counted (see `dashboards.figures.kept_count`)."""

    key = models.CharField(max_length=64, unique=True)
    version = models.BigIntegerField()
    n = models.BigIntegerField()

    class Meta:
        verbose_name = "kept count"
