"""The organisation: the unit tree, its constraints, and the one scope method."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from units.models import Member, Unit, UnitKind, UnitRole, padded_path
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def tree():
    """district → commune → branch, plus a second root."""
    district = UnitFactory(code="HD")
    commune = UnitFactory(code="DX-A", parent=district)
    branch = UnitFactory(code="CD-A-1", parent=commune)
    other_commune = UnitFactory(code="DX-B", parent=district)
    police = UnitFactory(code="CAH", kind=UnitKind.POLICE)
    return district, commune, branch, other_commune, police


def test_path_records_every_ancestor_of_any_depth():
    district, commune, branch, *_ = tree()
    branch.refresh_from_db()
    assert branch.path == padded_path(f"/{district.pk}/{commune.pk}/{branch.pk}/")
    assert branch.depth == 3
    assert set(Unit.objects.subtree(district)) >= {district, commune, branch}
    assert list(Unit.objects.subtree(branch)) == [branch]


def test_moving_a_unit_moves_its_subtree():
    district, commune, branch, other, police = tree()
    commune.parent = police
    commune.save()
    branch.refresh_from_db()
    assert branch.path == padded_path(f"/{police.pk}/{commune.pk}/{branch.pk}/")
    assert branch in Unit.objects.subtree(police)
    assert branch not in Unit.objects.subtree(district)


def test_rebuild_paths_repairs_bulk_inserted_units():
    district = UnitFactory(code="ROOT")
    Unit.objects.bulk_create([Unit(code="CHILD", name="x", kind=UnitKind.POLICE, parent=district)])
    assert Unit.objects.get(code="CHILD").path == ""
    assert Unit.rebuild_paths() == 1
    assert Unit.objects.get(code="CHILD").path == padded_path(
        f"/{district.pk}/{Unit.objects.get(code='CHILD').pk}/"
    )


def test_unit_code_is_unique():
    UnitFactory(code="HD")
    with pytest.raises(IntegrityError):
        UnitFactory(code="HD")


def test_unit_cannot_close_before_it_opens():
    with pytest.raises(IntegrityError):
        UnitFactory(valid_from=datetime.date(2024, 1, 1), valid_to=datetime.date(2023, 1, 1))


def test_closed_units_are_not_open_after_their_last_day():
    closed = UnitFactory(valid_to=datetime.date(2025, 6, 30))
    open_unit = UnitFactory()
    assert set(Unit.objects.open(on=datetime.date(2025, 6, 30))) == {closed, open_unit}
    assert set(Unit.objects.open(on=datetime.date(2025, 7, 1))) == {open_unit}


def test_member_id_number_is_unique_across_units():
    MemberFactory(id_number="014090001234")
    with pytest.raises(IntegrityError):
        MemberFactory(id_number="014090001234")


def test_member_procedures_online_cannot_exceed_total():
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(own_procedures_online=3, own_procedures_total=2)
    with pytest.raises(IntegrityError):
        MemberFactory(family_procedures_online=3, family_procedures_total=2)


def test_member_id_number_must_be_12_digits_when_validated():
    from django.core.exceptions import ValidationError

    member = MemberFactory.build(id_number="01409000123", unit=UnitFactory())
    with pytest.raises(ValidationError):
        member.full_clean()


def test_one_role_per_user_and_unit():
    role = UnitRoleFactory()
    with pytest.raises(IntegrityError):
        UnitRole.objects.create(user=role.user, unit=role.unit, role=UnitRole.Role.VIEWER)


# --- Who may see what --------------------------------------------------------------------


def test_viewer_sees_their_unit_and_everything_below_it_only():
    district, commune, branch, other, police = tree()
    role = UnitRoleFactory(unit=commune, role=UnitRole.Role.VIEWER)
    assert set(Unit.objects.visible_to(role.user)) == {commune, branch}
    assert set(Unit.objects.editable_by(role.user)) == set()


def test_secretary_edits_their_unit_and_sub_units():
    district, commune, branch, other, police = tree()
    role = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY)
    assert set(Unit.objects.editable_by(role.user)) == {commune, branch}
    assert set(Unit.objects.administered_by(role.user)) == set()


def test_district_administrator_sees_the_whole_tree():
    district, commune, branch, other, police = tree()
    role = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN)
    assert set(Unit.objects.visible_to(role.user)) == {district, commune, branch, other}
    assert set(Unit.objects.administered_by(role.user)) == {district, commune, branch, other}


def test_roles_in_several_units_add_up():
    district, commune, branch, other, police = tree()
    user = UserFactory()
    UnitRoleFactory(user=user, unit=branch, role=UnitRole.Role.SECRETARY)
    UnitRoleFactory(user=user, unit=police, role=UnitRole.Role.VIEWER)
    assert set(Unit.objects.visible_to(user)) == {branch, police}
    assert set(Unit.objects.editable_by(user)) == {branch}


def test_path_prefix_does_not_leak_to_a_unit_with_a_longer_number():
    # /1/ must not match /12/: paths end with a slash.
    units = [UnitFactory() for _ in range(12)]
    role = UnitRoleFactory(unit=units[0], role=UnitRole.Role.ADMIN)
    assert set(Unit.objects.visible_to(role.user)) == {units[0]}


def test_user_without_role_anonymous_or_inactive_sees_nothing():
    tree()
    assert not Unit.objects.visible_to(UserFactory()).exists()
    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    role = UnitRoleFactory(role=UnitRole.Role.ADMIN)
    role.user.is_active = False
    role.user.save()
    assert not Unit.objects.visible_to(role.user).exists()


def test_superuser_sees_every_unit():
    units = tree()
    user = UserFactory(is_superuser=True)
    assert set(Unit.objects.visible_to(user)) == set(units)


def test_member_querysets_follow_unit_scope():
    district, commune, branch, other, police = tree()
    mine = MemberFactory(unit=branch)
    MemberFactory(unit=other)
    role = UnitRoleFactory(unit=commune, role=UnitRole.Role.VIEWER)
    assert list(Member.objects.visible_to(role.user)) == [mine]
    assert not Member.objects.editable_by(role.user).exists()


def test_sub_units_are_listed_in_the_order_they_were_made_whatever_their_keys():
    top = UnitFactory(code="TOP", pk=98)
    UnitFactory(code="NINE", parent=top, pk=999)
    UnitFactory(code="TEN", parent=top, pk=1000)
    # As text, "/98/1000/" would sort before "/98/999/".
    assert [u.code for u in Unit.objects.subtree(top)] == ["TOP", "NINE", "TEN"]
    assert padded_path("/1/11/") == "/000000001/000000011/"
    assert Unit.objects.get(code="TEN").path == "/000000098/000001000/"


def test_the_migration_pads_the_units_and_the_paths_frozen_in_submissions():
    import importlib

    from django.apps import apps

    from reports.models import ReportingPeriod, Submission

    migration = importlib.import_module("units.migrations.0006_padded_paths")
    top = UnitFactory(code="TOP", pk=7)
    child = UnitFactory(code="CHILD", parent=top, pk=12)
    Unit.objects.filter(pk=top.pk).update(path="/7/")  # as stored before
    Unit.objects.filter(pk=child.pk).update(path="/7/12/")
    period = ReportingPeriod.objects.order_by("pk").first()
    named = ["A", None, "014195000002", "", "", 2, "2023-05-02", True, "B", "Con", False, "/7/12/"]
    sent = Submission.objects.create(
        period=period,
        unit=top,
        submitted_at=timezone.now(),
        as_of=period.ends_on,
        report={
            "units": [{"code": "TOP", "path": "/7/"}, {"code": "CHILD", "path": "/7/12/"}],
            "named": [named],
        },
    )
    migration.forwards(apps, None)
    assert Unit.objects.get(pk=child.pk).path == "/000000007/000000012/"
    sent.refresh_from_db()
    assert [u["path"] for u in sent.report["units"]] == ["/000000007/", "/000000007/000000012/"]
    assert sent.report["named"][0][11] == "/000000007/000000012/"
