"""Units that close, merge and split (rules.md): previewed, applied all or nothing, recorded,
undone; refused in Vietnamese with nothing written; the past as it stood."""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign.importing import import_workbook
from campaign.models import Case
from campaign.results import build_results
from campaign.tests.factories import plan_campaign
from campaign.tests.helpers import add_full_cases
from campaign.tests.import_helpers import MEMBER_HEADERS, build_xlsx
from reports.exports import export_report
from reports.models import ReportingPeriod
from reports.submissions import reopen_submission, submit_report
from reports.unit_changes import (
    ChangeRefused,
    NewUnit,
    apply_change,
    plan_close,
    plan_merge,
    plan_split,
    undo_change,
    undo_problems,
)
from units.models import Member, Unit, UnitChange, UnitKind, UnitMove, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("unit_changes")]

DAY = datetime.date(2023, 7, 1)  # the merger's day: after dot-2 (21/4-20/6/2023)
BEFORE = datetime.date(2023, 6, 20)


def merge(district, day=DAY, **options):
    plan = plan_merge(units=[district["east"]], target=district["west"], day=day, **options)
    return plan, (apply_change(plan, user=district["admin"]) if not plan.errors else None)


def figures(day, units=None):
    results = build_results(plan_campaign(), as_of=day, units=units)
    return {u.code: (u.tally.members, u.tally.credited_full) for u in results.units}


def test_a_merger_is_previewed_then_moves_members_cases_sub_units_and_roles(district):
    plan = plan_merge(units=[district["east"]], target=district["west"], day=DAY)
    assert plan.errors == []
    assert (plan.member_count, plan.cases, len(plan.subunits), len(plan.roles)) == (1, 7, 1, 1)
    assert Member.objects.get(pk=district["guide"].pk).unit == district["east"]  # nothing yet
    change = apply_change(plan, user=district["admin"])
    assert change.made_by == district["admin"]
    assert change.summary["from"] == [["DXA", "Đoàn xã Mường Lạn"]]
    assert change.summary["to"] == [["DXB", "Đoàn xã Mường Cai"]]
    east = Unit.objects.get(code="DXA")
    assert east.valid_to == DAY - datetime.timedelta(days=1)  # it keeps its code
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXB"
    assert Unit.objects.get(code="CDA").parent.code == "DXB"
    assert UnitRole.objects.get(user=district["secretary"]).unit.code == "DXB"
    version = Member.history.filter(id=district["guide"].pk).latest("history_date")
    assert version.unit_id == district["west"].pk and version.history_user == district["admin"]
    assert version.history_change_reason == "Sáp nhập · 01/07/2023"
    closed = Unit.history.filter(id=district["east"].pk).latest("history_date")
    assert closed.valid_to == datetime.date(2023, 6, 30)
    assert set(UnitMove.objects.values_list("what", flat=True)) == {
        "member",
        "subunit",
        "role",
        "closed",
    }


def test_figures_before_the_day_show_the_units_as_they_were_and_from_it_as_they_are(district):
    before = figures(BEFORE)
    merge(district)
    assert figures(BEFORE) == before
    assert before["DXA"] == (2, 9) and before["DXB"] == (1, 2)
    after = figures(datetime.date(2023, 7, 31))
    assert after["DXA"] == (0, 0) and after["DXB"] == (3, 12)
    assert after["HD"] == (3, 12)
    # The day itself is the first of the new tree.
    assert figures(DAY)["DXB"] == (3, 11)


def test_campaign_results_as_of_follows_the_same_rule(district):
    merge(district)

    def units_of(day):
        out = io.StringIO()
        call_command("campaign_results", "--as-of", day.isoformat(), stdout=out)
        data = json.loads(out.getvalue())
        return (
            {u["code"]: (u["members"], u["credited_full"]) for u in data["units"]},
            {m["name"]: m["unit"] for m in data["members"]},
        )

    units, members = units_of(BEFORE)
    assert units["DXA"] == (2, 9) and members["Hà Văn Khánh"] == "DXA"
    units, members = units_of(datetime.date(2023, 7, 31))
    assert units["DXA"] == (0, 0) and members["Hà Văn Khánh"] == "DXB"


