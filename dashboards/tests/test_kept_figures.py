"""Kept figures are never stale: after every write path (forms' services, the paper list,
the workbook import, the admin site, double-claim resolutions, roster and unit changes,
deletes, COPY and raw updates), what the dashboards read equals a fresh `build_results`."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign import services
from campaign.bulk import insert_objects
from campaign.claims import refresh_rule_inputs, resolve_double_claim, undo_resolution
from campaign.models import Case, Resident
from campaign.results import build_results
from campaign.tests.factories import plan_campaign
from campaign.tests.helpers import add_case
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from dashboards import tallies
from dashboards.figures import (
    branch_expression,
    branch_of,
    current_version,
    figures_for,
    results_for,
    scope_branches,
    scope_version,
)
from units.models import Member, MemberCategory, Unit, UnitKind, UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("kept_figures")]

AS_OF = datetime.date(2023, 6, 20)


# Besides AS_OF: a day in mid-week with a period starting in mid-week, so that the figures
# read from the tallies count whole weeks and edge days both.
WINDOWS = [(AS_OF, None), (datetime.date(2023, 5, 3), datetime.date(2023, 4, 27))]


def snapshot(results, summary):
    return (
        results.as_json(),
        [(m.pk, m.period_eid, m.period_full) for m in results.members],
        {key: str(value) for key, value in summary.items()},
        {kind: vars(tally) for kind, tally in sorted(results.by_kind.items())},
        [(unit.code, vars(unit.tally), unit.closed) for unit in results.units],
    )


def fresh(campaign, units=None):
    found = []
    for as_of, since in WINDOWS:
        results = build_results(campaign, as_of=as_of, since=since, units=units)
        found.append(snapshot(results, results.summary))
        found.append(alone(results))
    return found


def alone(results):
    """What `results_for` keeps: the results without the summary."""
    return (
        results.as_json(),
        [(m.pk, m.period_eid, m.period_full) for m in results.members],
        [(unit.code, vars(unit.tally)) for unit in results.units],
    )


def kept(campaign, units=None):
    found = []
    for as_of, since in WINDOWS:
        figures = figures_for(campaign, as_of=as_of, since=since, units=units)
        found.append(snapshot(figures.results, figures.summary))
        found.append(alone(results_for(campaign, as_of=as_of, since=since, units=units)))
    return found


def check_write(campaign, write, *, changes=True, units=None):
    """Keep the figures, run `write`, and compare what is read with a fresh build."""
    before = kept(campaign, units)
    assert before == fresh(campaign, units)
    write()
    assert tallies.drift() == []
    after = kept(campaign, units)
    assert after == fresh(campaign, units)
    if changes:
        assert after != before, "the write was meant to change a figure"


def test_unchanged_figures_are_read_back_without_recomputing(district):
    campaign = plan_campaign()
    kept(campaign)
    with CaptureQueriesContext(connection) as queries:
        kept(campaign)
    # for each window, the figures and the results alone: the version, the kept row
    assert len(queries) == 4 * len(WINDOWS)


def test_every_committed_write_moves_the_version(district):
    version = current_version()
    Member.objects.filter(pk=district["guide"].pk).update(full_name="Lò Văn Mới")
    assert current_version() > version


def test_case_created_by_the_forms_service(district):
    campaign = plan_campaign()
    check_write(
        campaign,
        lambda: services.case_create(
            campaign=campaign,
            member=district["guide"],
            resident_data={"id_number": "014196000111", "full_name": "Quàng Thị Nga"},
            case_data={
                "eid_level": 2,
                "activated_on": datetime.date(2023, 5, 3),
                "portal_used": True,
            },
            user=None,
        ),
    )


def test_paper_list_of_several_cases(district):
    campaign = plan_campaign()
    rows = [
        {
            "member": district["other"],
            "resident_data": {"id_number": f"01419600020{n}", "full_name": "Lò Thị Hoa"},
            "case_data": {
                "eid_level": 1,
                "activated_on": datetime.date(2023, 5, 4),
                "portal_used": n % 2 == 0,
            },
        }
        for n in range(3)
    ]
    check_write(campaign, lambda: services.cases_create(campaign=campaign, rows=rows, user=None))


def test_case_changed_and_deleted(district):
    campaign = plan_campaign()
    case = Case.objects.filter(member=district["guide"]).first()
    check_write(
        campaign,
        lambda: services.case_update(
            case=case,
            member=district["guide"],
            resident_data={"id_number": case.resident.id_number, "full_name": "Lường Văn Hải"},
            case_data={"eid_level": 2, "activated_on": case.activated_on, "portal_used": False},
            user=None,
        ),
    )
    check_write(
        campaign, lambda: services.case_delete(case=Case.objects.get(pk=case.pk), user=None)
    )


def test_a_second_claim_then_its_resolution_and_undo(district):
    campaign = plan_campaign()
    resident = Case.objects.filter(member=district["guide"]).first().resident
    check_write(campaign, lambda: add_case(district["other"], resident))
    admin = UserFactory(is_superuser=True)
    check_write(
        campaign,
        lambda: resolve_double_claim(
            campaign=campaign,
            resident=resident,
            awarded_to=district["guide"],
            reason="Có biên bản",
            user=admin,
        ),
    )
    resolution = resident.resolutions.get(undone_at__isnull=True)
    check_write(campaign, lambda: undo_resolution(resolution=resolution, user=admin))


def test_roster_changes_exclude_and_restore_a_resident(district):
    campaign = plan_campaign()
    resident = Case.objects.filter(member=district["guide"]).first().resident
    holder = {}

    def put_on_roster():
        holder["member"] = services.member_create(
            user=None,
            unit=district["police"],
            full_name="Cầm Văn Ba",
            id_number=resident.id_number,
            category=MemberCategory.MEMBER,
        )

    check_write(campaign, put_on_roster)
    check_write(campaign, lambda: services.member_delete(member=holder["member"], user=None))
    check_write(
        campaign,
        lambda: services.member_deactivate(member=district["other"], user=None),
    )


def test_unit_moved_and_closed(district, settings):
    campaign = plan_campaign()
    scope = Unit.objects.subtree(district["top"])

    def move():
        police = district["police"]
        police.parent = district["top"]
        police.save()

    check_write(campaign, move, units=scope)

    def close():
        Unit.objects.filter(pk=district["commune"].pk).update(valid_to=datetime.date(2023, 5, 1))

    check_write(campaign, close)


def test_campaign_settings_changed(district):
    campaign = plan_campaign()

    def change():
        campaign.quota_member = 2
        campaign.save()

    check_write(campaign, change)


def test_double_claims_counted_within_a_kind_only_then_across_again(district):
    """The residents reached are read without counting them when double claims count across
    kinds; within a kind only, a resident guided by a police officer and a Youth Union
    member is two single claims, one resident: counted from the cases then."""
    campaign = plan_campaign()
    resident = Case.objects.filter(member=district["guide"]).first().resident
    add_case(district["other"], resident, campaign=campaign)  # police and Youth Union

    def within_a_kind():
        campaign.double_claims_across_kinds = False
        campaign.save()
        refresh_rule_inputs()

    def across_again():
        campaign.double_claims_across_kinds = True
        campaign.save()
        refresh_rule_inputs()

    check_write(campaign, within_a_kind)
    assert kept(campaign)[0][2]["residents"] == "5"  # 6 cases, one resident twice
    check_write(campaign, across_again)
    assert kept(campaign)[0][2]["residents"] == "5"


def test_copy_insert_and_raw_update(district):
    campaign = plan_campaign()

    def copy():
        resident = Resident(id_number="014196000301", full_name="Vì Thị Lan")
        insert_objects([resident], with_pks=True)
        insert_objects(
            [
                Case(
                    campaign=campaign,
                    member=district["other"],
                    resident_id=resident.pk,
                    eid_level=2,
                    activated_on=datetime.date(2023, 5, 6),
                    portal_used=True,
                )
            ]
        )
        refresh_rule_inputs(resident_ids=[resident.pk])

    check_write(campaign, copy)
    check_write(campaign, lambda: Case.objects.all().update(portal_used=False))


def test_workbook_import(district, tmp_path):
    campaign = plan_campaign()
    path = build_xlsx(
        tmp_path / "danh-sach.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("Lò Thị Xuân", "014196000401", district["guide"].id_number),
                resident_row("Lò Văn Đông", "014096000402", district["guide"].id_number),
            ]
        },
    )
    check_write(campaign, lambda: call_command("import_xlsx", str(path)))


def test_admin_deletes_a_case(district, client):
    campaign = plan_campaign()
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    case = Case.objects.filter(member=district["guide"]).first()

    def delete():
        response = client.post(
            "/admin/campaign/case/",
            {"action": "delete_selected", "_selected_action": [case.pk], "post": "yes"},
        )
        assert response.status_code == 302
        assert not Case.objects.filter(pk=case.pk).exists()

    check_write(campaign, delete)


def test_admin_changes_a_member(district, client):
    campaign = plan_campaign()
    admin = UserFactory(is_superuser=True, is_staff=True)
    UnitRoleFactory(user=admin, unit=district["top"], role=UnitRole.Role.ADMIN)
    client.force_login(admin)
    member = district["other"]
    url = f"/admin/units/member/{member.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(category=MemberCategory.MEMBER, unit=member.unit_id, active="on")
    for name in ("has_level2_account", "vneid_activated", "portal_used"):
        if not data.get(name):
            data.pop(name, None)
    data["user"] = ""

    def change():
        client.post(url, data)
        assert Member.objects.get(pk=member.pk).category == MemberCategory.MEMBER

    check_write(campaign, change)


def test_resident_declared_a_cadre_and_the_recompute_command(district):
    campaign = plan_campaign()
    resident = Case.objects.filter(member=district["guide"]).first().resident

    def declare():
        Resident.objects.filter(pk=resident.pk).update(category="cadre")
        refresh_rule_inputs(resident_ids=[resident.pk])

    check_write(campaign, declare)
    # Rule inputs damaged behind the product's back, then repaired by the command: the
    # figures follow the repair.
    Case.objects.filter(member=district["other"]).update(resident_excluded=True)
    check_write(campaign, lambda: call_command("recompute_rule_inputs"))


def test_unit_kind_changed(district):
    campaign = plan_campaign()

    def change():
        police = district["police"]
        police.kind = UnitKind.WOMENS_UNION
        police.save()

    check_write(campaign, change)


def test_quick_entry_form_sent_by_a_secretary(district, client):
    campaign = plan_campaign()
    secretary = UserFactory()
    UnitRoleFactory(user=secretary, unit=district["top"], role=UnitRole.Role.SECRETARY)
    client.force_login(secretary)

    def send():
        response = client.post(
            "/chien-dich/nhap-nhanh/",
            {
                "member": district["guide"].pk,
                "id_number": "014196000501",
                "full_name": "Lường Thị Mai",
                "eid_level": "2",
                "activated_on": "03/05/2023",
                "portal_used": "on",
                "place": "market",
            },
        )
        assert response.status_code == 302

    check_write(campaign, send)


def test_folding_the_write_log_keeps_the_version(district):
    from dashboards.figures import fold_writes
    from dashboards.models import FiguresWrite

    for name in ("Một", "Hai", "Ba"):
        Unit.objects.filter(pk=district["top"].pk).update(name=name)
    version = current_version()
    commune = Unit.objects.subtree(district["commune"])
    branch_version = scope_version(commune)
    fold_writes()
    # One row per branch the writes named (on SQLite, the one counter row).
    assert FiguresWrite.objects.count() == FiguresWrite.objects.values("branch").distinct().count()
    assert FiguresWrite.objects.count() <= 3
    assert current_version() == version and scope_version(commune) == branch_version
    Unit.objects.filter(pk=district["top"].pk).update(name="Bốn")
    assert current_version() > version


# --- The activation list (rules.md, verification) -------------------------------------------


def _list_file(tmp_path, rows, name="list.csv"):
    path = tmp_path / name
    lines = ["Số định danh,Mức định danh,Ngày kích hoạt,Tài khoản DVC"]
    lines += [",".join(map(str, row)) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ids(member):
    return list(
        Case.objects.filter(member=member)
        .order_by("pk")
        .values_list("resident__id_number", flat=True)
    )


def test_importing_an_activation_list(district, tmp_path):
    from campaign.activations import import_activation_list

    campaign = plan_campaign()
    first, second, *_rest = _ids(district["guide"])
    path = _list_file(
        tmp_path, [(first, 2, "02/05/2023", "Có"), (second, 1, "09/05/2023", "Không")]
    )
    # Statuses (in the JSON) move from none to verified / differs / not found.
    check_write(campaign, lambda: import_activation_list(path, campaign=campaign))
    replaced = _list_file(tmp_path, [(first, 2, "02/05/2023", "Có")], name="again.csv")
    check_write(campaign, lambda: import_activation_list(replaced, campaign=campaign))


def test_switching_figures_from_and_the_tolerance(district, tmp_path):
    from campaign.activations import import_activation_list

    campaign = plan_campaign()
    first, second, *_rest = _ids(district["guide"])
    path = _list_file(
        tmp_path, [(first, 2, "04/05/2023", "Có"), (second, 2, "02/05/2023", "Không")]
    )
    import_activation_list(path, campaign=campaign)

    def switch(**settings):
        def write():
            Campaign = type(campaign)
            Campaign.objects.filter(pk=campaign.pk).update(**settings)
            campaign.refresh_from_db()

        return write

    check_write(campaign, switch(figures_from="activation_list"))
    check_write(campaign, switch(verification_tolerance_days=2))
    check_write(campaign, switch(figures_from="recorded"))


def test_a_case_corrected_with_figures_from_the_list(district, tmp_path):
    """A resident's ID number typed wrong is not on the list; corrected, the case takes the
    list's values at once, and with figures from the list the figures follow."""
    from campaign.activations import import_activation_list

    campaign = plan_campaign()
    import_activation_list(
        _list_file(tmp_path, [("014196000999", 2, "02/05/2023", "Có")]), campaign=campaign
    )
    campaign.figures_from = "activation_list"
    campaign.save()
    case = Case.objects.filter(member=district["guide"]).first()

    def correct():
        services.case_update(
            case=case,
            member=district["guide"],
            resident_data={"id_number": "014196000999", "full_name": "Lường Văn Hải"},
            case_data={"eid_level": 2, "activated_on": case.activated_on, "portal_used": True},
            user=None,
        )

    check_write(campaign, correct)
    assert Case.objects.get(pk=case.pk).official_level == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_version_moves_even_after_its_counter_row_was_lost():
    """A flush (or a partial restore) that empties the write log must not freeze the
    version: on SQLite reading the version puts the counter row back."""
    from dashboards.figures import current_version
    from dashboards.models import FiguresWrite

    FiguresWrite.objects.all().delete()
    before = current_version()
    UnitFactory(code="MOI")
    assert current_version() > before


