"""Submissions: frozen as sent, reopened with a reason, versions kept, used by the
consolidated report; and the completeness of reporting."""

import datetime
import hashlib
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from campaign import services
from campaign.claims import resolve_double_claim
from campaign.importing import import_workbook
from campaign.models import Case
from campaign.tests.factories import plan_campaign
from campaign.tests.helpers import add_case, add_full_cases
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from reports.completeness import State, cell_state, completeness
from reports.models import ExpectedUnit, Submission
from reports.submissions import late_corrections, reopen_submission, submit_report
from units.models import Unit, UnitRole
from units.tests.factories import MemberFactory, UnitRoleFactory, UserFactory

from .workbook_helpers import open_report, table, values

pytestmark = [pytest.mark.django_db, pytest.mark.district("submissions")]

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args):
    return datetime.datetime(*args, tzinfo=HANOI)


def submit(district, now=None, unit=None):
    now = now or local(2023, 6, 21, 9, 0)
    return submit_report(
        period=district["period"],
        unit=unit or district["youth"],
        user=district["secretary"],
        now=now,
    )


def digest(field):
    field.open("rb")
    try:
        return hashlib.sha256(field.read()).hexdigest()
    finally:
        field.close()


def test_a_submission_freezes_the_subtree_figures_and_named_list(district):
    submission = submit(district)
    top = submission.report["units"][0]
    assert (top["code"], top["members"], top["credited_full"]) == ("HD", 2, 25)
    assert submission.named_rows == 25 == len(submission.report["named"])
    assert submission.as_of == district["period"].ends_on
    sheet = open_report(submission.workbook.read())["Tổng hợp"]
    assert [r[0] for r in values(table(sheet, "Đơn vị"))] == [
        "Huyện Đoàn",
        "Đoàn xã 1",
        "Đoàn xã 2",
        "Tổng cộng",
    ]


def test_submitting_before_the_last_day_freezes_the_figures_of_that_day(district):
    add_case(district["guide"], activated_on=datetime.date(2023, 6, 15))
    submission = submit(district, now=local(2023, 6, 10, 8, 0))
    assert submission.as_of == datetime.date(2023, 6, 10)
    assert submission.report["units"][0]["credited_full"] == 25  # the 15/6 one is not yet
    sheet = open_report(submission.workbook.read())["Tổng hợp"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("số liệu tính đến hết ngày 10/06/2023, ngày gửi báo cáo" in t for t in texts)


def test_a_submitted_report_never_changes_whatever_happens_to_the_data(client, district, tmp_path):
    submission = submit(district)
    client.force_login(district["admin"])
    url = reverse("reports:submission", args=[submission.pk])
    before_page = client.get(url).context["units"]
    before_file = digest(submission.workbook)
    frozen = dict(submission.report)

    # Edit a case, import a workbook, resolve the double claim, move a member.
    case = Case.objects.filter(member=district["guide"]).first()
    services.case_update(
        case=case,
        member=case.member,
        resident_data={"id_number": case.resident.id_number, "full_name": "Tên mới"},
        case_data={"portal_used": False},
        user=district["admin"],
    )
    path = build_xlsx(
        tmp_path / "them.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("Lường Thị Mới", "014190009999", "014090000001"),
            ]
        },
    )
    assert import_workbook(path, campaign=plan_campaign(), user=district["admin"]).written
    resolve_double_claim(
        campaign=plan_campaign(),
        resident=district["shared"],
        awarded_to=district["guide"],
        reason="Đã xác minh",
        user=UserFactory(is_superuser=True),
    )
    services.member_update(member=district["mover"], user=district["admin"], unit=district["other"])

    submission.refresh_from_db()
    assert submission.report == frozen
    assert client.get(url).context["units"] == before_page
    assert digest(submission.workbook) == before_file
    changes = {code: diffs for code, _name, diffs in late_corrections(submission)}
    assert ("credited_full", 25, 26) in changes["HD"]  # -1 portal, +1 import, +1 resolution
    assert ("members", 2, 1) in changes["DX1"]


