"""The officials' dashboards: where the district stands, who is ahead and who is behind, and
what must be fixed. Every page is scoped to the user's units, has the campaign / period /
day filter, and reads the figures kept under the figures version (`dashboards.figures`):
at a province's scale no page recomputes them from the cases table while nothing changed.

The pages speak Vietnamese directly (as the demo district and the commands do)."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property

from campaign import rules, verification
from campaign.claims import double_claimed_residents
from campaign.models import Case, DoubleClaimResolution, Place, Resident
from campaign.results import KINDS
from privacy.scope import counted_not_named, hide_residents_of
from units.forms import named_in, search_condition
from units.models import Member, MemberCategory, Unit, UnitKind
from units.normalize import MOBILE_PREFIXES, PROVINCE_CODES
from units.privacy import mask_id_number, mask_phone

from . import charts, formats
from .figures import (
    activity_yield_for,
    current_version,
    figures_for,
    kept,
    outreach_for,
    results_for,
    scope_parts,
    weekly_for,
)
from .forms import FiguresFilter, previous_period, search_text
from .tables import Column, KeptRows, Table


def category_label(code):
    """A member category's one label, the model's choice (as the member pages and forms say
    it), for the pages and their workbooks alike."""
    try:
        return str(MemberCategory(code).label)
    except ValueError:
        return code


class ChoiceLabels:
    """A choice's one label, the model's (as the forms, the lists and the import template
    say it), read when asked so it is in the request's language: `labels.get(value, default)`,
    `labels[value]`, `value in labels`. `extra` names values that are not choices ("")."""

    def __init__(self, choices, extra=None):
        self.choices, self.extra = choices, extra or {}

    def __contains__(self, value):
        return value in self.extra or value in self.choices.values

    def __getitem__(self, value):
        if value in self.extra:
            return str(self.extra[value])
        return str(self.choices(value).label)

    def get(self, value, default=None):
        return self[value] if value in self else default


KIND_LABELS = ChoiceLabels(UnitKind)
PLACE_LABELS = ChoiceLabels(Place, {"": "Không ghi nơi"})


def _yes(value):
    return "Có" if value else "Không"


class Page:
    """What every dashboard page reads: the filter, the window, the user's units (their
    primary keys name the kept figures), and the kept figures themselves."""

    def __init__(self, request):
        self.request = request
        self.form = FiguresFilter(request)
        self.campaign, self.as_of, self.since, self.period = self.form.window()
        self.units = Unit.objects.visible_to(request.user)

    @cached_property
    def scope(self):
        return scope_parts(self.units)

    @cached_property
    def version(self):
        return current_version()

    @cached_property
    def figures(self):
        return figures_for(
            self.campaign,
            as_of=self.as_of,
            since=self.since,
            units=self.units,
            scope=self.scope,
            version=self.version,
        )

    @cached_property
    def previous(self):
        """The cumulative figures at the end of the last period before this window."""
        period = previous_period(self.campaign, self.since or self.as_of)
        if period is None:
            return None, None
        results = results_for(
            self.campaign,
            as_of=period.ends_on,
            units=self.units,
            scope=self.scope,
            version=self.version,
        )
        return period, results

    @cached_property
    def list_in_force(self):
        return verification.list_in_force(self.campaign) if self.campaign else None

    @cached_property
    def own_member(self):
        user = self.request.user
        return Member.objects.filter(user=user).select_related("unit").first()

    def context(self, **extra):
        query = self.request.GET.copy()
        for name in list(query):
            if name not in ("campaign", "as_of", "period"):
                query.pop(name)
        return {
            "form": self.form,
            "campaign": self.campaign,
            "as_of": self.as_of,
            "since": self.since,
            "period": self.period,
            "window_query": query.urlencode(),
            "list_in_force": self.list_in_force,
            "from_activation_list": rules.from_activation_list(self.campaign),
            **extra,
        }


def _chart_end(page, weekly):
    """The last day a progress chart shows: the window's day, but no further than the
    campaign's end, or than a week after its last activation and the drive's end."""
    campaign, end = page.campaign, page.as_of
    if campaign.ends_on:
        return min(end, campaign.ends_on)
    last = max([day for day, *_counts in weekly if day] + [campaign.drive_ends_on or end])
    return min(end, last + datetime.timedelta(days=7))


def _tops(results):
    shown = {unit.pk for unit in results.units}
    return [unit for unit in results.units if unit.parent_id not in shown]


def _own_page_instead(page):
    """A member with their own account and no unit role sees only their own page: the
    redirect to it (keeping the chosen day or period), or None for everyone else."""
    if page.scope or page.own_member is None:
        return None
    return redirect(_with_window(reverse("dashboards:member", args=[page.own_member.pk]), page))


def _with_window(url, page):
    query = page.context()["window_query"]
    return f"{url}?{query}" if query else url


# --- Overview ------------------------------------------------------------------------------


@login_required
def overview(request):
    page = Page(request)
    if own := _own_page_instead(page):
        return own
    if not page.scope:  # no unit role and no member record: nothing to sum up
        return redirect("home")
    figures = page.figures
    results, summary = figures.results, figures.summary
    totals = results.totals
    weekly = weekly_for(
        page.campaign, as_of=page.as_of, units=page.units, scope=page.scope, version=page.version
    )
    target = sum(m.quota for m in results.members if m.active)
    chart = charts.cumulative_chart(
        "Số trường hợp được tính, cộng dồn theo tuần",
        {
            "Đủ điều kiện (định danh và cổng DVC)": (
                "full",
                [(day, full) for day, _eid, full in weekly if day],
            ),
            "Định danh điện tử": ("eid", [(day, eid) for day, eid, _full in weekly if day]),
        },
        start=page.campaign.activation_starts_on,
        end=_chart_end(page, weekly),
        target=target,
        band=(page.campaign.drive_starts_on, page.campaign.drive_ends_on),
        band_label="Đợt cao điểm 120 ngày",
    )
    running_eid = running_full = 0
    weeks = []
    for day, eid, full in weekly:
        running_eid += eid
        running_full += full
        weeks.append((day, eid, full, running_eid, running_full))
    weeks_table = Table(
        request,
        [
            Column("week", "Tuần từ", lambda r: r[0], "day"),
            Column("eid", "Định danh", lambda r: r[1], "int"),
            Column("full", "Đủ điều kiện", lambda r: r[2], "int"),
            Column("eid_total", "Cộng dồn định danh", lambda r: r[3], "int"),
            Column("full_total", "Cộng dồn đủ điều kiện", lambda r: r[4], "int"),
        ],
        weeks,
        prefix="w",
        per_page=60,
    )
    if weeks_table.wants_xlsx:
        return weeks_table.xlsx_response("tien-do-theo-tuan", "Tiến độ theo tuần")
    kinds = [
        (KIND_LABELS.get(kind, kind), tally)
        for kind in KINDS
        if (tally := results.by_kind.get(kind)) and tally.members_listed
    ]
    kinds_table = Table(
        request,
        [
            Column("kind", "Khối", lambda r: r[0]),
            Column("members", "Thành viên", lambda r: r[1].members, "int"),
            Column("full", "Đủ điều kiện", lambda r: r[1].credited_full, "int"),
            Column("eid", "Định danh", lambda r: r[1].credited_eid, "int"),
            Column("average", "Bình quân", lambda r: r[1].average(), "dec"),
            Column(
                "quota",
                "Đạt chỉ tiêu",
                lambda r: formats.share(r[1].meeting_quota, r[1].members),
                "pct",
            ),
        ],
        kinds,
        prefix="k",
    )
    if kinds_table.wants_xlsx:
        return kinds_table.xlsx_response("tong-quan-theo-khoi", "Theo khối")
    kind_chart = charts.bar_chart(
        "Số trường hợp đủ điều kiện theo khối", [(label, t.credited_full) for label, t in kinds]
    )
    compliance = [
        ("Tài khoản định danh mức 2", totals.level2, 100),
        ("Kích hoạt VNeID", totals.vneid, 100),
        ("Sử dụng Cổng Dịch vụ công", totals.portal, 100),
        (
            "Thủ tục của bản thân trực tuyến",
            totals.own_procedures,
            page.campaign.own_procedures_target,
        ),
        (
            "Thủ tục của gia đình trực tuyến",
            totals.family_procedures,
            page.campaign.family_procedures_target,
        ),
    ]
    compliance_table = Table(
        request,
        [
            Column("item", "Nội dung", lambda r: r[0]),
            Column("count", "Số cán bộ đạt", lambda r: r[1], "int"),
            Column("share", "Tỷ lệ", lambda r: formats.share(r[1], totals.bound), "pct"),
            Column("goal", "Yêu cầu", lambda r: r[2], "pct"),
        ],
        compliance,
        prefix="c",
    )
    if compliance_table.wants_xlsx:
        return compliance_table.xlsx_response("can-bo-tu-thuc-hien", "Cán bộ tự thực hiện")
    return render(
        request,
        "dashboards/overview.html",
        page.context(
            results=results,
            summary=summary,
            totals=totals,
            target=target,
            chart=chart,
            kinds_table=kinds_table,
            kind_chart=kind_chart,
            weeks_table=weeks_table,
            compliance_table=compliance_table,
            nav_current="overview",
            manages_list=_manages_list(request.user),
        ),
    )


# --- Units ---------------------------------------------------------------------------------


def _unit_columns(page, previous):
    before = {u.pk: u.tally.credited_full for u in previous.units} if previous else {}
    columns = [
        Column(
            "name",
            "Đơn vị",
            lambda u: u.name,
            link=lambda u: _with_window(reverse("dashboards:unit", args=[u.code]), page),
        ),
        Column("kind", "Khối", lambda u: KIND_LABELS.get(u.kind, u.kind)),
        Column("members", "Thành viên", lambda u: u.tally.members, "int"),
        Column("full", "Đủ điều kiện", lambda u: u.tally.credited_full, "int"),
        Column("average", "Bình quân", lambda u: u.average, "dec"),
        Column("award", "Khen thưởng tập thể", lambda u: _yes(u.collective_award)),
    ]
    if page.since:
        columns.insert(4, Column("period", "Trong kỳ", lambda u: u.tally.period_full, "int"))
    columns += _both_figures(page, lambda u: u.tally)
    if previous:
        columns.append(
            Column(
                "change",
                "Tăng so với kỳ trước",
                lambda u: u.tally.credited_full - before.get(u.pk, 0),
                "int",
            )
        )
    return columns


@login_required
def unit_ranking(request):
    page = Page(request)
    if own := _own_page_instead(page):
        return own
    results = page.figures.results
    level = request.GET.get("level", "")
    rows = [u for u in results.units if u.tally.members_listed and not u.closed]
    if level == "top":
        rows = _tops(results)
    elif level == "leaf":
        parents = {u.parent_id for u in results.units}
        rows = [u for u in rows if u.pk not in parents]
    kind = request.GET.get("kind", "")
    if kind in KIND_LABELS:
        rows = [u for u in rows if u.kind == kind]
    previous_period_, previous = page.previous
    table = Table(request, _unit_columns(page, previous), rows, default_sort="-full")
    if table.wants_xlsx:
        return table.xlsx_response("xep-hang-don-vi", "Xếp hạng đơn vị")
    return render(
        request,
        "dashboards/units.html",
        page.context(
            table=table,
            previous_period=previous_period_,
            level=level,
            kind=kind,
            kinds=[(k, KIND_LABELS[k]) for k in KINDS],
            nav_current="units",
        ),
    )


def _member_columns(page, *, gap=True):
    columns = [
        Column(
            "name",
            "Thành viên",
            lambda m: m.name,
            link=lambda m: _with_window(reverse("dashboards:member", args=[m.pk]), page),
        ),
        Column("unit", "Đơn vị", lambda m: m.unit_name),
        Column("category", "Đối tượng", lambda m: category_label(m.category)),
        Column("full", "Đủ điều kiện", lambda m: m.credited_full, "int"),
        Column("quota", "Chỉ tiêu", lambda m: m.quota, "int"),
    ]
    if gap:
        columns.append(
            Column("gap", "Còn thiếu", lambda m: max(0, m.quota - m.credited_full), "int")
        )
    else:
        columns.append(Column("award", "Khen thưởng cá nhân", lambda m: _yes(m.individual_award)))
    columns += _both_figures(page, lambda m: m)
    return columns


def _both_figures(page, figures_of):
    """With a list in force: the credited full cases as typed and from the activation list,
    the gap between them, and the cases that differ or are not on the list."""
    if not page.list_in_force:
        return []
    return [
        Column("recorded", "Đủ ĐK (đã nhập)", lambda r: figures_of(r).recorded_full, "int"),
        Column(
            "official", "Đủ ĐK (theo DS kích hoạt)", lambda r: figures_of(r).official_full, "int"
        ),
        Column("gap_list", "Chênh lệch", lambda r: figures_of(r).gap_full, "int"),
        Column("differs", "Lệch", lambda r: figures_of(r).differs, "int"),
        Column("not_found", "Không có trong DS", lambda r: figures_of(r).not_found, "int"),
    ]


def _name_units(members, results):
    names = {u.pk: u.name for u in results.units}
    for member in members:
        member.unit_name = names.get(member.unit_id, member.unit_code)
    return members


@login_required
def unit_page(request, code):
    page = Page(request)
    unit = get_object_or_404(page.units, code=code)
    subtree = Unit.objects.subtree(unit)
    figures = figures_for(
        page.campaign,
        as_of=page.as_of,
        since=page.since,
        units=subtree,
        version=page.version,
    )
    results = figures.results
    own = results.unit(unit.code)
    weekly = weekly_for(page.campaign, as_of=page.as_of, units=subtree, version=page.version)
    children = [u for u in results.units if u.parent_id == unit.pk]
    previous_period_, previous = page.previous
    sub_table = Table(
        request, _unit_columns(page, previous), children, prefix="u", default_sort="-full"
    )
    members = _name_units([m for m in results.members if m.unit_id == unit.pk], results)
    member_table = Table(request, _member_columns(page), members, prefix="m", default_sort="-full")
    if sub_table.wants_xlsx:
        return sub_table.xlsx_response(f"don-vi-{unit.code}", unit.name)
    if member_table.wants_xlsx:
        return member_table.xlsx_response(
            f"thanh-vien-{unit.code}", unit.name, user=request.user, personal=True
        )
    target = sum(m.quota for m in results.members if m.active)
    chart = charts.cumulative_chart(
        f"{unit.name}: số trường hợp được tính, cộng dồn",
        {"Đủ điều kiện": ("full", [(d, f) for d, _e, f in weekly if d])},
        start=page.campaign.activation_starts_on,
        end=_chart_end(page, weekly),
        target=target,
        band=(page.campaign.drive_starts_on, page.campaign.drive_ends_on),
        band_label="Đợt cao điểm 120 ngày",
    )
    running, weeks = 0, []
    for day, _eid, full in weekly:
        running += full
        weeks.append((day, full, running))
    return render(
        request,
        "dashboards/unit.html",
        page.context(
            unit=unit,
            figures=own,
            kind_label=KIND_LABELS.get(unit.kind, unit.kind),
            sub_table=sub_table,
            member_table=member_table,
            chart=chart,
            weeks=weeks,
            target=target,
            nav_current="units",
        ),
    )


# --- Members -------------------------------------------------------------------------------


@login_required
def members_behind(request):
    page = Page(request)
    if own := _own_page_instead(page):
        return own
    results = page.figures.results
    members = _name_units([m for m in results.members if m.active], results)
    units = [u for u in results.units if u.tally.members_listed]
    chosen = (
        named_in(page.units, request.GET.get("unit"), field="code")
        if request.GET.get("unit")
        else None
    )
    if chosen is not None:
        inside = {u.pk for u in results.units if u.path.startswith(chosen.path)}
        members = [m for m in members if m.unit_id in inside]
    category = request.GET.get("category", "")
    if category in MemberCategory.values:
        members = [m for m in members if m.category == category]
    behind = [m for m in members if not m.meets_quota]
    table = Table(request, _member_columns(page), behind, default_sort="-gap")
    if table.wants_xlsx:
        return table.xlsx_response(
            "thanh-vien-chua-dat", "Thành viên chưa đạt chỉ tiêu", user=request.user, personal=True
        )
    top = sorted(members, key=lambda m: (-m.credited_full, m.name))[:10]
    top_table = Table(request, _member_columns(page, gap=False), top, prefix="t", per_page=10)
    if top_table.wants_xlsx:
        return top_table.xlsx_response(
            "thanh-vien-dan-dau", "Thành viên dẫn đầu", user=request.user, personal=True
        )
    return render(
        request,
        "dashboards/members.html",
        page.context(
            table=table,
            top_table=top_table,
            behind_count=len(behind),
            member_count=len(members),
            units=units,
            chosen=chosen,
            category=category,
            categories=[(value, str(label)) for value, label in MemberCategory.choices],
            nav_current="members",
        ),
    )


def _manages_list(user):
    """Whether the overview links to the activation list's page (a district administrator)."""
    from campaign.activation_views import may_manage_list

    return may_manage_list(user)


