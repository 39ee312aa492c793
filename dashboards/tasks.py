"""Work the job worker does for the dashboards."""

from django_tasks import task

from . import tallies


@task()
def fold_tallies(table):
    """Fold one of the members' tallies (see `dashboards.tallies.fold`)."""
    if table in (tallies.WEEKS, tallies.DAYS):
        tallies.fold(table)