def test_a_unit_cannot_submit_twice_until_reopened_and_every_version_is_kept(district):
    first = submit(district)
    with pytest.raises(ValidationError):
        submit(district)
    with pytest.raises(PermissionDenied):
        reopen_submission(submission=first, user=district["secretary"], reason="sai")
    with pytest.raises(ValidationError):
        reopen_submission(submission=first, user=district["admin"], reason="   ")
    reopen_submission(submission=first, user=district["admin"], reason="Bổ sung danh sách")
    second = submit(district, now=local(2023, 6, 22, 9, 0))
    assert second.version == 2
    versions = Submission.objects.filter(unit=district["youth"]).order_by("version")
    assert [(v.version, v.reopen_reason) for v in versions] == [
        (1, "Bổ sung danh sách"),
        (2, ""),
    ]


def test_any_unit_submits_for_its_own_subtree_by_its_secretary_or_administrator(client, district):
    viewer = UnitRoleFactory(unit=district["youth"], role=UnitRole.Role.VIEWER).user
    with pytest.raises(PermissionDenied):
        submit_report(period=district["period"], unit=district["youth"], user=viewer)
    # rules.md: any unit may submit for its own subtree, expected or not.
    secretary = UnitRoleFactory(unit=district["commune"], role=UnitRole.Role.SECRETARY).user
    sent = submit_report(period=district["period"], unit=district["commune"], user=secretary)
    assert (sent.version, sent.unit) == (1, district["commune"])
    with pytest.raises(PermissionDenied):  # not the unit above it
        submit_report(period=district["period"], unit=district["youth"], user=secretary)
    # The completeness page offers it to them, and lists what they sent.
    client.force_login(secretary)
    html = client.get(reverse("reports:completeness")).content.decode()
    assert "Gửi báo cáo của đơn vị" in html  # none of theirs is expected
    assert f'<option value="{district["commune"].code}">' in html
    assert sent.get_absolute_url() in html


def test_the_consolidated_report_uses_submissions_and_marks_the_others(district, tmp_path):
    submit(district)
    add_full_cases(district["guide"], 4)  # after the submission: not in the district report
    out = tmp_path / "r.xlsx"
    call_command("export_report", out=str(out), period="dot-2")
    rows = {r[0]: r for r in values(table(open_report(out)["Tổng hợp"], "Đơn vị"))}
    assert rows["Huyện Đoàn"][5] == 25 and rows["Huyện Đoàn"][8].startswith("Đã gửi")
    assert rows["Hội LHPN huyện"][8].startswith("chưa gửi báo cáo")
    assert "20/06/2023" in rows["Hội LHPN huyện"][8]
    assert rows["Tổng cộng"][5] == 25
    named = values(table(open_report(out)["Danh sách kèm theo"], "STT"))
    assert len(named) == 25

    call_command("export_report", out=str(out), period="dot-2", live=True)
    rows = {r[0]: r for r in values(table(open_report(out)["Tổng hợp"], "Đơn vị"))}
    assert rows["Huyện Đoàn"][5] == 29 and rows["Tổng cộng"][5] == 29


def test_a_claim_made_after_a_unit_sent_its_report_says_the_report_credits_the_resident(
    district, tmp_path
):
    submit(district)
    credited = Case.objects.filter(member=district["guide"]).order_by("pk").first().resident
    add_case(district["officer"], credited)  # claimed again, after HD sent its report
    out = tmp_path / "r.xlsx"
    call_command("export_report", out=str(out), period="dot-2")
    book = open_report(out)
    named = {row[3] for row in values(table(book["Danh sách kèm theo"], "STT"))}
    assert credited.id_number in named  # the sent report's list, as it was sent
    [row] = [r for r in values(table(book["Trùng lặp"], "STT")) if r[2] == credited.id_number]
    assert row[5].startswith("Đã được tính trong báo cáo đã gửi của Huyện Đoàn")
    others = [r for r in values(table(book["Trùng lặp"], "STT")) if r[2] != credited.id_number]
    assert others and all(not r[5] for r in others)  # the claim made before it: no note