def _verification_columns(page):
    """A case's status against the activation list and the list's values (with a list in
    force), for the tables of cases."""
    campaign = page.campaign
    if page.list_in_force is None:
        return []
    return [
        Column(
            "verification",
            "Đối chiếu danh sách kích hoạt",
            lambda v: verification.LABELS[verification.status_of(v.case, campaign, checked=True)],
        ),
        Column("official", "Theo danh sách kích hoạt", lambda v: _official(v.case)),
    ]


def _member_checks(member, page):
    """The member's cases by status and credited both ways (with a list in force)."""
    if not page.list_in_force:
        return None
    rows = list(
        verification.member_verification_counts(
            Case.objects.filter(member=member), page.campaign, page.as_of
        )
    )
    found = rows[0] if rows else dict.fromkeys(verification.MEMBER_COUNTS, 0)
    found["gap_full"] = found["recorded_full"] - found["official_full"]
    return found


@login_required
def member_page(request, pk):
    page = Page(request)
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    verdicts = rules.explain(
        Case.objects.filter(member=member).order_by("resident__full_name", "pk"),
        page.campaign,
        page.as_of,
        page.since,
    )
    verdicts = counted_not_named(request.user, verdicts, page.campaign)  # other trees: counted
    hide_residents_of(request.user, [v.case for v in verdicts])  # as the user's units typed them
    table = Table(
        request,
        [
            Column("resident", "Người dân", lambda v: v.case.resident.full_name),
            Column("id", "Số định danh", lambda v: mask_id_number(v.case.resident.id_number)),
            Column("guided", "Ngày hướng dẫn", lambda v: v.case.guided_on, "day"),
            Column("activated", "Ngày kích hoạt", lambda v: v.case.activated_on, "day"),
            Column("level", "Mức", lambda v: v.case.eid_level or ""),
            Column("full", "Được tính đủ", lambda v: _yes(v.credited_full)),
            Column("eid", "Được tính định danh", lambda v: _yes(v.credited_eid)),
            Column(
                "reasons",
                "Lý do không được tính",
                lambda v: "; ".join(text for _code, text in v.reasons),
                sortable=False,
            ),
            *_verification_columns(page),
        ],
        verdicts,
    )
    if table.wants_xlsx:
        return table.xlsx_response(
            f"truong-hop-{member.pk}", member.full_name, user=request.user, personal=True
        )
    full = sum(v.credited_full for v in verdicts)
    quota = page.campaign.quota_for(member.category)
    failing = {}
    for verdict in verdicts:
        for code, _text in verdict.reasons:
            failing[code] = failing.get(code, 0) + 1
    reasons = [
        (str(rule.reason), failing[rule.code]) for rule in rules.RULES if rule.code in failing
    ]
    return render(
        request,
        "dashboards/member.html",
        page.context(
            member=member,
            category=category_label(member.category),
            table=table,
            cases=len(verdicts),
            credited_full=full,
            credited_eid=sum(v.credited_eid for v in verdicts),
            quota=quota,
            gap=max(0, quota - full),
            progress=min(100, formats.share(full, quota)),
            progress_class=f"p{min(100, int(formats.share(full, quota)) // 5 * 5)}",
            reasons=reasons,
            own=member.user_id == request.user.pk,
            nav_current="members",
            checks=_member_checks(member, page),
        ),
    )


