"""Each dashboard page's figures and tables, worked out outside its view: a view reads the
filter (`Page`), calls one function of this module, and renders what it returns (or the
workbook of the table that was asked for: `Table.download`).

Every page is scoped to the user's units, has the campaign / period / day filter, and reads
the figures kept under the figures version (`dashboards.figures`): at a province's scale no
page recomputes them from the cases table while nothing changed. The tables' columns are in
`dashboards.tables`."""

import datetime

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from campaign import rules, verification
from campaign.activation_views import may_manage_list
from campaign.claim_notices import notices_for
from campaign.claims import double_claimed_residents
from campaign.import_reviews import waiting_for
from campaign.models import Case, DoubleClaimResolution, Resident
from campaign.results import KINDS
from privacy.scope import SeenRows, counted_not_named, hide_residents_of, resident_search
from privacy.search import search_query
from units.forms import named_in
from units.models import Member, MemberCategory, Unit
from units.normalize import MOBILE_PREFIXES, PROVINCE_CODES

from . import charts, formats
from . import tables as t
from .figures import (
    activity_yield_for,
    figures_for,
    kept,
    outreach_for,
    results_for,
    scope_parts,
    scope_version,
    weekly_for,
)
from .forms import FiguresFilter, previous_period, search_text
from .tables import KeptRows, Table


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
        # The writes to the user's branches only: a case saved in another commune keeps
        # this page's figures (dashboards.figures.scope_version).
        return scope_version(self.units)

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

    def own_page_instead(self):
        """A member with their own account and no unit role sees only their own page: the
        redirect to it (keeping the chosen day or period), or None for everyone else."""
        if self.scope or self.own_member is None:
            return None
        return redirect(self.with_window(reverse("dashboards:member", args=[self.own_member.pk])))

    @cached_property
    def window_query(self):
        query = self.request.GET.copy()
        for name in list(query):
            if name not in ("campaign", "as_of", "period"):
                query.pop(name)
        return query.urlencode()

    def with_window(self, url):
        return f"{url}?{self.window_query}" if self.window_query else url

    def context(self, **extra):
        return {
            "form": self.form,
            "campaign": self.campaign,
            "as_of": self.as_of,
            "since": self.since,
            "period": self.period,
            "window_query": self.window_query,
            "list_in_force": self.list_in_force,
            "from_activation_list": rules.from_activation_list(self.campaign),
            **extra,
        }


def wanted_download(shown):
    """The workbook of the table (among `shown`'s values, or in a dict of them) whose
    download was asked for, or None."""
    for value in shown.values():
        for table in value.values() if isinstance(value, dict) else [value]:
            if isinstance(table, Table) and table.wants_xlsx:
                return table.download()
    return None


def _chart_end(page, weekly):
    """The last day a progress chart shows: the window's day, but no further than the
    campaign's end, or than a week after its last activation and the drive's end."""
    campaign, end = page.campaign, page.as_of
    if campaign.ends_on:
        return min(end, campaign.ends_on)
    last = max([day for day, *_counts in weekly if day] + [campaign.drive_ends_on or end])
    return min(end, last + datetime.timedelta(days=7))


def _progress_chart(page, title, lines, weekly, target):
    campaign = page.campaign
    return charts.cumulative_chart(
        title,
        lines,
        start=campaign.activation_starts_on,
        end=_chart_end(page, weekly),
        target=target,
        band=(campaign.drive_starts_on, campaign.drive_ends_on),
        band_label=_("120-day drive"),
    )


def _tops(results):
    shown = {unit.pk for unit in results.units}
    return [unit for unit in results.units if unit.parent_id not in shown]


def _name_units(members, results):
    names = {u.pk: u.name for u in results.units}
    for member in members:
        member.unit_name = names.get(member.unit_id, member.unit_code)
    return members


def _manages_list(user):
    """Whether the overview links to the activation list's page (a district administrator)."""
    return may_manage_list(user)


def _kinds(by_kind):
    """(label, tally) of each unit kind with members on its roster, in the plan's order."""
    return [
        (t.kind_label(kind), tally)
        for kind in KINDS
        if (tally := by_kind.get(kind)) and tally.members_listed
    ]


def _kinds_table(request, kinds, file):
    return Table(
        request,
        t.kind_columns(),
        kinds,
        prefix="k",
        file=file,
        sheet=pgettext("dashboard", "By unit kind"),
    )