@pytest.mark.parametrize("period", ["abc", "", "99999", "1.5"])
def test_a_submission_for_no_period_is_not_found_not_a_server_error(client, district, period):
    client.force_login(district["secretary"])
    response = client.post(reverse("reports:submit"), {"period": period, "unit": "HD"})
    assert response.status_code == 404 and not Submission.objects.exists()


def test_a_submission_for_a_unit_not_theirs_is_refused_and_writes_nothing(client, district):
    client.force_login(district["secretary"])  # secretary of HD, not of the Women's Union
    period = district["period"].pk
    assert (
        client.post(reverse("reports:submit"), {"period": period, "unit": "HPN"}).status_code == 404
    )
    assert not Submission.objects.exists()


def test_a_report_reopened_and_not_sent_again_is_live_and_says_so(district, tmp_path):
    first = submit(district)
    reopen_submission(submission=first, user=district["admin"], reason="Bổ sung danh sách")
    add_full_cases(district["guide"], 4)  # the correction, not sent yet
    out = tmp_path / "r.xlsx"
    call_command("export_report", out=str(out), period="dot-2")
    rows = {r[0]: r for r in values(table(open_report(out)["Tổng hợp"], "Đơn vị"))}
    assert rows["Huyện Đoàn"][5] == 29  # live, as for a unit that has not sent
    assert rows["Huyện Đoàn"][8].startswith("chưa gửi báo cáo (bản đã gửi được mở lại ngày")
    [(unit, cells)] = [
        row
        for row in completeness(plan_campaign(), Unit.objects.all())[0]
        if row[0] == district["youth"]
    ]
    cell = next(c for c in cells if c.reopened is not None)
    assert cell.state == State.REOPENED and cell.reopened == first and cell.submission is None
    summary = next(
        s
        for s in completeness(plan_campaign(), Unit.objects.all())[2]
        if s.period == district["period"]
    )
    assert summary.total.submitted == 0  # counted again once sent again


def test_the_completeness_page_shows_a_reopened_report_to_send_again(client, district):
    reopen_submission(submission=submit(district), user=district["admin"], reason="Sai số")
    client.force_login(district["admin"])
    html = client.get(reverse("reports:completeness")).content.decode()
    assert "đã mở lại, chờ gửi lại" in html


def test_the_web_submits_as_a_job_shows_and_reopens(
    client, district, django_capture_on_commit_callbacks
):
    from jobs.models import Job

    client.force_login(district["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:submit"), {"period": district["period"].pk, "unit": "HD"}
        )
    job = Job.objects.get()
    assert response.url == job.get_absolute_url()
    submission = Submission.objects.get()
    assert submission.submitted_at == job.created_at
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Job.Status.DONE, 25, 25)
    assert job.result_url == reverse("reports:submission", args=[submission.pk])
    assert job.result_url in client.get(job.get_absolute_url()).content.decode()
    page = client.get(job.result_url)
    assert page.context["units"][0]["credited_full"] == 25 and not page.context["may_reopen"]
    type(submission.submitted_by).objects.filter(pk=submission.submitted_by_id).update(
        first_name="Lò Thị", last_name="Mai"
    )
    html = client.get(job.result_url).content.decode()
    assert "do Lò Thị Mai gửi lúc" in html  # named as people are, not by a sign-in name
    download = client.get(reverse("reports:submission_download", args=[submission.pk]))
    sent = b"".join(download.streaming_content)
    assert sent[:2] == b"PK"
    from privacy.models import PersonalDataAccess
    from privacy.subjects import subject_key

    record = PersonalDataAccess.objects.filter(action="export").latest("at")
    assert "Báo cáo đã gửi" in record.what and record.where == "127.0.0.1"
    # Every person of the workbook as sent: its named list and its "Trùng lặp" sheet.
    book = open_report(sent)
    held = {r[3] for r in values(table(book["Danh sách kèm theo"], "STT"))}
    held |= {r[2] for r in values(table(book["Trùng lặp"], "STT"))}
    assert len(held) > 25 and record.rows == len(held)
    assert {s.subject for s in record.subjects.all()} == {subject_key(n) for n in held}
    client.force_login(district["admin"])
    client.post(reverse("reports:reopen", args=[submission.pk]), {"reason": "Sửa số liệu"})
    submission.refresh_from_db()
    assert submission.reopened_by == district["admin"]