# --- Outreach ------------------------------------------------------------------------------


@login_required
def outreach(request):
    page = Page(request)
    if own := _own_page_instead(page):
        return own
    figures = outreach_for(
        page.campaign, as_of=page.as_of, units=page.units, scope=page.scope, version=page.version
    )
    places = [
        (PLACE_LABELS.get(place, place), cases, full) for place, cases, full in figures.places
    ]
    place_table = Table(
        request,
        [
            Column("place", "Hình thức, địa điểm", lambda r: r[0]),
            Column("cases", "Trường hợp hướng dẫn", lambda r: r[1], "int"),
            Column("full", "Đủ điều kiện", lambda r: r[2], "int"),
            Column("share", "Tỷ lệ đủ điều kiện", lambda r: formats.share(r[2], r[1]), "pct"),
        ],
        places,
        prefix="p",
        default_sort="-cases",
    )
    if place_table.wants_xlsx:
        return place_table.xlsx_response("tuyen-truyen-hinh-thuc", "Theo hình thức")
    order = [place for place, _c, _f in figures.places]
    by_week = {}
    for week, place, count in figures.weeks:
        by_week.setdefault(week, {})[place] = count
    week_rows = [(week, counts) for week, counts in sorted(by_week.items())]
    week_columns = (
        [Column("week", "Tuần từ", lambda r: r[0], "day")]
        + [
            Column(
                f"c{index}",
                PLACE_LABELS.get(place, place),
                lambda r, place=place: r[1].get(place, 0),
                "int",
            )
            for index, place in enumerate(order)
        ]
        + [Column("all", "Cộng", lambda r: sum(r[1].values()), "int")]
    )
    week_table = Table(request, week_columns, week_rows, prefix="w", per_page=60)
    if week_table.wants_xlsx:
        return week_table.xlsx_response("tuyen-truyen-theo-tuan", "Theo tuần")
    found = activity_yield_for(
        page.campaign, as_of=page.as_of, units=page.units, scope=page.scope, version=page.version
    )
    tables = _activity_tables(request, found)
    for table, name, title, personal in tables.values():
        if table.wants_xlsx:
            return table.xlsx_response(name, title, user=request.user, personal=personal)
    return render(
        request,
        "dashboards/outreach.html",
        page.context(
            place_table=place_table,
            week_table=week_table,
            activity_yield=found,
            activity_tables={key: table for key, (table, *_rest) in tables.items()},
            place_chart=charts.bar_chart(
                "Số trường hợp hướng dẫn theo hình thức", [(label, c) for label, c, _f in places]
            ),
            nav_current="outreach",
        ),
    )