def report_bytes(district, period):
    """Every part of the report workbook, byte for byte, but the moment it was written (the
    zip entries' times and the document's created/modified stamps)."""
    target = io.BytesIO()
    export_report(
        target, campaign=plan_campaign(), user=district["admin"], period=period, live=True
    )
    with zipfile.ZipFile(target) as workbook:
        parts = {name: workbook.read(name) for name in workbook.namelist()}
    parts["docProps/core.xml"] = re.sub(
        rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", parts["docProps/core.xml"]
    )
    return parts


def test_a_report_for_a_period_before_a_merger_is_byte_for_byte_the_same(district):
    period = ReportingPeriod.objects.get(slug="dot-2")
    scoped = report_bytes(district, period)
    merge(district)
    assert report_bytes(district, period) == scoped
    # and a period after it shows the merged tree
    july = ReportingPeriod.objects.get(slug="thang-07-2023")
    assert report_bytes(district, july) != scoped


def test_a_submitted_report_never_changes_with_a_merger(district):
    period = ReportingPeriod.objects.get(slug="thang-07-2023")
    submission = submit_report(
        period=period,
        unit=district["youth"],
        user=district["admin"],
        now=datetime.datetime(2023, 8, 1, 9, tzinfo=datetime.UTC),
    )
    frozen = json.dumps(submission.report, sort_keys=True)
    plan = plan_merge(units=[district["east"]], target=district["west"], day=DAY)
    assert plan.errors == [
        "Ngày 01/07/2023 nằm trong kỳ “Báo cáo tháng bảy năm 2023” mà Huyện Đoàn (HD) đã gửi "
        "báo cáo: hãy mở lại báo cáo đó trước (Báo cáo đã gửi, Huyện Đoàn (HD), Báo cáo "
        "tháng bảy năm 2023)."
    ]
    with pytest.raises(ChangeRefused):
        apply_change(plan, user=district["admin"])
    assert not UnitChange.objects.exists()
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXA"
    reopen_submission(submission=submission, user=district["admin"], reason="Sáp nhập xã")
    plan, change = merge(district)
    assert change is not None
    submission.refresh_from_db()
    assert json.dumps(submission.report, sort_keys=True) == frozen


@pytest.mark.parametrize(
    "case,expected",
    [
        (
            "kind",
            "Đoàn xã Mường Lạn (DXA) thuộc loại Đoàn, còn Hội LHPN huyện (HPN) thuộc loại "
            "Hội Phụ nữ: chỉ sáp nhập vào đơn vị cùng loại.",
        ),
        (
            "own sub-unit",
            "Không thể sáp nhập Đoàn xã Mường Lạn (DXA) vào Chi đoàn bản Huổi (CDA), một đơn "
            "vị trực thuộc của chính nó.",
        ),
        ("future", "Ngày thay đổi không được sau hôm nay."),
    ],
)
def test_a_merger_refused_says_why_in_vietnamese_and_writes_nothing(district, case, expected):
    target = {"kind": district["women"], "own sub-unit": district["branch"]}.get(
        case, district["west"]
    )
    day = datetime.date(2999, 1, 1) if case == "future" else DAY
    plan = plan_merge(units=[district["east"]], target=target, day=day)
    assert expected in plan.errors
    with pytest.raises(ChangeRefused):
        apply_change(plan, user=district["admin"])
    assert not UnitChange.objects.exists() and not UnitMove.objects.exists()
    assert Unit.objects.get(code="DXA").valid_to is None


def test_a_split_that_leaves_a_member_unplaced_is_refused(district):
    plan = plan_split(
        unit=district["east"],
        day=DAY,
        new_units=[NewUnit("DXA1", "Đoàn xã Mường Lạn 1", UnitKind.YOUTH_UNION)],
        members={},
        subunits={district["branch"].pk: "DXA1"},
    )
    assert "Thành viên Hà Văn Khánh chưa được xếp vào đơn vị mới nào." in plan.errors
    with pytest.raises(ChangeRefused):
        apply_change(plan, user=district["admin"])
    assert not Unit.objects.filter(code="DXA1").exists()