def test_a_user_of_another_tree_sees_no_submission(client, district):
    submission = submit(district)
    client.force_login(UnitRoleFactory(unit=district["women"], role=UnitRole.Role.ADMIN).user)
    assert client.get(reverse("reports:submission", args=[submission.pk])).status_code == 404


# --- Completeness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent, state, late",
    [
        (local(2023, 6, 20, 23, 59, 59), State.ON_TIME, 0),
        (local(2023, 6, 21, 0, 0, 0), State.LATE, 1),
        (local(2023, 6, 23, 10, 0), State.LATE, 3),
    ],
)
def test_on_time_means_by_the_end_of_the_due_day_local_time(district, sent, state, late):
    period = district["period"]
    submission = submit(district, now=sent)
    cell = cell_state(period, submission.submitted_at, submission, local(2023, 7, 1))
    assert (cell.state, cell.days_late) == (state, late)


@pytest.mark.parametrize(
    "now, state",
    [(local(2023, 6, 20, 23, 59), State.NOT_DUE), (local(2023, 6, 21, 0, 0), State.MISSING)],
)
def test_a_report_not_sent_is_missing_from_the_day_after_its_due_day(district, now, state):
    assert cell_state(district["period"], None, None, now).state == state


def test_the_matrix_counts_expected_submitted_and_on_time_per_period_and_kind(district):
    submit(district, now=local(2023, 6, 20, 12, 0))
    table_, periods, summaries = completeness(
        plan_campaign(), Unit.objects.all(), now=local(2023, 7, 1)
    )
    assert [unit.code for unit, _cells in table_] == ["HD", "HPN"]
    dot2 = next(s for s in summaries if s.period.slug == "dot-2")
    assert (dot2.total.expected, dot2.total.submitted, dot2.total.on_time) == (2, 1, 1)
    assert str(dot2.total.on_time_rate) == "50.0"
    assert {k: (r.expected, r.on_time) for k, r in dot2.by_kind.items()} == {
        "Đoàn": (1, 1),
        "Hội Phụ nữ": (1, 0),
    }
    hpn_cells = dict(zip(periods, table_[1][1]))
    assert hpn_cells[district["period"]].state == State.MISSING


def test_a_secretary_sees_their_row_and_an_administrator_their_tree(client, district):
    client.force_login(district["secretary"])
    page = client.get(reverse("reports:completeness"))
    assert [unit.code for unit, _cells, _editable in page.context["table"]] == ["HD"]
    root = UserFactory(is_superuser=True)
    client.force_login(root)
    page = client.get(reverse("reports:completeness"))
    assert [unit.code for unit, _cells, _e in page.context["table"]] == ["HD", "HPN"]


