import datetime

import pytest

from campaign.bulk import insert_objects
from campaign.models import Case, Resident
from campaign.tests.factories import plan_campaign
from units.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_inserted_rows_read_back_as_save_would_have_written_them():
    member = MemberFactory()
    written = insert_objects(
        [
            Resident(
                id_number="014195000001",
                full_name="Lường Thị Diêm",
                address="Bản Mòn\txã\\Lạn",
                birth_date=datetime.date(1995, 3, 4),
            ),
            Resident(id_number="014195000002", full_name="Vì Văn Lả"),
        ]
    )
    assert written == 2
    first, second = Resident.objects.order_by("id_number")
    assert (first.full_name, first.address, first.birth_date) == (
        "Lường Thị Diêm",
        "Bản Mòn\txã\\Lạn",
        datetime.date(1995, 3, 4),
    )
    assert second.birth_date is None and second.category == "resident" and second.created_at
    insert_objects(
        [
            Case(
                campaign=plan_campaign(),
                resident=first,
                member=member,
                eid_level=2,
                activated_on=datetime.date(2023, 5, 1),
                portal_used=True,
            )
        ]
    )
    case = Case.objects.get()
    assert (case.eid_level, case.portal_used, case.claimants, case.resident_excluded) == (
        2,
        True,
        1,
        False,
    )


def test_nothing_to_insert_writes_nothing():
    assert insert_objects([]) == 0


def test_with_pks_each_object_gets_the_key_of_its_row_and_later_rows_get_fresh_ones():
    residents = [Resident(id_number=f"01419500000{n}", full_name=f"Người {n}") for n in range(3)]
    insert_objects(residents, with_pks=True)
    assert all(r.pk for r in residents)
    assert {r.pk: r.id_number for r in residents} == dict(
        Resident.objects.values_list("pk", "id_number")
    )
    assert Resident.objects.create(id_number="014195000009", full_name="Sau").pk > max(
        r.pk for r in residents
    )


def test_a_duplicate_key_is_djangos_integrity_error():
    from django.db import IntegrityError, transaction

    insert_objects([Resident(id_number="014195000001", full_name="A")], with_pks=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_objects([Resident(id_number="014195000001", full_name="B")], with_pks=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_objects([Resident(id_number="014195000001", full_name="C")])