def _group_columns(first_key, first_label, first=lambda r: r.label):
    """The columns of a sum of activities (by kind, place, week, commune)."""
    return [
        Column(first_key, first_label, first),
        Column("activities", "Số hoạt động", lambda r: r.activities, "int"),
        Column("cases", "Trường hợp hướng dẫn", lambda r: r.cases, "int"),
        Column("credited", "Trường hợp được tính", lambda r: r.credited, "int"),
        Column("members", "Lượt thành viên tham gia", lambda r: r.members, "int"),
        Column("per_member", "Được tính / thành viên", lambda r: r.per_member, "dec"),
        Column("hours", "Giờ công", lambda r: r.member_hours, "dec"),
        Column("per_hour", "Được tính / giờ công", lambda r: r.per_member_hour, "dec"),
        Column("materials", "Băng rôn, poster, tờ rơi", lambda r: r.materials, "int"),
        Column(
            "materials_per",
            "Tài liệu / trường hợp được tính",
            lambda r: r.materials_per_credited,
            "dec",
        ),
    ]


def _activity_tables(request, found):
    """The outreach activities' tables: {key: (Table, file name, sheet title, personal)}.
    'Được tính' is the credited full cases (rules.md) of the cases that name the activity."""
    activity_columns = [
        Column("day", "Ngày", lambda r: r.starts_on, "day"),
        Column("code", "Mã", lambda r: r.code),
        # Its name, or its kind, day and place: the place and commune have tables of their own.
        Column("title", "Hoạt động", lambda r: r.title),
        Column("kind", "Loại hoạt động", lambda r: r.kind),
        Column("organisers", "Đơn vị tổ chức", lambda r: "; ".join(r.organisers)),
        Column("members", "Thành viên tham gia", lambda r: r.members, "int"),
        Column("hours", "Giờ công", lambda r: r.member_hours, "dec"),
        Column("cases", "Trường hợp hướng dẫn", lambda r: r.cases, "int"),
        Column("credited", "Trường hợp được tính", lambda r: r.credited, "int"),
        Column(
            "per_member",
            "Được tính / thành viên",
            lambda r: _ratio(r.credited, r.members),
            "dec",
        ),
        Column("materials", "Băng rôn, poster, tờ rơi", lambda r: r.materials, "int"),
        Column(
            "materials_per",
            "Tài liệu / trường hợp được tính",
            lambda r: _ratio(r.materials, r.credited),
            "dec",
        ),
        Column("reach", "Lượt tiếp cận (bài đăng)", lambda r: r.reach, "int"),
    ]
    communes = [
        _CommuneKind(commune, group) for commune, groups in found.communes for group in groups
    ]
    commune_columns = [Column("commune", "Xã, phường", lambda r: r.commune)] + _group_columns(
        "kind", "Loại hoạt động"
    )
    member_columns = [
        Column("name", "Thành viên", lambda r: r.name),
        Column("unit", "Đơn vị", lambda r: r.unit),
        Column("activities", "Số hoạt động tham gia", lambda r: r.activities, "int"),
        Column("hours", "Giờ tham gia", lambda r: r.hours, "dec"),
        Column("cases", "Trường hợp tại các hoạt động", lambda r: r.cases, "int"),
        Column("credited", "Được tính tại các hoạt động", lambda r: r.credited, "int"),
        Column("own", "Trong đó tự hướng dẫn", lambda r: r.own_credited, "int"),
        Column("per_hour", "Được tính / giờ", lambda r: r.per_hour, "dec"),
    ]
    weeks = [group for _monday, group in found.weeks]
    return {
        "activities": (
            Table(request, activity_columns, found.activities, prefix="a"),
            "hoat-dong",
            "Theo hoạt động",
            False,
        ),
        "kinds": (
            Table(
                request,
                _group_columns("kind", "Loại hoạt động"),
                found.kinds,
                prefix="k",
                default_sort="-per_hour",
            ),
            "hoat-dong-theo-loai",
            "Theo loại hoạt động",
            False,
        ),
        "communes": (
            Table(request, commune_columns, communes, prefix="c"),
            "hoat-dong-theo-xa",
            "Theo xã và loại",
            False,
        ),
        "places": (
            Table(request, _group_columns("place", "Địa điểm"), found.places, prefix="ap"),
            "hoat-dong-theo-dia-diem",
            "Theo địa điểm",
            False,
        ),
        "weeks": (
            Table(request, _group_columns("week", "Tuần từ"), weeks, prefix="aw", per_page=60),
            "hoat-dong-theo-tuan",
            "Hoạt động theo tuần",
            False,
        ),
        "members": (
            Table(request, member_columns, found.members, prefix="m", default_sort="-credited"),
            "thanh-vien-tham-gia-hoat-dong",
            "Thành viên tham gia",
            True,
        ),
    }