def _compliance_table(page, tally, file):
    """The cadres' own accounts and procedures (plan II.1) over `tally`'s members."""
    campaign = page.campaign
    compliance = [
        (_("Level 2 electronic ID account"), tally.level2, 100),
        (pgettext("dashboard", "VNeID activated"), tally.vneid, 100),
        (_("Uses the National Public Service Portal"), tally.portal, 100),
        (
            pgettext("dashboard", "Own procedures online"),
            tally.own_procedures,
            campaign.own_procedures_target,
        ),
        (
            _("Family's procedures online"),
            tally.family_procedures,
            campaign.family_procedures_target,
        ),
    ]
    return Table(
        page.request,
        t.compliance_columns(tally),
        compliance,
        prefix="c",
        file=file,
        sheet=_("Officials' own accounts"),
    )


# --- Overview ------------------------------------------------------------------------------


def overview(page):
    request, campaign = page.request, page.campaign
    results, summary = page.figures.results, page.figures.summary
    totals = results.totals
    weekly = weekly_for(
        campaign, as_of=page.as_of, units=page.units, scope=page.scope, version=page.version
    )
    target = sum(m.quota for m in results.members if m.active)
    chart = _progress_chart(
        page,
        _("Credited cases, cumulative by week"),
        {
            _("Eligible (electronic ID and the portal)"): (
                "full",
                [(day, full) for day, _eid, full in weekly if day],
            ),
            _("Electronic ID"): ("eid", [(day, eid) for day, eid, _full in weekly if day]),
        },
        weekly,
        target,
    )
    running_eid = running_full = 0
    weeks = []
    for day, eid, full in weekly:
        running_eid += eid
        running_full += full
        weeks.append((day, eid, full, running_eid, running_full))
    kinds = _kinds(results.by_kind)
    return {
        "results": results,
        "summary": summary,
        "totals": totals,
        "target": target,
        "chart": chart,
        "units_table": Table(
            request,
            t.unit_columns(page, None),
            _tops(results),
            prefix="u",
            file="tong-quan-don-vi",
            sheet=_("Units"),
        ),
        "kinds_table": _kinds_table(request, kinds, "tong-quan-theo-khoi"),
        "kind_chart": charts.bar_chart(
            _("Eligible cases by unit kind"), [(label, k.credited_full) for label, k in kinds]
        ),
        "weeks_table": Table(
            request,
            t.week_columns(),
            weeks,
            prefix="w",
            per_page=60,
            file="tien-do-theo-tuan",
            sheet=_("Progress by week"),
        ),
        "compliance_table": _compliance_table(page, totals, "can-bo-tu-thuc-hien"),
        "nav_current": "overview",
        "manages_list": _manages_list(request.user),
    }


# --- Units ---------------------------------------------------------------------------------


def unit_ranking(page):
    request, results = page.request, page.figures.results
    level = request.GET.get("level", "")
    rows = [u for u in results.units if u.tally.members_listed and not u.closed]
    if level == "top":
        rows = _tops(results)
    elif level == "leaf":
        parents = {u.parent_id for u in results.units}
        rows = [u for u in rows if u.pk not in parents]
    kind = request.GET.get("kind", "")
    if kind in t.KIND_LABELS:
        rows = [u for u in rows if u.kind == kind]
    previous_period_, previous = page.previous
    return {
        "table": Table(
            request,
            t.unit_columns(page, previous),
            rows,
            default_sort="-full",
            file="xep-hang-don-vi",
            sheet=_("Unit ranking"),
        ),
        "previous_period": previous_period_,
        "level": level,
        "kind": kind,
        "kinds": [(k, t.KIND_LABELS[k]) for k in KINDS],
        "nav_current": "units",
    }


def _parent_shown(page, unit):
    """The unit above, when the user may open its page (a commune's secretary may not of its
    district's): the crumbs link to it only then."""
    if unit.parent_id is None:
        return None
    return page.units.filter(pk=unit.parent_id).only("code", "name").first()


