"""The report workbook: what it holds (`data`), how it is written (`workbook`), and the one
function the command, the web download and the submissions call to build and record it."""

from datetime import date

from django.db.models import F, Q
from django.utils import timezone

from config.formats import day
from privacy.models import PersonalDataAccess
from units.models import Unit, UnitKind

from ..models import ExpectedUnit, ReportHeading, Submission
from .data import (
    ADDITIVE,
    activity_rows,
    derive,
    live_report,
    named_list,
    scope_units,
    thaw_named_row,
    totals_of,
)
from .workbook import NOT_SUBMITTED, SHEETS, ReportWriter

__all__ = ["SHEETS", "build_report", "expected_units", "export_report", "write_report"]

REPORTING_KINDS = (UnitKind.YOUTH_UNION, UnitKind.WOMENS_UNION, UnitKind.YOUTH_FEDERATION)


def expected_units(campaign):
    """The units expected to submit for `campaign`: those its administrator marked, or by
    default (rules.md) the top unit of every Youth Union, Women's Union and Youth Federation
    tree: a unit of one of those kinds whose parent is of another kind, or that has none."""
    if ExpectedUnit.objects.filter(campaign=campaign).exists():
        return Unit.objects.filter(expected_in__campaign=campaign)
    return Unit.objects.filter(kind__in=REPORTING_KINDS).filter(
        Q(parent__isnull=True) | ~Q(parent__kind=F("kind"))
    )


def figures_day(period, today=None):
    """The day a period's figures are taken on: its last day, or today if that is earlier."""
    today = today or timezone.localdate()
    return min(period.ends_on, today)


def build_report(campaign, *, unit=None, units=None, period=None, as_of=None, live=False):
    """(report, named rows) for `unit`'s subtree (every unit of `units`, all by default).

    For a `period` the consolidated report: each expected unit's standing submission
    replaces its subtree's live figures, members and named list; an expected unit that has
    not submitted is computed live and marked "chưa gửi báo cáo" with the day its figures
    were taken. With `live`, submissions are ignored."""
    scope = scope_units(unit, units)
    if period is not None:
        as_of = figures_day(period)
    report = live_report(campaign, units=scope, as_of=as_of, period=period)
    if period is None or live:
        return report, named_list(campaign, units=scope, as_of=as_of, period=period)
    expected = expected_units(campaign).filter(pk__in=scope.values("pk")).order_by("path")
    standing = {
        s.unit_id: s
        for s in Submission.objects.standing()
        .filter(period=period, unit__in=expected)
        .select_related("submitted_by", "unit")
    }
    reopened = {
        s.unit_id: s
        for s in Submission.objects.filter(
            period=period, unit__in=expected, reopened_at__isnull=False
        ).order_by("version")
    }  # the last reopened version of each unit, for the ones with none standing
    frozen = []  # (path, submission) whose subtree the submission replaces
    for expected_unit in expected:
        if any(expected_unit.path.startswith(path) for path, _s in frozen):
            continue
        submission = standing.get(expected_unit.pk)
        row = next((r for r in report["units"] if r["path"] == expected_unit.path), None)
        if row is None:
            continue
        if submission is None:
            row["status"] = f"{NOT_SUBMITTED}: số liệu trực tiếp ngày {day(as_of)}"
            if expected_unit.pk in reopened:
                at = timezone.localtime(reopened[expected_unit.pk].reopened_at)
                row["status"] = (
                    f"{NOT_SUBMITTED} (bản đã gửi được mở lại ngày {day(at)}, chờ gửi "
                    f"lại): số liệu trực tiếp ngày {day(as_of)}"
                )
            continue
        _replace_subtree(report, campaign, expected_unit.path, submission)
        frozen.append((expected_unit.path, submission))
    report["totals"] = totals_of(report["units"], campaign)
    _note_credited_when_sent(report, frozen)
    if frozen:
        report["activities"] = _merged_activities(campaign, scope, as_of, period, frozen)
    live_rows = named_list(
        campaign,
        units=scope,
        as_of=as_of,
        period=period,
        exclude_paths=[path for path, _s in frozen],
    )
    return report, _merged_named_list(live_rows, frozen)


def submission_status(submission):
    by = submission.submitted_by
    who = (by.get_full_name() or by.get_username()) if by else ""
    at = timezone.localtime(submission.submitted_at)
    text = f"Đã gửi {at:%H:%M} ngày {day(at)}"
    if who:
        text += f", {who}"
    if submission.version > 1:
        text += f" (lần {submission.version})"
    if submission.as_of < submission.period.ends_on:
        text += f"; số liệu đến ngày {day(submission.as_of)}"
    return text


def _replace_subtree(report, campaign, path, submission):
    rows = report["units"]
    start = next(i for i, r in enumerate(rows) if r["path"] == path)
    end = start + 1
    while end < len(rows) and rows[end]["path"].startswith(path):
        end += 1
    live_top = rows[start]
    sent = [dict(r) for r in submission.report["units"]]
    offset = live_top["depth"] - (sent[0]["depth"] if sent else 0)
    for r in sent:
        r["depth"] += offset
        r["frozen"] = submission.pk
    if sent:
        sent[0]["status"] = submission_status(submission)
        delta = {name: sent[0][name] - live_top[name] for name in ADDITIVE}
        for r in rows[:start]:
            if path.startswith(r["path"]):
                for name in ADDITIVE:
                    r[name] += delta[name]
                derive(r, campaign)
    live_codes = {r["code"] for r in rows[start:end]}
    rows[start:end] = sent
    members = [m for m in report["members"] if m["unit"] not in live_codes or m.get("frozen")]
    sent_members = [dict(m, frozen=submission.pk) for m in submission.report["members"]]
    position = next(
        (i for i, m in enumerate(report["members"]) if m["unit"] in live_codes),
        len(members),
    )
    kept_before = sum(
        1 for m in report["members"][:position] if m["unit"] not in live_codes or m.get("frozen")
    )
    report["members"] = members[:kept_before] + sent_members + members[kept_before:]