def test_a_split_makes_the_new_units_and_the_past_keeps_the_old_one(district):
    before = figures(BEFORE)
    plan = plan_split(
        unit=district["east"],
        day=DAY,
        new_units=[
            NewUnit("DXA1", "Đoàn xã Mường Lạn 1", UnitKind.YOUTH_UNION),
            NewUnit("DXA2", "Đoàn xã Mường Lạn 2", UnitKind.YOUTH_UNION),
        ],
        members={district["guide"].pk: "DXA2"},
        subunits={district["branch"].pk: "DXA1"},
    )
    assert plan.errors == []
    assert [count for _new, count in plan.new_unit_counts] == [0, 1]
    apply_change(plan, user=district["admin"])
    assert Unit.objects.get(code="DXA1").parent.code == "HD"
    assert Unit.objects.get(code="CDA").parent.code == "DXA1"
    assert UnitRole.objects.get(user=district["secretary"]).unit.code == "DXA1"
    assert figures(BEFORE) == before  # no DXA1, DXA2 before the day
    after = figures(datetime.date(2023, 7, 31))
    assert after["DXA1"] == (1, 3) and after["DXA2"] == (1, 7) and after["DXA"] == (0, 0)


def test_undo_puts_everything_back(district):
    before = (figures(BEFORE), figures(datetime.date(2023, 7, 31)))
    _plan, change = merge(district)
    assert undo_problems(change) == []
    undo_change(change, user=district["admin"])
    change.refresh_from_db()
    assert change.undone_by == district["admin"] and change.undone_at is not None
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXA"
    assert Unit.objects.get(code="CDA").parent.code == "DXA"
    assert Unit.objects.get(code="DXA").valid_to is None
    assert UnitRole.objects.get(user=district["secretary"]).unit.code == "DXA"
    assert (figures(BEFORE), figures(datetime.date(2023, 7, 31))) == before
    with pytest.raises(ChangeRefused):
        undo_change(change, user=district["admin"])


def test_undo_of_a_split_removes_the_units_it_made(district):
    plan = plan_split(
        unit=district["east"],
        day=DAY,
        new_units=[NewUnit("DXA1", "Đoàn xã Mường Lạn 1", UnitKind.YOUTH_UNION)],
        members={district["guide"].pk: "DXA1"},
        subunits={district["branch"].pk: "DXA1"},
    )
    change = apply_change(plan, user=district["admin"])
    undo_change(change, user=district["admin"])
    assert not Unit.objects.filter(code="DXA1").exists()
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXA"
    assert UnitRole.objects.get(user=district["secretary"]).unit.code == "DXA"


def test_no_undo_once_a_report_covering_the_day_is_submitted(district):
    _plan, change = merge(district)
    submit_report(
        period=ReportingPeriod.objects.get(slug="thang-07-2023"),
        unit=district["youth"],
        user=district["admin"],
        now=datetime.datetime(2023, 8, 1, 9, tzinfo=datetime.UTC),
    )
    problems = undo_problems(change)
    assert problems == [
        "Báo cáo kỳ “Báo cáo tháng bảy năm 2023” của Huyện Đoàn (HD), kỳ có ngày 01/07/2023, "
        "đã được gửi: không thể hoàn tác thay đổi này nữa."
    ]
    with pytest.raises(ChangeRefused):
        undo_change(change, user=district["admin"])
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXB"


def test_a_secretary_of_a_merged_unit_sees_the_unit_it_merged_into(client, district):
    merge(district)
    secretary = district["secretary"]
    visible = set(Unit.objects.visible_to(secretary).values_list("code", flat=True))
    assert visible == {"DXB", "CDA"}  # not the closed DXA, nor the district
    assert Member.objects.visible_to(secretary).filter(pk=district["guide"].pk).exists()
    client.force_login(secretary)
    assert client.get(reverse("units:unit_detail", args=["DXB"])).status_code == 200
    assert client.get(reverse("units:unit_detail", args=["DXA"])).status_code == 404
    # Figures before the day over their scope: the unit they hold now, as it stood then.
    scoped = figures(BEFORE, Unit.objects.visible_to(secretary))
    assert scoped == {"DXB": (1, 2)}