def unit_page(page, unit):
    request = page.request
    subtree = Unit.objects.subtree(unit)
    figures = figures_for(
        page.campaign, as_of=page.as_of, since=page.since, units=subtree, version=page.version
    )
    results = figures.results
    weekly = weekly_for(page.campaign, as_of=page.as_of, units=subtree, version=page.version)
    children = [u for u in results.units if u.parent_id == unit.pk]
    _period, previous = page.previous
    members = _name_units([m for m in results.members if m.unit_id == unit.pk], results)
    target = sum(m.quota for m in results.members if m.active)
    chart = _progress_chart(
        page,
        _("%(unit)s: credited cases, cumulative") % {"unit": unit.name},
        {_("Eligible"): ("full", [(d, f) for d, _e, f in weekly if d])},
        weekly,
        target,
    )
    running, weeks = 0, []
    for day, _eid, full in weekly:
        running += full
        weeks.append((day, full, running))
    figures_here = results.unit(unit.code)
    return {
        "unit": unit,
        "parent": _parent_shown(page, unit),
        "figures": figures_here,
        "kind_label": t.kind_label(unit.kind),
        "kinds_table": _kinds_table(request, _kinds(figures_here.by_kind), f"khoi-{unit.code}"),
        "compliance_table": _compliance_table(page, figures_here.tally, f"can-bo-{unit.code}"),
        "sub_table": Table(
            request,
            t.unit_columns(page, previous),
            children,
            prefix="u",
            default_sort="-full",
            file=f"don-vi-{unit.code}",
            sheet=unit.name,
        ),
        "member_table": Table(
            request,
            t.member_columns(page, unit_page=True),
            members,
            prefix="m",
            default_sort="-full",
            file=f"thanh-vien-{unit.code}",
            sheet=unit.name,
            personal=True,
        ),
        "chart": chart,
        "weeks": weeks,
        "target": target,
        "nav_current": "units",
    }


# --- Members -------------------------------------------------------------------------------


def members_behind(page):
    request, results = page.request, page.figures.results
    members = _name_units([m for m in results.members if m.active], results)
    wanted = request.GET.get("unit")
    chosen = named_in(page.units, wanted, field="code") if wanted else None
    if chosen is not None:
        inside = {u.pk for u in results.units if u.path.startswith(chosen.path)}
        members = [m for m in members if m.unit_id in inside]
    category = request.GET.get("category", "")
    if category in MemberCategory.values:
        members = [m for m in members if m.category == category]
    behind = [m for m in members if not m.meets_quota]
    top = sorted(members, key=lambda m: (-m.credited_full, m.name))[:10]
    return {
        "table": Table(
            request,
            t.member_columns(page),
            behind,
            default_sort="-gap",
            file="thanh-vien-chua-dat",
            sheet=_("Members below the quota"),
            personal=True,
        ),
        "top_table": Table(
            request,
            t.member_columns(page, gap=False),
            top,
            prefix="t",
            per_page=10,
            file="thanh-vien-dan-dau",
            sheet=_("Leading members"),
            personal=True,
        ),
        "behind_count": len(behind),
        "member_count": len(members),
        "units": [u for u in results.units if u.tally.members_listed],
        "chosen": chosen,
        "category": category,
        "categories": [(value, str(label)) for value, label in MemberCategory.choices],
        "nav_current": "members",
    }


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


def member_page(page, member):
    request, user = page.request, page.request.user
    verdicts = rules.explain(
        Case.objects.filter(member=member).order_by("resident__full_name", "pk"),
        page.campaign,
        page.as_of,
        page.since,
    )
    verdicts = counted_not_named(user, verdicts, page.campaign)  # other trees: counted
    hide_residents_of(user, [v.case for v in verdicts])  # as the user's units typed them
    full = sum(v.credited_full for v in verdicts)
    quota = page.campaign.quota_for(member.category)
    failing = {}
    for verdict in verdicts:
        for code, _text in verdict.reasons:
            failing[code] = failing.get(code, 0) + 1
    return {
        "member": member,
        "category": t.category_label(member.category),
        "table": Table(
            request,
            t.verdict_columns(page),
            verdicts,
            file=f"truong-hop-{member.pk}",
            sheet=member.full_name,
            personal=True,
        ),
        "cases": len(verdicts),
        "credited_full": full,
        "credited_eid": sum(v.credited_eid for v in verdicts),
        "quota": quota,
        "gap": max(0, quota - full),
        "progress": min(100, formats.share(full, quota)),
        "progress_class": f"p{min(100, int(formats.share(full, quota)) // 5 * 5)}",
        "reasons": [
            (str(rule.reason), failing[rule.code]) for rule in rules.RULES if rule.code in failing
        ],
        "own": member.user_id == user.pk,
        "nav_current": "members",
        "checks": _member_checks(member, page),
    }


# --- Outreach ------------------------------------------------------------------------------


class _CommuneKind:
    """A row of the commune table: a commune and one kind's sum there."""

    def __init__(self, commune, group):
        self.commune, self.group = commune, group

    def __getattr__(self, name):
        return getattr(self.group, name)


# Rows a page of each long outreach table shows: six tables on one page, each row a card on
# a phone; 20 keeps the page short at 390 px and under 300 ms with 20,000 activities. The
# downloads hold every row.
OUTREACH_ROWS = 20


