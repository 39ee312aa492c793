import datetime
import importlib
import json

import pytest
from django.urls import reverse

from campaign.activities import PLAN_KINDS, Activity, ActivityKind
from campaign.activity_yield import compute_yield
from campaign.claims import refresh_rule_inputs
from campaign.models import Case
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitRoleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("activities")]

SATURDAY = datetime.date(2023, 5, 6)


def user_with(role, unit):
    user = UnitRoleFactory(unit=unit, role=role).user
    user.save()
    return user


def kind(code="volunteer_saturday"):
    return ActivityKind.objects.get(code=code, campaign=None)


def activity(*organisers, day=SATURDAY, members=(), kind_code="volunteer_saturday", **extra):
    made = Activity.objects.create(
        campaign=plan_campaign(), kind=kind(kind_code), starts_on=day, **extra
    )
    made.organisers.set(organisers)
    made.members.set(members)
    return made


def activity_post(organisers, **extra):
    data = {
        "kind": kind().pk,
        "starts_on": "06/05/2023",
        "place": "Nhà văn hóa bản Củ",
        "commune": "Xã A",
        "organisers": [u.pk for u in organisers],
        "hours": "4",
        "banners": "2",
        "posters": "5",
        "leaflets": "100",
    }
    data.update(extra)
    return data


# --- The plan's kinds ---------------------------------------------------------------------


def test_the_plans_kinds_are_there_for_every_campaign():
    codes = set(ActivityKind.objects.for_campaign(plan_campaign()).values_list("code", flat=True))
    assert {"volunteer_saturday", "training", "conference", "market", "post"} <= codes
    assert kind().repeats_weekly and kind("post").is_post


def test_a_campaign_may_add_a_kind_offered_only_to_it(district):
    other = ActivityKind.objects.create(campaign=plan_campaign(), code="hoi-thi", name="Hội thi")
    assert other in ActivityKind.objects.for_campaign(plan_campaign())


# --- Recording an activity ----------------------------------------------------------------


def test_a_secretary_records_a_joint_activity_with_the_police(client, district):
    client.force_login(district["secretary"])
    # Another tree's units are not listed (not even their names): the police post is
    # named by its code.
    form = client.get(reverse("campaign:activity_create")).context["form"]
    assert district["police"] not in form.fields["organisers"].queryset
    assert (
        district["police"].name
        not in client.get(reverse("campaign:activity_create")).content.decode()
    )
    post = activity_post([district["a"]], members=[district["guide_a"].pk], partners="cax")
    response = client.post(reverse("campaign:activity_create"), post)
    assert response.status_code == 302, response.content.decode()
    saved = Activity.objects.get()
    assert set(saved.organisers.all()) == {district["a"], district["police"]}
    assert list(saved.members.all()) == [district["guide_a"]]
    assert (saved.banners, saved.posters, saved.leaflets) == (2, 5, 100)
    assert saved.code == f"HD{saved.pk:06d}"
    # Visible to each organising unit's users, not to a sibling commune's.
    for user, sees in (
        (district["police_secretary"], True),
        (district["secretary"], True),
        (district["branch_secretary"], True),  # below an organiser: enters its cases
        (district["outsider"], False),
    ):
        client.force_login(user)
        page = client.get(reverse("campaign:activity_list")).content.decode()
        assert ("Nhà văn hóa bản Củ" in page) is sees, user