def test_a_secretary_the_admin_keeps_stays_with_the_merged_unit(district):
    role = UnitRole.objects.get(user=district["secretary"])
    merge(district, keep_roles=[role.pk])
    assert UnitRole.objects.get(user=district["secretary"]).unit.code == "DXA"
    assert set(Unit.objects.visible_to(district["secretary"]).values_list("code", flat=True)) == {
        "DXA"
    }


def test_a_workbook_naming_a_merged_unit_is_read_with_a_warning_and_goes_to_its_target(
    district, tmp_path
):
    merge(district)
    path = tmp_path / "thanh-vien.xlsx"
    build_xlsx(
        path,
        {
            "Thành viên": [
                MEMBER_HEADERS,
                ["DXA", "Điêu Văn Mới", "014099123456", "Đoàn viên/Hội viên", "", ""],
            ]
        },
    )
    plan = import_workbook(path, campaign=plan_campaign(), user=district["admin"])
    assert plan.errors == []
    assert any(
        "đơn vị đã sáp nhập vào Đoàn xã Mường Cai từ ngày 01/07/2023" in str(w)
        for w in plan.warnings
    )
    assert Member.objects.get(id_number="014099123456").unit.code == "DXB"


def test_closing_a_unit_keeps_its_members_counted(district):
    plan = plan_close(unit=district["branch"], day=DAY)
    assert plan.errors == []
    apply_change(plan, user=district["admin"])
    assert Unit.objects.get(code="CDA").valid_to == datetime.date(2023, 6, 30)
    assert figures(datetime.date(2023, 7, 31))["CDA"] == (1, 3)
    refused = plan_close(unit=district["east"], day=DAY)
    assert refused.errors == [] or "còn đơn vị trực thuộc" not in refused.errors[0]


def test_a_later_change_must_be_undone_before_an_earlier_one(district):
    _plan, first = merge(district)
    third = UnitFactory(code="DXC", name="Đoàn xã Nậm Ty", parent=district["youth"])
    plan = plan_merge(units=[Unit.objects.get(code="DXB")], target=third, day=DAY)
    assert plan.errors == []
    later = apply_change(plan, user=district["admin"])
    assert undo_problems(first) == [
        f"Có thay đổi sau đó ({later}) liên quan đến các đơn vị này: hãy hoàn tác thay đổi "
        "đó trước."
    ]


# --- The pages ----------------------------------------------------------------------------


def test_the_merge_page_previews_then_confirms(client, district):
    client.force_login(district["admin"])
    url = reverse("unit_changes:merge")
    data = {
        "units": [district["east"].pk],
        "target": district["west"].pk,
        "day": "01/07/2023",
        "step": "preview",
    }
    page = client.post(url, data)
    assert page.status_code == 200
    assert page.context["plan"].member_count == 1
    assert "Xác nhận thay đổi" in page.content.decode()
    assert not UnitChange.objects.exists()  # a preview writes nothing
    done = client.post(url, {**data, "step": "confirm"})
    assert done.status_code == 302
    assert UnitChange.objects.get().target == district["west"]
    listing = client.get(reverse("unit_changes:list")).content.decode()
    assert "Đoàn xã Mường Lạn (DXA)" in listing and "Hoàn tác" in listing
    change = UnitChange.objects.get()
    client.post(reverse("unit_changes:undo", args=[change.pk]))
    change.refresh_from_db()
    assert change.undone_at is not None


def test_the_merge_page_refuses_in_vietnamese_and_writes_nothing(client, district):
    client.force_login(district["admin"])
    page = client.post(
        reverse("unit_changes:merge"),
        {
            "units": [district["east"].pk],
            "target": district["branch"].pk,
            "day": "01/07/2023",
            "step": "confirm",
        },
    )
    assert page.status_code == 200
    assert "một đơn vị trực thuộc của chính nó" in page.content.decode()
    assert not UnitChange.objects.exists()