def _activity_tables(request, found):
    """The outreach activities' tables, by the key the template reads them by."""
    communes = [
        _CommuneKind(commune, group) for commune, groups in found.communes for group in groups
    ]
    kinds = t.group_columns("kind", _("Kind of activity"))
    return {
        "activities": Table(
            request,
            t.activity_columns(),
            found.activities,
            prefix="a",
            per_page=OUTREACH_ROWS,
            file="hoat-dong",
            sheet=_("By activity"),
        ),
        "kinds": Table(
            request,
            kinds,
            found.kinds,
            prefix="k",
            default_sort="-per_hour",
            file="hoat-dong-theo-loai",
            sheet=_("By kind of activity"),
        ),
        "communes": Table(
            request,
            t.commune_columns(),
            communes,
            prefix="c",
            per_page=OUTREACH_ROWS,
            file="hoat-dong-theo-xa",
            sheet=_("By commune and kind"),
        ),
        "places": Table(
            request,
            t.group_columns("place", _("Place")),
            found.places,
            prefix="ap",
            per_page=OUTREACH_ROWS,
            file="hoat-dong-theo-dia-diem",
            sheet=_("By place"),
        ),
        "weeks": Table(
            request,
            t.group_columns("week", _("Week from")),
            [group for _monday, group in found.weeks],
            prefix="aw",
            per_page=60,
            file="hoat-dong-theo-tuan",
            sheet=_("Activities by week"),
        ),
        "members": Table(
            request,
            t.activity_member_columns(),
            found.members,
            prefix="m",
            default_sort="-credited",
            per_page=OUTREACH_ROWS,
            file="thanh-vien-tham-gia-hoat-dong",
            sheet=_("Members taking part"),
            personal=True,
        ),
    }


def outreach(page):
    request, campaign = page.request, page.campaign
    window = {"as_of": page.as_of, "units": page.units, "scope": page.scope}
    figures = outreach_for(campaign, **window, version=page.version)
    places = [(t.place_label(place), cases, full) for place, cases, full in figures.places]
    by_week = {}
    for week, place, count in figures.weeks:
        by_week.setdefault(week, {})[place] = count
    found = activity_yield_for(campaign, **window, version=page.version)
    return {
        "place_table": Table(
            request,
            t.place_columns(),
            places,
            prefix="p",
            default_sort="-cases",
            file="tuyen-truyen-hinh-thuc",
            sheet=_("By form"),
        ),
        "week_table": Table(
            request,
            t.place_week_columns([place for place, _c, _f in figures.places]),
            [(week, counts) for week, counts in sorted(by_week.items())],
            prefix="w",
            per_page=60,
            file="tuyen-truyen-theo-tuan",
            sheet=_("By week"),
        ),
        "activity_yield": found,
        "activity_tables": _activity_tables(request, found),
        "place_chart": charts.bar_chart(
            _("Cases guided by form"), [(label, c) for label, c, _f in places]
        ),
        "nav_current": "outreach",
    }


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