def test_an_activity_needs_a_kind_a_day_and_one_of_the_users_units(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:activity_create"),
        activity_post([], kind="", starts_on="", partners="CAX"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["kind"] == ["Hãy chọn loại hoạt động."]
    assert errors["starts_on"] == ["Hãy nhập ngày tổ chức hoạt động."]
    assert errors["organisers"] == ["Hãy chọn ít nhất một đơn vị tổ chức."]
    # A unit the user only reads is not enough: one must be a unit whose data they enter.
    reader = district["secretary"]
    UnitRoleFactory(user=reader, unit=district["top"], role=UnitRole.Role.VIEWER)
    response = client.post(reverse("campaign:activity_create"), activity_post([district["top"]]))
    assert response.context["form"].errors["organisers"] == [
        "Ít nhất một đơn vị tổ chức phải là đơn vị bạn được nhập dữ liệu."
    ]
    assert not Activity.objects.exists()


def test_an_end_day_before_the_start_is_refused_in_vietnamese(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:activity_create"),
        activity_post([district["a"]], starts_on="06/05/2023", ends_on="05/05/2023"),
    )
    assert response.status_code == 200
    message = response.context["form"].errors["ends_on"][0]
    assert "05/05/2023" in message and "06/05/2023" in message
    assert not Activity.objects.exists()


def test_a_volunteer_saturday_repeats_one_activity_each_saturday(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:activity_create"),
        activity_post([district["a"]], repeat_until="27/05/2023"),
    )
    assert response.status_code == 302
    days = list(Activity.objects.order_by("starts_on").values_list("starts_on", flat=True))
    assert days == [SATURDAY + datetime.timedelta(weeks=n) for n in range(4)]
    first, *repeats = Activity.objects.order_by("starts_on")
    assert all(r.series == first and list(r.organisers.all()) == [district["a"]] for r in repeats)
    assert first.leaflets == 100 and all(r.leaflets == 0 for r in repeats)


def test_a_repeat_starts_on_a_saturday_and_only_for_a_weekly_kind(client, district):
    client.force_login(district["secretary"])
    friday = client.post(
        reverse("campaign:activity_create"),
        activity_post([district["a"]], starts_on="05/05/2023", repeat_until="27/05/2023"),
    )
    assert friday.context["form"].errors["starts_on"]
    conference = client.post(
        reverse("campaign:activity_create"),
        activity_post([district["a"]], kind=kind("conference").pk, repeat_until="27/05/2023"),
    )
    assert conference.context["form"].errors["repeat_until"]
    assert not Activity.objects.exists()


def test_a_viewer_may_not_record_and_an_outsider_may_not_change(client, district):
    client.force_login(district["viewer"])
    assert client.get(reverse("campaign:activity_create")).status_code == 403
    held = activity(district["a"])
    client.force_login(district["outsider"])
    assert client.get(reverse("campaign:activity_edit", args=[held.pk])).status_code == 404
    client.force_login(district["police_secretary"])  # sees nothing of commune A's own
    assert client.get(reverse("campaign:activity_edit", args=[held.pk])).status_code == 404


def test_editing_keeps_members_of_other_units_counted_not_named(client, district):
    held = activity(district["a"], district["police"], members=[district["officer"]])
    client.force_login(district["secretary"])
    page = client.get(reverse("campaign:activity_edit", args=[held.pk]))
    assert "Tòng Văn Công An" not in page.content.decode()
    response = client.post(
        reverse("campaign:activity_edit", args=[held.pk]),
        activity_post([district["a"]], members=[district["guide_a"].pk]),
    )
    assert response.status_code == 302
    assert set(held.members.all()) == {district["officer"], district["guide_a"]}
    assert set(held.organisers.all()) == {district["a"], district["police"]}  # kept


def test_a_partner_of_an_earlier_joint_activity_is_offered_to_tick_no_other(client, district):
    create = reverse("campaign:activity_create")
    client.force_login(district["secretary"])
    assert list(client.get(create).context["form"].fields["known_partners"].queryset) == []
    assert "known_partners" not in client.get(create).content.decode()  # no empty list shown
    first = activity(district["a"], district["police"])
    form = client.get(create).context["form"]
    assert list(form.fields["known_partners"].queryset) == [district["police"]]
    response = client.post(
        create,
        activity_post([district["a"]], known_partners=[district["police"].pk], place="Bản Mới"),
    )
    assert response.status_code == 302, response.context["form"].errors
    made = Activity.objects.get(place="Bản Mới")
    assert set(made.organisers.all()) == {district["a"], district["police"]}
    # Changing the first: the police is already an organiser (kept), not offered again.
    edit = client.get(reverse("campaign:activity_edit", args=[first.pk])).context["form"]
    assert list(edit.fields["known_partners"].queryset) == []
    # A sibling commune sees no joint activity with the police: nothing offered, and a
    # tampered choice is refused.
    client.force_login(district["outsider"])
    assert list(client.get(create).context["form"].fields["known_partners"].queryset) == []
    response = client.post(
        create, activity_post([district["b"]], known_partners=[district["police"].pk])
    )
    assert response.status_code == 200 and response.context["form"].errors["known_partners"]
    assert district["police"].name not in response.content.decode()
    assert Activity.objects.count() == 2


def test_a_partner_code_no_open_unit_has_is_refused(client, district):
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:activity_create"), activity_post([district["a"]], partners="CAX, KHONG")
    )
    assert response.status_code == 200
    assert "KHONG" in response.context["form"].errors["partners"][0]
    assert not Activity.objects.exists()


# --- Linking cases ------------------------------------------------------------------------


def quick_post(member, activity_pk, id_number="014090123234", **extra):
    return {
        "member": member.pk,
        "id_number": id_number,
        "full_name": "Quàng Thị Mai",
        "eid_level": "2",
        "activated_on": "06/05/2023",
        "portal_used": "on",
        "activity": activity_pk or "",
        **extra,
    }


def test_quick_entry_offers_the_days_activity_first_and_links_the_case(
    client, district, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: SATURDAY)
    older = activity(district["a"], day=SATURDAY - datetime.timedelta(days=7))
    today = activity(district["top"], day=SATURDAY, place="Chợ trung tâm")
    client.force_login(district["branch_secretary"])
    page = client.get(reverse("campaign:quick_entry"))
    offered = page.context["form"].fields["activity"].offered
    assert offered[:2] == [today, older]
    response = client.post(
        reverse("campaign:quick_entry"), quick_post(district["guide_branch"], today.pk)
    )
    assert response.status_code == 302
    assert Case.objects.get().activity == today


def test_linking_a_case_to_an_activity_outside_the_users_scope_is_refused(client, district):
    elsewhere = activity(district["b"])
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:quick_entry"), quick_post(district["guide_a"], elsewhere.pk)
    )
    assert response.status_code == 200
    assert "không thuộc" in response.context["form"].errors["activity"][0]
    assert not Case.objects.exists()