# --- Branches: a case saved in one commune moves only that commune's version -------------


def _save_case(member, id_number):
    services.case_create(
        campaign=plan_campaign(),
        member=member,
        resident_data={"id_number": id_number, "full_name": "Quàng Thị Nga"},
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 3), "portal_used": True},
        user=None,
    )


@pytest.mark.postgres_only
def test_a_case_saved_in_one_branch_keeps_the_others_figures(district):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps one counter for every branch")
    campaign = plan_campaign()
    commune, police = district["commune"], district["police"]
    police_units = Unit.objects.subtree(police)
    commune_units = Unit.objects.subtree(commune)
    versions = (scope_version(police_units), scope_version(commune_units), scope_version())
    kept(campaign, police_units)
    _save_case(district["guide"], "014196000111")
    after = (scope_version(police_units), scope_version(commune_units), scope_version())
    assert after[0] == versions[0]  # the police's branch: unchanged
    assert after[1] > versions[1] and after[2] > versions[2]
    # The police's kept figures are read back, not computed again, and still true.
    with CaptureQueriesContext(connection) as queries:
        found = kept(campaign, police_units)
    assert found == fresh(campaign, police_units)
    assert not [q for q in queries.captured_queries if "tally" in q["sql"]]
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    # Anything but a case (here a member renamed) moves every branch.
    Member.objects.filter(pk=district["other"].pk).update(full_name="Lò Văn Mới")
    assert scope_version(police_units) > after[0]


