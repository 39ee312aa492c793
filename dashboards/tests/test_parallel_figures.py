"""Outside a transaction (as a request runs), the kept figures' reads of the cases run at the
same time on PostgreSQL, on connections of their own: they must give what build_results
gives, and leave no connection open behind them."""

import datetime

import pytest
from django.db import connection

from campaign.results import build_results
from campaign.tests.factories import plan_campaign
from campaign.tests.helpers import add_case, add_full_cases
from dashboards.figures import compute_figures, in_parallel
from units.models import Unit, UnitKind
from units.tests.factories import MemberFactory, UnitFactory

AS_OF = datetime.date(2023, 6, 20)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_figures_computed_outside_a_transaction_equal_build_results():
    campaign = plan_campaign()
    top = UnitFactory(code="HUYEN", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(code="XA1", parent=top, kind=UnitKind.YOUTH_UNION)
    police = UnitFactory(code="CA1", kind=UnitKind.POLICE)
    guide, other = MemberFactory(unit=commune), MemberFactory(unit=police)
    add_full_cases(guide, 3, campaign=campaign)
    add_full_cases(other, 2, campaign=campaign)
    case = add_case(guide, campaign=campaign)
    add_case(other, case.resident, campaign=campaign)
    assert not connection.in_atomic_block
    for units in (None, Unit.objects.all(), Unit.objects.subtree(top)):
        fresh = build_results(campaign, as_of=AS_OF, units=units)
        kept = compute_figures(campaign, AS_OF, None, units, version=-1)
        assert kept.results.as_json() == fresh.as_json()
        assert kept.summary == fresh.summary
        assert kept.results.summary is kept.summary


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_calls_run_in_parallel_return_each_result_by_name():
    found = in_parallel({"a": lambda: 1, "b": lambda: Unit.objects.count(), "c": lambda: "c"})
    assert found == {"a": 1, "b": 0, "c": "c"}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_that_find_the_same_figures_missing_wait_for_the_first_to_keep_them():
    """While one request computes a key (here: another connection holds its lock and then
    keeps the figures), another waits, then reads what was kept instead of computing."""
    import threading

    from django.db import connections

    from dashboards.figures import _compute_and_keep, current_version, kept, key_of

    parts, version = ["test figures"], current_version()
    key = key_of(parts)
    computed, found = [], []
    holder = connections.create_connection("default")
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [int(key[:15], 16)])

    def request():
        try:
            found.append(kept(parts, lambda: computed.append("again") or "computed again"))
        finally:
            connections["default"].close()

    waiting = threading.Thread(target=request)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and not found  # it waits for the lock
    _compute_and_keep(key, version, lambda: "computed first")  # the first request keeps them
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [int(key[:15], 16)])
    waiting.join(10)
    holder.close()
    assert found == ["computed first"] and computed == []