def test_the_case_form_the_paper_list_and_a_change_refuse_an_activity_outside_scope(
    client, district
):
    elsewhere = activity(district["b"], day=datetime.date(2023, 5, 2))
    mine = activity(district["a"], day=datetime.date(2023, 5, 2))
    client.force_login(district["secretary"])
    data = {
        "id_number": "014090123234",
        "full_name": "Quàng Thị Mai",
        "member": district["guide_a"].pk,
        "eid_level": "2",
        "activated_on": "02/05/2023",
        "portal_used": "on",
        "guided_on": "2/5/2023",
        "category": "resident",
        "activity": elsewhere.pk,
    }
    refused = "Hoạt động này không thuộc các đơn vị của bạn."
    response = client.post(reverse("campaign:case_create"), data)
    assert response.context["form"].errors["activity"] == [refused]
    assert not Case.objects.exists()
    rows = {
        "list-member": district["guide_a"].pk,
        "list-guided_on": "02/05/2023",
        "list-activity": elsewhere.pk,
        "rows-TOTAL_FORMS": "10",
        "rows-INITIAL_FORMS": "0",
        "rows-0-id_number": "014090123235",
        "rows-0-full_name": "Lò Thị Một",
    }
    response = client.post(reverse("campaign:batch_entry"), rows)
    assert response.status_code == 200 and not Case.objects.exists()
    assert refused in response.content.decode()
    # A recorded case changed to name an activity outside the user's units: refused, and the
    # case keeps the activity it had.
    assert (
        client.post(reverse("campaign:case_create"), {**data, "activity": mine.pk}).status_code
        == 302
    )
    case = Case.objects.get()
    response = client.post(reverse("campaign:case_edit", args=[case.pk]), data)
    assert response.context["form"].errors["activity"] == [refused]
    case.refresh_from_db()
    assert case.activity == mine


def test_an_activity_of_another_campaign_is_refused_by_every_write_path(district):
    from django.core.exceptions import ValidationError

    from campaign import services
    from campaign.models import Campaign

    other = Campaign.objects.create(
        slug="khac",
        name="Chiến dịch khác",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 12, 31),
        activation_starts_on=datetime.date(2024, 1, 1),
    )
    foreign = Activity.objects.create(campaign=other, kind=kind(), starts_on=SATURDAY)
    foreign.organisers.set([district["a"]])
    with pytest.raises(ValidationError) as refused:
        services.case_create(
            campaign=plan_campaign(),
            member=district["guide_a"],
            resident_data={"id_number": "014090123234", "full_name": "Lò Thị Mai"},
            case_data={"activity_id": foreign.pk},
            user=district["secretary"],
        )
    assert "chiến dịch" in " ".join(refused.value.messages)
    assert not Case.objects.exists()