@pytest.mark.postgres_only
def test_after_a_case_in_one_branch_only_that_branchs_part_is_counted_again(district, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps one counter for every branch")
    campaign = plan_campaign()
    before = kept(campaign)  # every branch's part kept
    asked = []
    counts = tallies.member_counts

    def spy(campaign, as_of, since=None, members=None):
        asked.append(set(members.values_list("pk", flat=True)))
        return counts(campaign, as_of, since, members)

    monkeypatch.setattr(tallies, "member_counts", spy)
    _save_case(district["guide"], "014196000111")
    after = kept(campaign)
    assert after == fresh(campaign) and after != before
    commune_members = set(
        Member.objects.filter(unit=district["commune"]).values_list("pk", flat=True)
    )
    assert asked and all(members == commune_members for members in asked)


def test_the_branches_of_a_tree(district):
    top, commune, police = district["top"], district["commune"], district["police"]
    village = UnitFactory(code="THON1", parent=commune, kind=UnitKind.YOUTH_UNION)
    assert branch_of(top.path) == top.pk  # a top unit's own members
    assert branch_of(commune.path) == branch_of(village.path) == commune.pk
    assert branch_of(police.path) == police.pk
    assert scope_branches(Unit.objects.subtree(top)) == {top.pk, commune.pk}
    assert scope_branches(None) is None
    # The SQL form names the same branch.
    found = dict(
        Unit.objects.annotate(branch=branch_expression("path")).values_list("code", "branch")
    )
    assert found == {"HUYEN": top.pk, "XA1": commune.pk, "THON1": commune.pk, "CA1": police.pk}