def test_the_web_builds_the_workbook_as_a_job_for_the_users_units_and_records_it(
    client, district, django_capture_on_commit_callbacks
):
    from jobs.models import Job
    from privacy.models import PersonalDataAccess

    client.force_login(district["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export"), {"as_of": "2023-06-20"})
    job = Job.objects.get()
    assert response.url == job.get_absolute_url()
    assert (job.status, job.done, job.total) == (Job.Status.DONE, 25, 25)
    assert job.unit == district["youth"] and job.owner == district["secretary"]
    page = client.get(job.get_absolute_url())
    assert reverse("jobs:file", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("jobs:file", args=[job.pk]))
    book = open_report(b"".join(download.streaming_content))
    names = [r[0] for r in values(table(book["Tổng hợp"], "Đơn vị"))]
    # Sub-units in the order they were made, whatever ids the database hands out.
    assert names == ["Huyện Đoàn", "Đoàn xã 1", "Đoàn xã 2", "Tổng cộng"]
    records = list(PersonalDataAccess.objects.order_by("at"))
    # The 25 of the named list and the one of the "Trùng lặp" sheet, in both records; the
    # download names the same persons as the export the job made.
    doubles = values(table(book["Trùng lặp"], "STT"))
    assert len(doubles) == 1
    assert [(r.user, r.rows) for r in records] == [(district["secretary"], 25 + 1)] * 2
    built, downloaded = ({s.subject for s in r.subjects.all()} for r in records)
    assert len(built) == 26 and built == downloaded
    assert "Báo cáo đến 20/06/2023 (" in records[0].what and "2023-06-20" not in records[0].what
    # Both say where from: the export (made by the job, from the address that asked for it)
    # and the download.
    assert [r.where for r in records] == ["127.0.0.1", "127.0.0.1"]
    viewer = UnitRoleFactory(unit=district["youth"], role=UnitRole.Role.VIEWER).user
    client.force_login(viewer)
    assert client.post(reverse("reports:export"), {}).status_code == 403
    assert client.get(job.get_absolute_url()).status_code == 404


def test_a_report_job_that_cannot_run_says_why_and_keeps_nothing(
    client, district, django_capture_on_commit_callbacks
):
    from jobs.models import Job

    client.force_login(district["secretary"])
    UnitRole.objects.filter(user=district["secretary"]).delete()
    from reports.jobs import start_report_job

    with django_capture_on_commit_callbacks(execute=True):
        job = start_report_job(
            user=district["secretary"],
            campaign=plan_campaign(),
            unit=district["youth"],
            period=None,
            as_of=datetime.date(2023, 6, 20),
            live=False,
        )
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.file
    assert job.error == "Bạn không còn phụ trách đơn vị này."


def test_the_completeness_and_submission_pages_take_a_few_queries(
    client, district, django_assert_max_num_queries
):
    submission = submit(district)
    client.force_login(district["admin"])
    with django_assert_max_num_queries(
        18
    ):  # + reopened versions, other units and their submissions
        client.get(reverse("reports:completeness"))
    with django_assert_max_num_queries(25):
        client.get(reverse("reports:submission", args=[submission.pk]))


def test_a_secretary_cannot_reopen_from_the_web_and_is_told_why(client, district):
    submission = submit(district)
    client.force_login(district["secretary"])
    response = client.post(
        reverse("reports:reopen", args=[submission.pk]), {"reason": "Sửa"}, follow=True
    )
    submission.refresh_from_db()
    assert submission.reopened_at is None
    assert "Chỉ quản trị của đơn vị hoặc đơn vị cấp trên" in response.content.decode()


def test_a_submission_sent_twice_at_once_is_refused_in_words(district, monkeypatch):
    from reports import submissions

    first = submit(district)
    # The check before writing saw no standing report (as a concurrent request would).
    real = Submission.objects.standing

    def unseen(*args, **kwargs):
        return real().filter(pk__in=[])

    monkeypatch.setattr(submissions.Submission.objects, "standing", unseen)
    with pytest.raises(ValidationError, match="đã được gửi"):
        submit(district)
    assert Submission.objects.filter(unit=district["youth"]).count() == 1
    assert first.workbook.storage.listdir("submissions/vneid-2023/dot-2")[1] == [
        first.workbook.name.rsplit("/", 1)[1]
    ]