def _note_credited_when_sent(report, frozen):
    """The double claims are today's, the submitted subtrees' figures as they were sent: a
    resident claimed again after a unit sent a report that credits them says so, rather
    than seem credited to nobody while that unit's named list holds them."""
    sent_by = {}
    for _path, submission in frozen:
        for row in submission.report.get("named", []):
            sent_by.setdefault(row[2], submission.unit.name)
    for entry in report["duplicates"]:
        if entry["id_number"] in sent_by:
            entry["note"] = (
                f"Đã được tính trong báo cáo đã gửi của {sent_by[entry['id_number']]}; "
                "kê khai trùng phát sinh sau khi gửi"
            )


def _merged_activities(campaign, scope, as_of, period, frozen):
    """The "Hoạt động" rows: each submission's activities as it sent them, and live only
    those organised by a unit of the scope outside every submitted subtree (a joint activity
    of a submitted unit and a live one is the submitted row), by day."""
    sent, codes = [], set()
    for _path, submission in frozen:
        for row in submission.report.get("activities", []):
            if row["code"] not in codes:
                codes.add(row["code"])
                sent.append(dict(row, frozen=submission.pk))
    live_units = scope
    for path, _submission in frozen:
        live_units = live_units.exclude(path__startswith=path)
    live = [
        row
        for row in activity_rows(campaign, units=live_units, as_of=as_of, since=period.starts_on)
        if row["code"] not in codes
    ]
    return sorted(sent + live, key=lambda row: row["starts_on"])


def _merged_named_list(live_rows, frozen):
    """The live rows with each submission's frozen rows in its subtree's place (unit order)."""
    pending = sorted(frozen, key=lambda item: item[0])
    for row in live_rows:
        while pending and pending[0][0] < row[11]:
            yield from (thaw_named_row(r) for r in pending.pop(0)[1].report.get("named", []))
        yield row
    for _path, submission in pending:
        yield from (thaw_named_row(r) for r in submission.report.get("named", []))


def scope_name(campaign, unit):
    return unit.name if unit is not None else ReportHeading.for_report(campaign).issuing_body


def write_report(target, report, named_rows, *, heading, issued_on, name, progress=None):
    """Write the workbook to `target`; returns the number of rows of the named list."""
    writer = ReportWriter(
        target, heading=heading, issued_on=issued_on, scope_name=name, progress=progress
    )
    return writer.write(report, named_rows)


def export_report(
    target,
    *,
    campaign,
    user,
    unit=None,
    units=None,
    period=None,
    as_of=None,
    live=False,
    channel="web",
    progress=None,
    where=None,
    on_record=None,
):
    """Build the report, write it to `target`, and record its export (who, when, which
    report, every person it holds: the named list's and the "Trùng lặp" sheet's, counted
    once each). `on_record(access)` is given the record. Returns (report, named rows
    written)."""
    as_of = as_of or timezone.localdate()
    report, rows = build_report(
        campaign, unit=unit, units=units, period=period, as_of=as_of, live=live
    )
    heading = ReportHeading.for_report(campaign, unit)
    held = set()
    count = write_report(
        target,
        report,
        _holding(rows, held),
        heading=heading,
        issued_on=timezone.localdate(),
        name=scope_name(campaign, unit),
        progress=progress,
    )
    held.update(duplicates_held(report))
    access = PersonalDataAccess.record(
        user=user,
        action=PersonalDataAccess.Action.EXPORT,
        what=describe(campaign, unit, period, report, live=live, channel=channel),
        id_numbers=held,
        where=where,
    )
    if on_record is not None:
        on_record(access)
    return report, count


def _holding(named_rows, held):
    """The named list's rows as they pass, each one's ID number added to `held`."""
    add = held.add
    for row in named_rows:
        add(row[2])
        yield row


def duplicates_held(report):
    """The ID numbers of the "Trùng lặp" sheet: whole, as the plan requires."""
    return [entry["id_number"] for entry in report.get("duplicates", []) if entry.get("id_number")]


def persons_held(report):
    """Every ID number a frozen report's workbook holds: its named list and its "Trùng lặp"
    sheet (a submission's, downloaded again)."""
    named = [row[2] for row in report.get("named", []) if row[2]]
    return [*named, *duplicates_held(report)]


def describe(campaign, unit, period, report, *, live=False, channel="web"):
    """Which report: what the record of personal-data access says was exported."""
    # Names, as the record's reader knows them, not slugs: "Báo cáo kết quả đợt 2 (chiến
    # dịch …), Huyện Đoàn (HD)".
    what = (
        period.name
        if period is not None
        else f"Báo cáo đến {day(date.fromisoformat(report['as_of']))}"
    )
    what += f" ({campaign.name})"
    what += f", {unit.name} ({unit.code})" if unit is not None else ", toàn huyện"
    if live:
        what += ", số liệu trực tiếp"
    return f"{what} ({channel}): danh sách kèm theo"