class _ToFix:
    """The rows of each section of the page to fix, in the chosen unit's tree, searched."""

    def __init__(self, page):
        request, campaign = page.request, page.campaign
        self.page, self.campaign = page, campaign
        code = request.GET.get("unit")
        self.unit = named_in(page.units, code, field="code") if code else None
        self.scope = Unit.objects.subtree(self.unit) if self.unit else page.units
        self.scope_key = scope_parts(self.scope) if self.unit else page.scope
        # A search by ID number comes as a token (privacy.search): no number in the address.
        self.search = search_text((search_query(request) or {}).get("q"))
        self.checked = verification.list_in_force(campaign) is not None
        status = request.GET.get("status")
        self.status = status if status in (verification.DIFFERS, verification.NOT_FOUND) else None
        self.cases = Case.objects.filter(campaign=campaign, member__unit__in=self.scope)
        self.cases = self.cases.select_related("resident", "member__unit")

    def _searched(self, rows, prefix=""):
        """Names as the user's tree recorded them; whole ID numbers only (privacy.scope)."""
        if not self.search:
            return rows
        return rows.filter(resident_search(self.page.request.user, self.search, prefix=prefix))

    def claims(self):
        standing = DoubleClaimResolution.objects.filter(
            campaign=self.campaign, resident=OuterRef("pk"), undone_at__isnull=True
        )
        claims = double_claimed_residents(self.campaign, self.scope)
        return self._searched(claims.annotate(resolved=Exists(standing)).filter(resolved=False))

    def follow_up(self):
        rows = self.cases.filter(eid_level__isnull=True).order_by("-guided_on", "-pk")
        return self._searched(rows, "resident__")

    def no_day(self):
        return self._searched(
            self.cases.filter(guided_on__isnull=True).order_by("-pk"), "resident__"
        )

    def warnings(self):
        annotations, warned = _warning_condition()
        mine = Case.objects.filter(
            resident=OuterRef("pk"), campaign=self.campaign, member__unit__in=self.scope
        )
        rows = Resident.objects.annotate(**annotations).filter(warned).filter(Exists(mine))
        return self._searched(rows.order_by("full_name", "pk"))

    def to_check(self):
        """Checked against the activation list (with a list in force): the cases that differ
        or are not on it, the list's values beside the typed ones (never its other rows)."""
        conditions = verification.status_conditions(self.campaign)
        wanted = (
            conditions[self.status]
            if self.status
            else conditions[verification.DIFFERS] | conditions[verification.NOT_FOUND]
        )
        rows = self.cases.filter(wanted).order_by("member__unit__path", "resident__full_name", "pk")
        rows = verification.with_status(rows, self.campaign).select_related("official")
        return self._searched(rows, "resident__")

    def counts(self):
        found = {
            "claims": self.claims().count(),
            "follow_up": self.follow_up().count(),
            "no_day": self.no_day().count(),
            "warnings": self.warnings().count(),
        }
        if self.checked:
            found["verification"] = self.to_check().count()
        return found

    def sections(self):
        """{key: (title, columns, rows)}; the edit link only on the cases the user may change
        (a viewer changes none)."""
        follow_up, no_day, to_check = self.follow_up(), self.no_day(), self.to_check()
        case_columns, check_columns = t.case_columns(self.checked), t.check_columns()
        if self.checked:
            follow_up = verification.with_status(follow_up, self.campaign)
            no_day = verification.with_status(no_day, self.campaign)
        editable = Case.objects.editable_by(self.page.request.user)
        if editable.filter(campaign=self.campaign, member__unit__in=self.scope).exists():
            check_columns.append(t.edit_column())
            case_columns.append(t.edit_column())
            editable_here = Exists(editable.filter(pk=OuterRef("pk")))
            to_check = to_check.annotate(may_edit=editable_here)
            follow_up = follow_up.annotate(may_edit=editable_here)
            no_day = no_day.annotate(may_edit=editable_here)
        sections = {
            "claims": (
                _("Double claims not resolved"),
                t.claims_columns(self.campaign),
                self.claims(),
            ),
            "follow_up": (_("Guided, not activated yet"), case_columns, follow_up),
            "no_day": (_("No guidance day recorded"), case_columns, no_day),
            "warnings": (
                _("ID and phone numbers to check"),
                t.resident_columns(),
                self.warnings(),
            ),
        }
        if self.checked:
            sections["verification"] = (
                _("Different from the activation list"),
                check_columns,
                to_check,
            )
        return sections


def data_to_fix(page):
    request, campaign = page.request, page.campaign
    fix = _ToFix(page)
    parts = [campaign.pk, fix.scope_key, fix.search]
    counted = kept(["fix-counts", *parts, fix.status], fix.counts, version=page.version)
    sections = fix.sections()
    section = request.GET.get("section", "claims")
    # The menu's link to the discrepancies, with no list in force: said, not a blank tab.
    no_list = section == "verification" and not fix.checked
    if section not in sections:
        section = "claims"
    title, columns, rows = sections[section]
    pks = kept(
        ["fix-rows", *parts, section, fix.status],
        lambda: list(rows.values_list("pk", flat=True)),
        version=page.version,
    )
    table = Table(
        request,
        columns,
        KeptRows(pks, rows),
        file=f"can-sua-{section}",
        sheet=title,
        personal=True,
    )
    # Another tree's resident named as the user's tree recorded them, or not at all: on the
    # page and in its workbook alike.
    table.rows = SeenRows(request.user, table.rows, cases=section not in ("claims", "warnings"))
    table._page = CountedPaginator(table.rows, 50, count=len(pks)).get_page(request.GET.get("page"))
    claim_notices, claim_notices_new = notices_for(request.user, campaign)
    return {
        "claim_notices": claim_notices,
        "claim_notices_new": claim_notices_new,
        "held_imports": waiting_for(request.user, campaign),
        "table": table,
        "title": title,
        "section": section,
        "sections": [(key, label, counted[key]) for key, (label, _c, _r) in sections.items()],
        "counted": counted,
        "search": fix.search,
        "unit": fix.unit,
        "units": [u for u in page.units.order_by("path").only("code", "name", "path")],
        "nav_current": "fix",
        "wanted_status": fix.status,
        "no_list": no_list,
        "statuses": [
            (verification.DIFFERS, verification.LABELS[verification.DIFFERS]),
            (verification.NOT_FOUND, verification.LABELS[verification.NOT_FOUND]),
        ],
    }