class _CommuneKind:
    """A row of the commune table: a commune and one kind's sum there."""

    def __init__(self, commune, group):
        self.commune, self.group = commune, group

    def __getattr__(self, name):
        return getattr(self.group, name)


def _ratio(part, whole):
    from campaign.activity_yield import ratio

    return ratio(part, whole)


# --- Data to fix ---------------------------------------------------------------------------


class CountedPaginator(Paginator):
    """A paginator told its count (kept with the figures) instead of counting every request."""

    def __init__(self, *args, count, **kwargs):
        super().__init__(*args, **kwargs)
        self._known = count

    @cached_property
    def count(self):
        return self._known


def _warning_condition():
    province = Substr("id_number", 1, 3)
    phone_prefix = Substr("phone", 1, 3)
    bad_phone = ~Q(phone="") & ~(
        (Q(phone_length=10) & Q(phone_prefix__in=sorted(MOBILE_PREFIXES)))
        | (Q(phone_length=11) & Q(phone__startswith="02"))
    )
    return {"province": province, "phone_prefix": phone_prefix, "phone_length": Length("phone")}, (
        ~Q(province__in=sorted(PROVINCE_CODES)) | bad_phone
    )


def _level_day_portal(level, day, portal):
    if level is None:
        return "chưa kích hoạt"
    text = f"Mức {level} · {day:%d/%m/%Y}" if day else f"Mức {level}"
    if portal is not None:
        text += " · DVC: " + ("có" if portal else "không")
    return text