def test_a_change_that_leaves_no_organiser_of_the_users_is_refused(client, district):
    held = activity(district["a"], district["police"])
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:activity_edit", args=[held.pk]), activity_post([], partners="CAX")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["organisers"]
    assert set(held.organisers.all()) == {district["a"], district["police"]}


def test_the_case_form_and_the_paper_list_link_cases(client, district):
    held = activity(district["a"], day=datetime.date(2023, 5, 2))
    client.force_login(district["secretary"])
    data = {
        "id_number": "014090123234",
        "full_name": "Quàng Thị Mai",
        "member": district["guide_a"].pk,
        "eid_level": "2",
        "activated_on": "02/05/2023",
        "portal_used": "on",
        "guided_on": "2/5/2023",
        "category": "resident",
        "activity": held.pk,
    }
    assert client.post(reverse("campaign:case_create"), data).status_code == 302
    case = Case.objects.get()
    assert case.activity == held
    page = client.get(reverse("campaign:case_edit", args=[case.pk]))
    assert page.context["form"].initial["activity"] == held.pk
    rows = {
        "list-member": district["guide_a"].pk,
        "list-guided_on": "02/05/2023",
        "list-activity": held.pk,
        "rows-TOTAL_FORMS": "10",
        "rows-INITIAL_FORMS": "0",
        "rows-0-id_number": "014090123235",
        "rows-0-full_name": "Lò Thị Một",
        "rows-1-id_number": "014090123236",
        "rows-1-full_name": "Lò Thị Hai",
    }
    response = client.post(reverse("campaign:batch_entry"), rows)
    assert response.status_code == 302, response.context["rows"].errors
    assert Case.objects.filter(activity=held).count() == 3


def test_the_days_activities_as_json_for_an_offline_page(client, district, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: SATURDAY)
    mine = activity(district["a"], place="Bản Củ")
    activity(district["b"], place="Bản Khác")
    client.force_login(district["secretary"])
    answer = json.loads(client.get(reverse("campaign:activities_today")).content)
    assert [a["id"] for a in answer["activities"]] == [mine.pk]
    assert answer["activities"][0]["today"] is True
    assert answer["day"] == "2023-05-06"


# --- The yield ----------------------------------------------------------------------------


def test_the_yield_matches_a_plain_count_of_the_cases_naming_each_activity(district):
    saturday = activity(
        district["a"],
        district["police"],
        members=[district["guide_a"], district["officer"]],
        hours=4,
        leaflets=90,
        posters=10,
        commune="Xã A",
    )
    market = activity(
        district["b"], kind_code="market", members=[district["guide_b"]], hours=2, commune="Xã B"
    )
    credited = CaseFactory(member=district["guide_a"], activity=saturday)
    CaseFactory(member=district["officer"], activity=saturday)  # another tree: counted
    CaseFactory(member=district["guide_a"], activity=saturday, eid_level=None, activated_on=None)
    early = datetime.date(2023, 4, 1)  # before the campaign: not credited
    CaseFactory(member=district["guide_b"], activity=market, activated_on=early)
    CaseFactory(member=district["guide_b"], activity=market)
    CaseFactory(member=district["guide_b"])  # at no activity
    double = ResidentFactory()  # a double claim: credited to nobody
    CaseFactory(member=district["guide_a"], resident=double, activity=saturday)
    CaseFactory(member=district["guide_b"], resident=double, activity=market)
    refresh_rule_inputs(resident_ids=Case.objects.values_list("resident_id", flat=True))
    as_of = datetime.date(2023, 6, 30)

    found = compute_yield(plan_campaign(), as_of=as_of)
    rows = {row.pk: row for row in found.activities}
    from campaign import rules

    for held in (saturday, market):
        plain = Case.objects.filter(activity=held)
        assert rows[held.pk].cases == plain.count()
        assert (
            rows[held.pk].credited
            == plain.filter(rules.credited_full(plan_campaign(), as_of)).count()
        )
    assert (rows[saturday.pk].cases, rows[saturday.pk].credited) == (4, 2)
    assert (rows[market.pk].cases, rows[market.pk].credited) == (3, 1)
    assert credited.activity == saturday
    kinds = {group.label: group for group in found.kinds}
    saturdays = kinds["Ngày Thứ Bảy tình nguyện"]
    assert (saturdays.credited, saturdays.members, saturdays.member_hours) == (2, 2, 8)
    assert str(saturdays.per_member_hour) == "0.25"
    assert str(saturdays.materials_per_credited) == "50.00"
    assert str(kinds["Hướng dẫn tại chợ, phiên chợ"].per_member_hour) == "0.50"
    communes = dict(found.communes)
    assert [g.credited for g in communes["Xã A"]] == [2]
    members = {m.name: m for m in found.members}
    assert members["Lò Văn A"].own_credited == 1 and members["Lò Văn A"].credited == 2
    assert members["Tòng Văn Công An"].own_credited == 1
    assert found.total.cases == 7


