"""The data migration that gives today's residents their tree's record (issue 17)."""

import datetime
import importlib

import pytest
from django.apps import apps

from campaign import services
from campaign.models import Resident, ResidentRecord
from campaign.tests.factories import plan_campaign
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("campaign.migrations.0012_resident_records_from_today")


def test_a_resident_two_trees_recorded_becomes_one_record_each():
    youth = UnitFactory(code="DOAN", kind=UnitKind.YOUTH_UNION)
    women = UnitFactory(code="HOIPN", kind=UnitKind.WOMENS_UNION)
    b = UnitRoleFactory(unit=women, role=UnitRole.Role.SECRETARY).user
    a = UnitRoleFactory(unit=youth, role=UnitRole.Role.SECRETARY).user
    guide_a, guide_b = MemberFactory(unit=youth), MemberFactory(unit=women)
    data = {"id_number": "014090123234", "full_name": "Quàng Thị Mai", "phone": "0912345678"}
    services.case_create(
        campaign=plan_campaign(), member=guide_b, resident_data=data, case_data={}, user=b
    )
    services.case_create(
        campaign=plan_campaign(), member=guide_a, resident_data=data, case_data={}, user=a
    )
    # As the old single record was: A filled in a detail B left blank, and wrote last.
    ResidentRecord.objects.all().delete()
    resident = Resident.objects.get()
    resident.address = "Bản A gõ"
    resident.birth_date = datetime.date(1960, 3, 4)
    resident._history_user = a
    resident.updated_by = a
    resident.save()
    Resident.objects.update(tree=None)

    migration.forward(apps, None)

    resident.refresh_from_db()
    assert resident.tree_id == women.pk  # the tree of whoever recorded them first
    assert (resident.full_name, resident.phone, resident.address) == (
        "Quàng Thị Mai",
        "0912345678",
        "",  # as B last typed them: A's detail is not B's
    )
    theirs = ResidentRecord.objects.get(tree=youth)
    assert (theirs.address, theirs.birth_date) == ("Bản A gõ", datetime.date(1960, 3, 4))


def test_a_resident_of_one_tree_takes_that_tree():
    unit = UnitFactory(code="DOAN")
    child = UnitFactory(code="DOAN-XA", parent=unit)
    user = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    services.case_create(
        campaign=plan_campaign(),
        member=MemberFactory(unit=child),
        resident_data={"id_number": "014090123234", "full_name": "Lò Thị Đúng"},
        case_data={},
        user=user,
    )
    Resident.objects.update(tree=None)
    migration.forward(apps, None)
    assert Resident.objects.get().tree_id == unit.pk and not ResidentRecord.objects.exists()


def test_residents_in_several_batches_and_a_record_already_there(monkeypatch):
    monkeypatch.setattr(migration, "BATCH", 2)
    youth = UnitFactory(code="DOAN", kind=UnitKind.YOUTH_UNION)
    women = UnitFactory(code="HOIPN", kind=UnitKind.WOMENS_UNION)
    a = UnitRoleFactory(unit=youth, role=UnitRole.Role.SECRETARY).user
    b = UnitRoleFactory(unit=women, role=UnitRole.Role.SECRETARY).user
    guide_a, guide_b = MemberFactory(unit=youth), MemberFactory(unit=women)
    numbers = [f"01409012323{n}" for n in range(5)]
    for number in numbers:  # B first, then A, each typing its own name
        for user, guide, name in ((b, guide_b, "Tên B gõ"), (a, guide_a, "Tên A gõ")):
            services.case_create(
                campaign=plan_campaign(),
                member=guide,
                resident_data={"id_number": number, "full_name": name},
                case_data={},
                user=user,
            )
    # As the old single record was: whoever wrote last owned the one row.
    ResidentRecord.objects.exclude(resident__id_number=numbers[0]).delete()
    ResidentRecord.objects.update(full_name="cũ")
    for resident in Resident.objects.all():
        resident.full_name = "Tên A gõ"
        resident._history_user = a
        resident.updated_by = a
        resident.save()
    Resident.objects.update(tree=None)

    migration.forward(apps, None)

    for resident in Resident.objects.order_by("pk"):
        assert resident.tree_id == women.pk
        assert resident.full_name == "Tên B gõ" and resident.search_name == "ten b go"
    records = ResidentRecord.objects.order_by("resident__id_number")
    assert [(r.resident.id_number, r.tree_id, r.full_name) for r in records] == [
        (number, youth.pk, "Tên A gõ") for number in numbers
    ]


def test_a_resident_without_a_case_keeps_no_tree():
    from campaign.tests.factories import ResidentFactory

    resident = ResidentFactory()
    Resident.objects.update(tree=None)
    migration.forward(apps, None)
    resident.refresh_from_db()
    assert resident.tree_id is None