def _typed(case):
    return _level_day_portal(case.eid_level, case.activated_on, case.portal_used)


def _official(case):
    if case.official_level is None:
        return "không có trong danh sách"
    return _level_day_portal(case.official_level, case.official_activated_on, case.official_portal)


@login_required
def data_to_fix(request):
    page = Page(request)
    if own := _own_page_instead(page):
        return own
    campaign, units = page.campaign, page.units
    section = request.GET.get("section", "claims")
    unit = (
        named_in(units, request.GET.get("unit"), field="code") if request.GET.get("unit") else None
    )
    scope = Unit.objects.subtree(unit) if unit else units
    scope_key = scope_parts(scope) if unit else page.scope
    search = search_text(request.GET.get("q"))

    standing = DoubleClaimResolution.objects.filter(
        campaign=campaign, resident=OuterRef("pk"), undone_at__isnull=True
    )
    claims = (
        double_claimed_residents(campaign, scope)
        .annotate(resolved=Exists(standing))
        .filter(resolved=False)
    )
    cases = Case.objects.filter(campaign=campaign, member__unit__in=scope).select_related(
        "resident", "member__unit"
    )
    follow_up = cases.filter(eid_level__isnull=True).order_by("-guided_on", "-pk")
    no_day = cases.filter(guided_on__isnull=True).order_by("-pk")
    annotations, warned = _warning_condition()
    warnings = (
        Resident.objects.annotate(**annotations)
        .filter(warned)
        .filter(
            Exists(
                Case.objects.filter(
                    resident=OuterRef("pk"), campaign=campaign, member__unit__in=scope
                )
            )
        )
        .order_by("full_name", "pk")
    )
    if search:
        condition = search_condition(search, "full_name", "id_number", folded_field="search_name")
        claims = claims.filter(condition)
        warnings = warnings.filter(condition)
        resident_condition = search_condition(
            search,
            "resident__full_name",
            "resident__id_number",
            folded_field="resident__search_name",
        )
        follow_up = follow_up.filter(resident_condition)
        no_day = no_day.filter(resident_condition)

    # Checked against the activation list (with a list in force): the cases that differ or
    # are not on it, the list's values beside the typed ones (never the list's other rows).
    checked = verification.list_in_force(campaign) is not None
    wanted_status = request.GET.get("status")
    if wanted_status not in (verification.DIFFERS, verification.NOT_FOUND):
        wanted_status = None
    conditions = verification.status_conditions(campaign)
    to_check = cases.filter(
        conditions[wanted_status]
        if wanted_status
        else conditions[verification.DIFFERS] | conditions[verification.NOT_FOUND]
    ).order_by("member__unit__path", "resident__full_name", "pk")
    to_check = verification.with_status(to_check, campaign)
    if search:
        to_check = to_check.filter(resident_condition)

    def counts():
        found = {
            "claims": claims.count(),
            "follow_up": follow_up.count(),
            "no_day": no_day.count(),
            "warnings": warnings.count(),
        }
        if checked:
            found["verification"] = to_check.count()
        return found

    counted = kept(
        ["fix-counts", campaign.pk, scope_key, search, wanted_status], counts, version=page.version
    )
    resident_columns = [
        Column("name", "Người dân", lambda r: r.full_name, order="full_name"),
        Column("id", "Số định danh", lambda r: mask_id_number(r.id_number), sortable=False),
        Column("village", "Thôn, bản", lambda r: r.village, order="village"),
        Column("commune", "Xã", lambda r: r.commune, order="commune"),
    ]
    case_columns = [
        Column("name", "Người dân", lambda c: c.resident.full_name, order="resident__full_name"),
        Column(
            "id", "Số định danh", lambda c: mask_id_number(c.resident.id_number), sortable=False
        ),
        Column("phone", "Điện thoại", lambda c: mask_phone(c.resident.phone), sortable=False),
        Column("village", "Thôn, bản", lambda c: c.resident.village, order="resident__village"),
        Column("guide", "Người hướng dẫn", lambda c: c.member.full_name, order="member__full_name"),
        Column("unit", "Đơn vị", lambda c: c.member.unit.name, order="member__unit__name"),
        Column("guided", "Ngày hướng dẫn", lambda c: c.guided_on, "day", order="guided_on"),
    ]
    # The edit link only on the cases the user may change (a viewer changes none).
    if checked:
        case_columns.append(
            Column(
                "status",
                "Đối chiếu danh sách kích hoạt",
                lambda c: verification.LABELS[c.verification],
                sortable=False,
            )
        )
        follow_up = verification.with_status(follow_up, campaign)
        no_day = verification.with_status(no_day, campaign)
    check_columns = [
        Column("name", "Người dân", lambda c: c.resident.full_name, order="resident__full_name"),
        Column(
            "id", "Số định danh", lambda c: mask_id_number(c.resident.id_number), sortable=False
        ),
        Column("guide", "Người hướng dẫn", lambda c: c.member.full_name, order="member__full_name"),
        Column("unit", "Đơn vị", lambda c: c.member.unit.name, order="member__unit__name"),
        Column(
            "status", "Tình trạng", lambda c: verification.LABELS[c.verification], sortable=False
        ),
        Column("typed", "Đã nhập", lambda c: _typed(c), sortable=False),
        Column("official", "Theo danh sách kích hoạt", lambda c: _official(c), sortable=False),
        Column(
            "check",
            "Cần kiểm tra",
            lambda c: verification.ADVICE.get(c.verification, ""),
            sortable=False,
        ),
    ]
    editable = Case.objects.editable_by(request.user)
    if editable.filter(campaign=campaign, member__unit__in=scope).exists():
        edit_column = Column(
            "edit",
            "Sửa",
            lambda c: "Sửa" if c.may_edit else "",
            link=lambda c: reverse("campaign:case_edit", args=[c.pk]) if c.may_edit else None,
            sortable=False,
            screen_only=True,
        )
        check_columns.append(edit_column)
        to_check = to_check.annotate(may_edit=Exists(editable.filter(pk=OuterRef("pk"))))
        case_columns.append(
            Column(
                "edit",
                "Sửa",
                lambda c: "Sửa" if c.may_edit else "",
                link=lambda c: reverse("campaign:case_edit", args=[c.pk]) if c.may_edit else None,
                sortable=False,
                screen_only=True,
            )
        )
        editable_here = Exists(editable.filter(pk=OuterRef("pk")))
        follow_up = follow_up.annotate(may_edit=editable_here)
        no_day = no_day.annotate(may_edit=editable_here)
    sections = {
        "claims": (
            "Trùng lặp chưa giải quyết",
            resident_columns
            + [
                Column(
                    "open",
                    "Giải quyết",
                    lambda r: "Mở sổ trùng lặp",
                    link=lambda r: f"{reverse('reports:double_claims')}?campaign={campaign.slug}",
                    sortable=False,
                    screen_only=True,
                )
            ],
            claims,
        ),
        "follow_up": ("Đã hướng dẫn, chưa kích hoạt", case_columns, follow_up),
        "no_day": ("Chưa ghi ngày hướng dẫn", case_columns, no_day),
        "warnings": ("Số định danh, điện thoại cần kiểm tra", resident_columns, warnings),
    }
    if checked:
        sections["verification"] = ("Lệch với danh sách kích hoạt", check_columns, to_check)
    if section not in sections:
        section = "claims"
    title, columns, rows = sections[section]
    pks = kept(
        ["fix-rows", campaign.pk, scope_key, search, section, wanted_status],
        lambda: list(rows.values_list("pk", flat=True)),
        version=page.version,
    )
    table = Table(request, columns, KeptRows(pks, rows))
    table._page = CountedPaginator(table.rows, 50, count=len(pks)).get_page(request.GET.get("page"))
    if table.wants_xlsx:
        return table.xlsx_response(f"can-sua-{section}", title, user=request.user, personal=True)
    return render(
        request,
        "dashboards/fix.html",
        page.context(
            table=table,
            title=title,
            section=section,
            sections=[(key, label, counted[key]) for key, (label, _c, _r) in sections.items()],
            counted=counted,
            search=search,
            unit=unit,
            units=[u for u in units.order_by("path").only("code", "name", "path")],
            nav_current="fix",
            wanted_status=wanted_status,
            statuses=[
                (verification.DIFFERS, verification.LABELS[verification.DIFFERS]),
                (verification.NOT_FOUND, verification.LABELS[verification.NOT_FOUND]),
            ],
        ),
    )