def test_the_yield_over_a_scope_names_only_members_of_the_scope(district):
    from units.models import Member, Unit

    held = activity(district["a"], district["police"], members=[district["officer"]])
    CaseFactory(member=district["officer"], activity=held)
    refresh_rule_inputs(resident_ids=Case.objects.values_list("resident_id", flat=True))
    units = Unit.objects.subtree(district["a"])
    found = compute_yield(
        plan_campaign(),
        as_of=datetime.date(2023, 6, 30),
        units=units,
        visible_members=set(Member.objects.filter(unit__in=units).values_list("pk", flat=True)),
    )
    assert [row.credited for row in found.activities] == [1]  # counted
    assert [m.name for m in found.members] == ["Thành viên của đơn vị khác (không nêu tên)"]
    outside = compute_yield(
        plan_campaign(), as_of=datetime.date(2023, 6, 30), units=Unit.objects.subtree(district["b"])
    )
    assert outside.activities == []


def test_the_outreach_page_shows_the_yield_and_downloads_it(
    client, district, django_assert_max_num_queries
):
    held = activity(district["a"], members=[district["guide_a"]], place="Chợ Mường Lạn")
    CaseFactory(member=district["guide_a"], activity=held)
    refresh_rule_inputs(resident_ids=Case.objects.values_list("resident_id", flat=True))
    client.force_login(district["secretary"])
    url = reverse("dashboards:outreach")
    client.get(url, {"as_of": "30/06/2023"})  # the figures computed and kept
    with django_assert_max_num_queries(20):  # read back, however many activities
        page = client.get(url, {"as_of": "30/06/2023"})
    text = page.content.decode()
    assert "Chợ Mường Lạn" in text and "Ngày Thứ Bảy tình nguyện" in text
    table = page.context["activity_tables"]["activities"]
    assert [(r.cases, r.credited) for r in table.rows] == [(1, 1)]
    download = client.get(url, {"as_of": "30/06/2023", "kxlsx": "1"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(download.content)).active
    header = [c.value for c in sheet[1]]
    assert header == [str(c.label) for c in page.context["activity_tables"]["kinds"].columns]
    assert sheet.cell(2, 1).value == "Ngày Thứ Bảy tình nguyện"
    assert sheet.cell(2, 4).value == 1


def test_every_outreach_table_downloads_with_its_columns_and_rows_and_members_are_recorded(
    client, district
):
    from io import BytesIO

    from openpyxl import load_workbook

    from privacy.models import PersonalDataAccess

    saturday = activity(
        district["a"], members=[district["guide_a"]], place="Bản Củ", commune="Xã A", hours=4
    )
    market = activity(
        district["a"], kind_code="market", members=[district["guide_a"]], commune="Xã A"
    )
    CaseFactory(member=district["guide_a"], activity=saturday)
    CaseFactory(member=district["guide_a"], activity=market)
    refresh_rule_inputs(resident_ids=Case.objects.values_list("resident_id", flat=True))
    client.force_login(district["secretary"])
    url = reverse("dashboards:outreach")
    page = client.get(url, {"as_of": "30/06/2023"})
    tables = page.context["activity_tables"]
    assert set(tables) == {"activities", "kinds", "communes", "places", "weeks", "members"}
    for key, table in tables.items():
        download = client.get(url, {"as_of": "30/06/2023", table.download_param: "1"})
        assert download["Content-Type"].startswith("application/vnd.openxmlformats"), key
        sheet = load_workbook(BytesIO(download.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        columns = [c for c in table.columns if not c.screen_only]
        assert list(rows[0]) == [str(c.label) for c in columns], key
        assert len(rows) - 1 == len(list(table.rows)), key
    # Per kind, for the district and each commune: credited per member-hour, both tables.
    kinds = {r.label: r for r in tables["kinds"].rows}
    assert str(kinds["Ngày Thứ Bảy tình nguyện"].per_member_hour) == "0.25"
    communes = {(r.commune, r.label): r for r in tables["communes"].rows}
    assert str(communes[("Xã A", "Ngày Thứ Bảy tình nguyện")].per_member_hour) == "0.25"
    # The members' table names people: its download, and only it, is recorded.
    assert list(PersonalDataAccess.objects.values_list("rows", flat=True)) == [1]


# --- The workbook's "Hoạt động" column -----------------------------------------------------


def import_with_activity(tmp_path, district, cells, user):
    from campaign.importing import import_workbook
    from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row

    guide = district["guide_a"].id_number
    rows = [
        resident_row(f"Lò Thị {n}", f"0141950000{n:02d}", guide) + [cell]
        for n, cell in enumerate(cells, start=1)
    ]
    path = build_xlsx(
        tmp_path / "nguoi-dan.xlsx", {"Người dân": [RESIDENT_HEADERS + ["Hoat dong"], *rows]}
    )
    return import_workbook(path, campaign=plan_campaign(), user=user)


def test_the_workbook_names_an_activity_by_code_or_name(tmp_path, district):
    held = activity(district["a"], name="Thứ Bảy tình nguyện bản Củ")
    other = activity(district["a"], day=SATURDAY + datetime.timedelta(days=7))
    plan = import_with_activity(
        tmp_path,
        district,
        [held.code.lower(), "thu bay tinh nguyen ban cu", None, other.code],
        district["secretary"],
    )
    assert plan.ok, plan.errors
    linked = dict(Case.objects.values_list("resident__id_number", "activity_id"))
    assert linked == {
        "014195000001": held.pk,
        "014195000002": held.pk,
        "014195000003": None,
        "014195000004": other.pk,
    }


def test_an_unknown_or_foreign_activity_is_a_row_error_and_nothing_is_written(tmp_path, district):
    activity(district["a"], name="Chợ phiên")
    foreign = activity(district["b"], name="Của xã B")
    plan = import_with_activity(
        tmp_path, district, ["Chợ phiên", "Không có", foreign.code], district["secretary"]
    )
    assert not plan.ok
    assert [(e.row, e.column, e.code) for e in plan.errors] == [
        (3, "Hoat dong", "unknown_activity"),
        (4, "Hoat dong", "unknown_activity"),
    ]
    assert "Không có" in plan.errors[0].message
    assert not Case.objects.exists()


def test_a_name_two_activities_share_asks_for_the_code(tmp_path, district):
    activity(district["a"], name="Chợ phiên")
    activity(district["a"], name="Chợ phiên", day=SATURDAY + datetime.timedelta(days=7))
    plan = import_with_activity(tmp_path, district, ["Chợ phiên"], district["secretary"])
    assert [e.code for e in plan.errors] == ["ambiguous_activity"]
    assert not Case.objects.exists()


def test_the_template_offers_the_activity_column_at_the_end(tmp_path):
    from campaign.workbook import RESIDENTS

    assert RESIDENTS.columns[-1].header == "Hoạt động"


# --- The report workbook's "Hoạt động" sheet ----------------------------------------------


def test_the_report_workbook_ends_with_the_activities_sheet_read_back(tmp_path, district):
    from django.core.management import call_command

    from reports.tests.workbook_helpers import open_report, table, values

    saturday = activity(
        district["a"],
        district["police"],
        members=[district["guide_a"], district["officer"]],
        place="Bản Củ",
        ends_on=SATURDAY + datetime.timedelta(days=1),
    )
    activity(district["b"], kind_code="market", day=datetime.date(2023, 7, 1))  # after the day
    CaseFactory(member=district["guide_a"], activity=saturday)
    CaseFactory(member=district["officer"], activity=saturday, portal_used=False)
    refresh_rule_inputs(resident_ids=Case.objects.values_list("resident_id", flat=True))
    out = tmp_path / "bao-cao.xlsx"
    call_command("export_report", out=str(out), as_of="2023-06-20")
    book = open_report(out)
    assert book.sheetnames == [
        "Tổng hợp",
        "Thành viên",
        "Đề nghị khen thưởng",
        "Danh sách kèm theo",
        "Trùng lặp",
        "Hoạt động",
    ]
    [row] = values(table(book["Hoạt động"], "STT"))
    assert row[:4] == [1, saturday.code, str(saturday), "Ngày Thứ Bảy tình nguyện"]
    assert [v.date() if hasattr(v, "date") else v for v in row[4:6]] == [
        SATURDAY,
        SATURDAY + datetime.timedelta(days=1),
    ]
    assert row[6] == "Bản Củ"
    assert set(row[7].split("; ")) == {district["a"].name, district["police"].name}
    assert row[8:] == [2, 2, 1]


def test_the_district_administrator_adds_a_kind_in_the_admin_site(client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", password="x")
    client.force_login(admin)
    response = client.post(
        reverse("admin:campaign_activitykind_add"),
        {
            "campaign": plan_campaign().pk,
            "code": "hoi-thi",
            "name": "Hội thi tìm hiểu VNeID",
            "position": "200",
        },
    )
    assert response.status_code == 302
    added = ActivityKind.objects.get(code="hoi-thi")
    assert added in ActivityKind.objects.for_campaign(plan_campaign())


def test_a_district_of_thousands_of_members_is_not_a_list_of_checkboxes(
    client, district, monkeypatch
):
    from campaign import activity_forms

    monkeypatch.setattr(activity_forms, "MAX_MEMBER_CHOICES", 1)
    MemberFactory(unit=district["a"], full_name="Lò Văn Hai")
    client.force_login(district["secretary"])
    form = client.get(reverse("campaign:activity_create")).context["form"]
    assert form.too_many_members and list(form.fields["members"].queryset) == []
    held = activity(district["branch"], members=[district["guide_branch"]])
    form = client.get(reverse("campaign:activity_edit", args=[held.pk])).context["form"]
    # Editing: the members of the organising unit's tree only (here, one: listed).
    assert list(form.fields["members"].queryset) == [district["guide_branch"]]


def test_the_activity_list_reads_a_fixed_number_of_queries(
    client, district, django_assert_max_num_queries
):
    for n in range(30):
        held = activity(district["a"], district["police"], day=SATURDAY + datetime.timedelta(n))
        CaseFactory(member=district["guide_a"], activity=held)
    client.force_login(district["secretary"])
    with django_assert_max_num_queries(25):
        page = client.get(reverse("campaign:activity_list"))
    assert len(page.context["rows"]) == 30
    assert all((a.n_cases, a.n_credited) == (1, 1) for a in page.context["rows"])


def test_an_organiser_closed_since_is_kept_when_the_activity_is_changed(client, district):
    held = activity(district["a"], district["branch"])
    district["branch"].valid_to = datetime.date(2023, 6, 1)
    district["branch"].save()
    client.force_login(district["secretary"])
    response = client.post(
        reverse("campaign:activity_edit", args=[held.pk]),
        activity_post([district["a"], district["branch"]], place="Bản Mới"),
    )
    assert response.status_code == 302, response.context["form"].errors
    held.refresh_from_db()
    assert held.place == "Bản Mới"
    assert set(held.organisers.all()) == {district["a"], district["branch"]}


def test_the_plans_kinds_listed_in_code_are_those_the_migration_installs():
    migration = importlib.import_module("campaign.migrations.0013_activities")
    assert migration.PLAN_KINDS == PLAN_KINDS


@pytest.mark.django_db
def test_missing_plan_kinds_are_put_back_and_present_ones_left_as_they_are():
    ActivityKind.objects.filter(code="market").update(name="Chợ phiên (đổi tên)")
    ActivityKind.objects.filter(code="volunteer_saturday").delete()
    ActivityKind.objects.ensure_plan_kinds()
    plan = ActivityKind.objects.filter(campaign__isnull=True)
    assert sorted(plan.values_list("code", flat=True)) == sorted(k[0] for k in PLAN_KINDS)
    assert plan.get(code="market").name == "Chợ phiên (đổi tên)"
    assert plan.get(code="volunteer_saturday").repeats_weekly is True