def test_the_split_page_places_every_member(client, district):
    client.force_login(district["admin"])
    url = reverse("unit_changes:split", args=["DXA"])
    assert client.get(url).status_code == 200
    data = {
        "day": "01/07/2023",
        "code_1": "DXA1",
        "name_1": "Đoàn xã Mường Lạn 1",
        "kind_1": UnitKind.YOUTH_UNION,
        "kind_2": UnitKind.YOUTH_UNION,
        "kind_3": UnitKind.YOUTH_UNION,
        f"sub_{district['branch'].pk}": "1",
        "step": "confirm",
    }
    page = client.post(url, data)
    assert "Thành viên Hà Văn Khánh chưa được xếp vào đơn vị mới nào." in page.content.decode()
    assert not Unit.objects.filter(code="DXA1").exists()
    client.post(url, {**data, f"member_{district['guide'].pk}": "1"})
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXA1"


def test_only_administrators_change_units(client, district):
    client.force_login(district["secretary"])
    assert client.get(reverse("unit_changes:list")).status_code == 403
    assert client.post(reverse("unit_changes:merge"), {}).status_code == 403
    outsider = UserFactory()
    UnitRoleFactory(user=outsider, unit=district["women"], role=UnitRole.Role.ADMIN)
    client.force_login(outsider)
    page = client.post(
        reverse("unit_changes:merge"),
        {"units": [district["east"].pk], "target": district["west"].pk, "day": "01/07/2023"},
    )
    assert page.status_code == 200 and "units" in page.context["form"].errors
    assert not UnitChange.objects.exists()


def test_the_unit_page_shows_the_change(client, district):
    merge(district)
    client.force_login(district["admin"])
    page = client.get(reverse("units:unit_detail", args=["DXA"])).content.decode()
    assert "01/07/2023: Sáp nhập" in page and "Đoàn xã Mường Cai (DXB)" in page


def test_cases_follow_their_guide(district):
    merge(district)
    assert Case.objects.filter(member__unit__code="DXB").count() == 9


def test_the_admin_opens_the_preview_with_the_units_chosen_and_undoes(client, district):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    east = district["east"]
    response = client.post(
        "/admin/units/unit/", {"action": "merge_selected", "_selected_action": [east.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('unit_changes:merge')}?units={east.pk}"
    page = client.get(response["Location"])
    assert page.context["form"]["units"].value() == [str(east.pk)]
    response = client.post(
        "/admin/units/unit/", {"action": "split_selected", "_selected_action": [east.pk]}
    )
    assert response["Location"] == reverse("unit_changes:split", args=["DXA"])
    _plan, change = merge(district)
    response = client.post(
        "/admin/units/unitchange/", {"action": "undo_selected", "_selected_action": [change.pk]}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.undone_at is not None
    assert Member.objects.get(pk=district["guide"].pk).unit.code == "DXA"


def test_what_a_new_unit_gained_after_a_split_stood_in_the_unit_it_was_split_from(district):
    plan = plan_split(
        unit=district["east"],
        day=DAY,
        new_units=[NewUnit("DXA1", "Đoàn xã Mường Lạn 1", UnitKind.YOUTH_UNION)],
        members={district["guide"].pk: "DXA1"},
        subunits={district["branch"].pk: "DXA1"},
    )
    apply_change(plan, user=district["admin"])
    new = Unit.objects.get(code="DXA1")
    later = MemberFactory(unit=new, full_name="Vì Thị Mới")
    add_full_cases(later, 2)
    UnitFactory(code="CDM", name="Chi đoàn mới", parent=new)
    before = build_results(plan_campaign(), as_of=BEFORE)
    assert {m.name: m.unit_code for m in before.members}["Vì Thị Mới"] == "DXA"
    assert before.unit("DXA").tally.members == 3 and before.unit("CDM").parent_id == (
        district["east"].pk
    )
    assert before.unit("DXA1") is None
    assert len(before.members) == Member.objects.count()  # every member on the roster