def test_a_submitted_sub_unit_counts_as_sent_in_the_figures_of_the_units_above(district, tmp_path):
    ExpectedUnit.objects.create(campaign=plan_campaign(), unit=district["commune"])
    submit_report(period=district["period"], unit=district["commune"], user=district["admin"])
    add_full_cases(district["guide"], 7)  # after the submission
    add_full_cases(MemberFactory(unit=district["other"]), 2)  # live, not expected
    out = tmp_path / "r.xlsx"
    call_command("export_report", out=str(out), period="dot-2")
    rows = {r[0]: r for r in values(table(open_report(out)["Tổng hợp"], "Đơn vị"))}
    assert rows["Đoàn xã 1"][5] == 25 and rows["Đoàn xã 1"][8].startswith("Đã gửi")
    assert rows["Đoàn xã 2"][5] == 2
    assert rows["Huyện Đoàn"][5] == 27 and rows["Huyện Đoàn"][1] == 3
    assert rows["Tổng cộng"][5] == 27
    members = values(table(open_report(out)["Thành viên"], "STT"))
    assert [m[2] for m in members if m[1] == "Đoàn xã 1"] == ["Hà Văn Khánh", "Lò Thị Én"]
    assert next(m for m in members if m[2] == "Hà Văn Khánh")[7] == 20
    named = values(table(open_report(out)["Danh sách kèm theo"], "STT"))
    assert len(named) == 27
    assert [r[10] for r in named] == ["Đoàn xã 1"] * 25 + ["Đoàn xã 2"] * 2


def test_the_activities_sheet_of_a_submitted_unit_is_what_it_sent(district, tmp_path):
    from campaign.activities import Activity, ActivityKind

    def held(unit, day, name):
        made = Activity.objects.create(
            campaign=plan_campaign(),
            kind=ActivityKind.objects.get(code="volunteer_saturday", campaign=None),
            starts_on=day,
            name=name,
        )
        made.organisers.set([unit])
        return made

    ExpectedUnit.objects.create(campaign=plan_campaign(), unit=district["commune"])
    ExpectedUnit.objects.create(campaign=plan_campaign(), unit=district["other"])
    saturday = held(district["commune"], datetime.date(2023, 5, 6), "Thứ Bảy bản Củ")
    add_case(district["guide"], activity=saturday)
    submission = submit_report(
        period=district["period"], unit=district["commune"], user=district["admin"]
    )
    sent = [
        r[1:3] + r[8:]
        for r in values(table(open_report(submission.workbook.read())["Hoạt động"], "STT"))
    ]
    assert sent == [[saturday.code, "Thứ Bảy bản Củ", 0, 1, 1]]
    # After it was sent: another case at that Saturday, an activity of the submitted unit
    # recorded late, and one of a unit that has not sent its report.
    add_case(district["guide"], activity=saturday)
    held(district["commune"], datetime.date(2023, 5, 13), "Ghi sau khi gửi")
    live = held(district["other"], datetime.date(2023, 5, 20), "Chợ phiên xã 2")
    add_case(MemberFactory(unit=district["other"]), activity=live)

    out = tmp_path / "r.xlsx"
    call_command("export_report", out=str(out), period="dot-2")
    rows = [r[1:3] + r[8:] for r in values(table(open_report(out)["Hoạt động"], "STT"))]
    assert rows == [
        [saturday.code, "Thứ Bảy bản Củ", 0, 1, 1],  # as sent
        [live.code, "Chợ phiên xã 2", 0, 1, 1],  # live
    ]
    call_command("export_report", out=str(out), period="dot-2", live=True)
    rows = [r[1:3] + r[8:] for r in values(table(open_report(out)["Hoạt động"], "STT"))]
    assert [r[1] for r in rows] == ["Thứ Bảy bản Củ", "Ghi sau khi gửi", "Chợ phiên xã 2"]
    assert rows[0][3:] == [2, 2]
