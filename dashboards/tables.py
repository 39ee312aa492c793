"""Tables defined once, column by column, for the screen and for the Excel download: the same
columns, in the same order, with the same headings; sortable and paginated on screen.

    table = Table(request, [Column("name", _("Name"), lambda m: m.name), ...], rows,
                  file="thanh-vien", sheet=_("Members"), personal=True)
    if table.wants_xlsx: return table.download()

`rows` is a list (sorted in Python) or a queryset (sorted by each column's `order` field).
The dashboards' column lists are at the end of this module, one function a table; each
page's figures and rows are in `dashboards.pages`.
"""

import datetime
import io
import re
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from campaign import verification
from campaign.activity_yield import ratio as activity_ratio
from campaign.models import NO_PLACE, Place
from campaign.workbook.columns import Column
from privacy.masking import mask_id_number, mask_phone
from privacy.models import PersonalDataAccess
from units.models import MemberCategory, UnitKind

from . import formats

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATTERS = {
    "text": lambda v: "" if v is None else str(v),
    "int": formats.whole,
    "dec": formats.decimal,
    "pct": formats.percent,
    "day": formats.day,
}
EXCEL_FORMATS = {"int": "#,##0", "dec": "#,##0.00", "pct": "0.0%", "day": "dd/mm/yyyy"}


class KeptRows:
    """Rows known by their primary keys in their default order (kept with the figures): a page
    fetches only its own rows. Sorting by a column falls back to `queryset`."""

    def __init__(self, pks, queryset):
        self.pks = pks
        self.queryset = queryset

    def __len__(self):
        return len(self.pks)

    def count(self):
        return len(self.pks)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._fetch(self.pks[index])
        return self._fetch([self.pks[index]])[0]

    def _fetch(self, pks):
        found = self.queryset.in_bulk(pks)
        return [found[pk] for pk in pks if pk in found]

    def __iter__(self):
        for start in range(0, len(self.pks), 2000):
            yield from self._fetch(self.pks[start : start + 2000])


class Table:
    def __init__(
        self,
        request,
        columns,
        rows,
        *,
        per_page=50,
        prefix="",
        default_sort=None,
        file=None,
        sheet=None,
        personal=False,
    ):
        self.request = request
        # The download: its file name, its sheet's title, and whether it holds personal
        # data (then it is recorded as the user's access).
        self.file, self.sheet, self.personal = file, sheet, personal
        self.columns = columns
        self.prefix = prefix
        self.sort_param, self.page_param = f"{prefix}sort", f"{prefix}page"
        self.download_param = f"{prefix}xlsx"
        wanted = request.GET.get(self.sort_param) or default_sort or ""
        by_key = {c.key: c for c in columns if c.sortable}
        self.sort_key = wanted.lstrip("-") if wanted.lstrip("-") in by_key else None
        self.descending = wanted.startswith("-") and self.sort_key is not None
        self.rows = self._sorted(rows, by_key.get(self.sort_key))
        self.per_page = per_page

    @property
    def wants_xlsx(self):
        return self.request.GET.get(self.download_param) == "1"

    def _sorted(self, rows, column):
        if column is None:
            return rows
        if isinstance(rows, KeptRows):
            rows = rows.queryset
        if isinstance(rows, QuerySet):
            field = column.order or column.key
            return rows.order_by(("-" if self.descending else "") + field, "pk")

        def key(row):
            value = column.value(row)
            if value is None or value == "":
                return (0, "")
            if isinstance(value, str):
                return (1, value.casefold())
            return (1, value)

        return sorted(rows, key=key, reverse=self.descending)

    def _url(self, **changes):
        query = self.request.GET.copy()
        for name, value in changes.items():
            query.pop(name, None)
            if value is not None:
                query[name] = value
        return "?" + query.urlencode()

    @property
    def page(self):
        if not hasattr(self, "_page"):
            self._page = Paginator(self.rows, self.per_page).get_page(
                self.request.GET.get(self.page_param)
            )
        return self._page

    def headers(self):
        for column in self.columns:
            current = column.key == self.sort_key
            target = column.key if not current or self.descending else f"-{column.key}"
            if not current and column.numeric:
                target = f"-{column.key}"  # numbers open largest first
            yield {
                "column": column,
                "url": self._url(**{self.sort_param: target, self.page_param: None})
                if column.sortable
                else None,
                "sorted": ("descending" if self.descending else "ascending") if current else "",
            }

    def sort_links(self):
        """The headings the table sorts by, for the line of sort links a phone shows."""
        return [header for header in self.headers() if header["url"]]

    def body(self):
        for row in self.page.object_list:
            yield [
                {
                    "text": FORMATTERS[column.kind](column.value(row)),
                    "url": column.link(row) if column.link else None,
                    "numeric": column.numeric,
                    "label": column.label,
                }
                for column in self.columns
            ]

    def page_url(self, number):
        return self._url(**{self.page_param: number})

    def download_url(self):
        return self._url(**{self.download_param: "1", self.page_param: None})

    def download(self):
        """The workbook of this table, as `file` and `sheet` name it."""
        user = self.request.user if self.personal else None
        return self.xlsx_response(self.file, self.sheet, user=user, personal=self.personal)

    def xlsx_response(self, name, title, *, user=None, personal=False):
        """Every row (not one page), the same columns as on screen but the links that are
        only actions. A download of personal data is recorded."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        from campaign.workbook.cells import data_cell

        book = Workbook(write_only=True)
        sheet = book.create_sheet(sheet_title(title))
        bold = Font(bold=True)
        columns = [column for column in self.columns if not column.screen_only]
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=str(column.label))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        count = 0
        held = set()  # the ID numbers of the persons the rows are (members, residents)
        rows = self.rows.iterator(2000) if isinstance(self.rows, QuerySet) else self.rows
        for row in rows:
            count += 1
            if personal:
                held.add(_person_of(row))
            cells = []
            for column in columns:
                value = _excel_value(column, column.value(row))
                # Text as typed: a name "=1+1" is never a formula (the one writer of cells).
                cells.append(data_cell(sheet, value, EXCEL_FORMATS.get(column.kind)))
            sheet.append(cells)
        if personal:
            PersonalDataAccess.record(
                user=user,
                action=PersonalDataAccess.Action.EXPORT,
                what=_("Spreadsheet download: %(title)s") % {"title": title},
                rows=count,
                id_numbers=held,
                request=self.request,
            )
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        filename = slugify(name) or "bang"
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response


def sheet_title(title):
    """`title` as a worksheet may be named: none of the characters Excel refuses in a sheet
    name (a unit called "Chi đoàn 3/2" broke its download), at most 31 characters."""
    return re.sub(r"[\\/*?:\[\]]", "-", str(title))[:31].strip("'") or "Sheet"


def _excel_value(column, value):
    if value is None or value == "":
        return None
    if column.kind == "pct":
        return float(Decimal(value) / 100)
    if column.kind == "dec":
        return float(value)
    if column.kind == "day" and isinstance(value, datetime.datetime):
        return value.date()
    if column.kind == "text":
        return str(value)
    return value


def _person_of(row):
    """The ID number of the person a row of a table is (a member, a resident, a case's
    resident), or None."""
    for item in (row, getattr(row, "resident", None)):
        number = (
            item.get("id_number") if isinstance(item, dict) else getattr(item, "id_number", None)
        )
        if isinstance(number, str) and number:
            return number
    return None


# --- The dashboards' columns -----------------------------------------------------------------
# One function a table: the columns a page shows, and its workbook has, in that order. A cell's
# text comes from the figures' own rows (`campaign.results`, `campaign.activity_yield`) and
# from the cases; each page's rows are worked out in `dashboards.pages`.


class _Labels(dict):
    """A model's choices as labels, translated (gettext) when one is read: the one source of
    what a unit kind or a place is called, as the forms and the workbook call it."""

    def __getitem__(self, key):
        return str(super().__getitem__(key))

    def get(self, key, default=None):
        return str(super().get(key, default))


KIND_LABELS = _Labels(UnitKind.choices)
PLACE_LABELS = _Labels([*Place.choices, ("", NO_PLACE)])


def category_label(code):
    """A member category's one label, the model's choice (as the member pages and forms say
    it), for the pages and their workbooks alike."""
    try:
        return str(MemberCategory(code).label)
    except ValueError:
        return code


def kind_label(kind):
    return str(KIND_LABELS.get(kind, kind))


def place_label(place):
    return str(PLACE_LABELS.get(place, place))


def yes_no(value):
    return _("Yes") if value else _("No")


def ratio(part, whole):
    return activity_ratio(part, whole)


def _level_day_portal(level, day, portal):
    if level is None:
        return _("not activated")
    text = (
        _("Level %(level)s · %(day)s") % {"level": level, "day": formats.day(day)}
        if day
        else _("Level %(level)s") % {"level": level}
    )
    if portal is not None:
        text += _(" · Portal: %(used)s") % {"used": _("yes") if portal else _("no")}
    return text


def typed(case):
    """A case's activation as typed: its level, day and portal use."""
    return _level_day_portal(case.eid_level, case.activated_on, case.portal_used)


def official(case):
    """A case's activation as the police's activation list has it."""
    if case.official_level is None:
        return _("not on the list")
    return _level_day_portal(case.official_level, case.official_activated_on, case.official_portal)


def week_columns():
    """The overview's weeks: (day, e-ID, full, e-ID so far, full so far)."""
    return [
        Column("week", _("Week from"), lambda r: r[0], "day"),
        Column("eid", _("Electronic ID"), lambda r: r[1], "int"),
        Column("full", _("Eligible"), lambda r: r[2], "int"),
        Column("eid_total", _("Electronic ID, cumulative"), lambda r: r[3], "int"),
        Column("full_total", _("Eligible, cumulative"), lambda r: r[4], "int"),
    ]


def kind_columns():
    """The overview's unit kinds: (label, tally)."""
    return [
        Column("kind", pgettext("dashboard", "Unit kind"), lambda r: r[0]),
        Column("members", _("Members"), lambda r: r[1].members, "int"),
        Column("full", _("Eligible"), lambda r: r[1].credited_full, "int"),
        Column("eid", _("Electronic ID"), lambda r: r[1].credited_eid, "int"),
        Column("average", _("Average"), lambda r: r[1].average(), "dec"),
        Column(
            "quota",
            _("Meeting the quota"),
            lambda r: formats.share(r[1].meeting_quota, r[1].members),
            "pct",
        ),
    ]


def compliance_columns(totals):
    """The overview's members' own accounts: (item, members, goal)."""
    return [
        Column("item", _("Item"), lambda r: r[0]),
        Column("count", _("Officials meeting it"), lambda r: r[1], "int"),
        Column("share", _("Share"), lambda r: formats.share(r[1], totals.bound), "pct"),
        Column("goal", _("Required"), lambda r: r[2], "pct"),
    ]


def both_figures(page, figures_of):
    """With a list in force: the credited full cases as typed and from the activation list,
    the gap between them, and the cases that differ or are not on the list."""
    if not page.list_in_force:
        return []
    return [
        Column(
            "recorded", _("Eligible (as entered)"), lambda r: figures_of(r).recorded_full, "int"
        ),
        Column(
            "official",
            _("Eligible (by the activation list)"),
            lambda r: figures_of(r).official_full,
            "int",
        ),
        Column("gap_list", _("Difference"), lambda r: figures_of(r).gap_full, "int"),
        Column("differs", _("Differ"), lambda r: figures_of(r).differs, "int"),
        Column("not_found", _("Not on the list"), lambda r: figures_of(r).not_found, "int"),
    ]


def unit_columns(page, previous):
    """A ranking of units (`previous`: the results at the end of the last period, or None)."""
    before = {u.pk: u.tally.credited_full for u in previous.units} if previous else {}
    columns = [
        Column(
            "name",
            _("Unit"),
            lambda u: u.name,
            link=lambda u: page.with_window(reverse("dashboards:unit", args=[u.code])),
        ),
        Column("kind", pgettext("dashboard", "Unit kind"), lambda u: kind_label(u.kind)),
        Column("members", _("Members"), lambda u: u.tally.members, "int"),
        Column("full", _("Eligible"), lambda u: u.tally.credited_full, "int"),
        Column("average", _("Average"), lambda u: u.average, "dec"),
        Column("award", _("Collective award"), lambda u: yes_no(u.collective_award)),
    ]
    if page.since:
        columns.insert(
            4, Column("period", _("In the period"), lambda u: u.tally.period_full, "int")
        )
    columns += both_figures(page, lambda u: u.tally)
    if previous:
        columns.append(
            Column(
                "change",
                _("Up on the last period"),
                lambda u: u.tally.credited_full - before.get(u.pk, 0),
                "int",
            )
        )
    return columns


def member_columns(page, *, gap=True, unit_page=False):
    """Members with their figures: how far from the quota (`gap`), or their award. A unit's
    own page (`unit_page`) lists every member of its roster, with their cases, their credited
    e-ID cases, their double claims and their award, and says who has left."""
    award = Column("award", _("Individual award"), lambda m: yes_no(m.individual_award))
    columns = [
        Column(
            "name",
            _("Member"),
            lambda m: m.name,
            link=lambda m: page.with_window(reverse("dashboards:member", args=[m.pk])),
        ),
        Column("unit", _("Unit"), lambda m: m.unit_name),
        Column("category", _("Category"), lambda m: category_label(m.category)),
    ]
    if unit_page:
        columns += [
            Column("cases", _("Cases"), lambda m: m.cases, "int"),
            Column("eid", _("Electronic ID"), lambda m: m.credited_eid, "int"),
        ]
    columns += [
        Column("full", _("Eligible"), lambda m: m.credited_full, "int"),
        Column("quota", _("Quota"), lambda m: m.quota, "int"),
    ]
    if gap:
        columns.append(
            Column("gap", _("Still missing"), lambda m: max(0, m.quota - m.credited_full), "int")
        )
    if unit_page:
        columns += [
            Column("double", _("Double claims"), lambda m: m.double_claims, "int"),
            award,
            Column("roster", _("On the roster"), lambda m: _("Active") if m.active else _("left")),
        ]
    elif not gap:
        columns.append(award)
    columns += both_figures(page, lambda m: m)
    return columns


def verdict_columns(page):
    """A member's cases, each with the rules' verdict (and the activation list's, if any)."""
    columns = [
        Column("resident", _("Resident"), lambda v: v.case.resident.full_name),
        Column("id", _("ID number"), lambda v: mask_id_number(v.case.resident.id_number)),
        Column("guided", _("Guided on"), lambda v: v.case.guided_on, "day"),
        Column("activated", _("Activated on"), lambda v: v.case.activated_on, "day"),
        Column("level", _("Level"), lambda v: v.case.eid_level or ""),
        Column("full", _("Credited in full"), lambda v: yes_no(v.credited_full)),
        Column("eid", _("Credited for the electronic ID"), lambda v: yes_no(v.credited_eid)),
        Column(
            "reasons",
            _("Why not credited"),
            lambda v: "; ".join(text for _code, text in v.reasons),
            sortable=False,
        ),
    ]
    if page.list_in_force is None:
        return columns
    campaign = page.campaign
    return columns + [
        Column(
            "verification",
            _("Checked against the activation list"),
            lambda v: verification.LABELS[verification.status_of(v.case, campaign, checked=True)],
        ),
        Column("official", _("By the activation list"), lambda v: official(v.case)),
    ]


def place_columns():
    """Outreach by place: (label, cases, full)."""
    return [
        Column("place", _("Form, place"), lambda r: r[0]),
        Column("cases", _("Cases guided"), lambda r: r[1], "int"),
        Column("full", _("Eligible"), lambda r: r[2], "int"),
        Column("share", _("Share eligible"), lambda r: formats.share(r[2], r[1]), "pct"),
    ]


def place_week_columns(places):
    """Outreach by week, a column for each place: (week, {place: cases})."""
    return (
        [Column("week", _("Week from"), lambda r: r[0], "day")]
        + [
            Column(
                f"c{index}", place_label(place), lambda r, place=place: r[1].get(place, 0), "int"
            )
            for index, place in enumerate(places)
        ]
        + [Column("all", _("Total"), lambda r: sum(r[1].values()), "int")]
    )


def group_columns(first_key, first_label, first=lambda r: r.label):
    """The columns of a sum of activities (by kind, place, week, commune)."""
    return [
        Column(first_key, first_label, first),
        Column("activities", _("Activities"), lambda r: r.activities, "int"),
        Column("cases", _("Cases guided"), lambda r: r.cases, "int"),
        Column("credited", _("Cases credited"), lambda r: r.credited, "int"),
        Column("members", _("Members taking part (times)"), lambda r: r.members, "int"),
        Column("per_member", _("Credited / member"), lambda r: r.per_member, "dec"),
        Column("hours", _("Member hours"), lambda r: r.member_hours, "dec"),
        Column("per_hour", _("Credited / member hour"), lambda r: r.per_member_hour, "dec"),
        Column("materials", _("Banners, posters, leaflets"), lambda r: r.materials, "int"),
        Column(
            "materials_per",
            _("Materials / credited case"),
            lambda r: r.materials_per_credited,
            "dec",
        ),
    ]


def activity_columns():
    """The outreach activities one by one. 'Credited' is the credited full cases (rules.md)
    of the cases that name the activity."""
    return [
        Column("day", _("Day"), lambda r: r.starts_on, "day"),
        Column("code", _("Code"), lambda r: r.code),
        # Its name, or its kind, day and place: the place and commune have tables of their own.
        Column("title", _("Activity"), lambda r: r.title),
        Column("kind", _("Kind of activity"), lambda r: r.kind),
        Column("organisers", _("Organising units"), lambda r: "; ".join(r.organisers)),
        Column("members", _("Members taking part"), lambda r: r.members, "int"),
        Column("hours", _("Member hours"), lambda r: r.member_hours, "dec"),
        Column("cases", _("Cases guided"), lambda r: r.cases, "int"),
        Column("credited", _("Cases credited"), lambda r: r.credited, "int"),
        Column(
            "per_member",
            _("Credited / member"),
            lambda r: ratio(r.credited, r.members),
            "dec",
        ),
        Column("materials", _("Banners, posters, leaflets"), lambda r: r.materials, "int"),
        Column(
            "materials_per",
            _("Materials / credited case"),
            lambda r: ratio(r.materials, r.credited),
            "dec",
        ),
        Column("reach", _("Reach (posts)"), lambda r: r.reach, "int"),
    ]


def commune_columns():
    return [Column("commune", _("Commune"), lambda r: r.commune)] + group_columns(
        "kind", _("Kind of activity")
    )


def activity_member_columns():
    """The members who took part in activities, with what the activities yielded."""
    return [
        Column("name", _("Member"), lambda r: r.name),
        Column("unit", _("Unit"), lambda r: r.unit),
        Column("activities", _("Activities taken part in"), lambda r: r.activities, "int"),
        Column("hours", _("Hours taken part"), lambda r: r.hours, "dec"),
        Column("cases", _("Cases at the activities"), lambda r: r.cases, "int"),
        Column("credited", _("Credited at the activities"), lambda r: r.credited, "int"),
        Column("own", _("Of which guided themselves"), lambda r: r.own_credited, "int"),
        Column("per_hour", _("Credited / hour"), lambda r: r.per_hour, "dec"),
    ]


def resident_columns():
    """Residents to fix (double claims, numbers to check); the ID number masked."""
    return [
        Column("name", _("Resident"), lambda r: r.full_name, order="full_name"),
        Column("id", _("ID number"), lambda r: mask_id_number(r.id_number), sortable=False),
        Column("village", _("Village"), lambda r: r.village, order="village"),
        Column("commune", pgettext("dashboard", "Commune"), lambda r: r.commune, order="commune"),
    ]


def claims_columns(campaign):
    """The double claims still open, with the way to the register that resolves them."""
    url = f"{reverse('reports:double_claims')}?campaign={campaign.slug}"
    return resident_columns() + [
        Column(
            "open",
            _("Resolve"),
            lambda r: _("Open the double-claim register"),
            link=lambda r: url,
            sortable=False,
            screen_only=True,
        )
    ]


def _verification_status(case):
    return verification.LABELS[case.verification]


def case_columns(checked):
    """Cases to fix (not activated yet, no guidance day); `checked`: with a list in force."""
    columns = [
        Column("name", _("Resident"), lambda c: c.resident.full_name, order="resident__full_name"),
        Column(
            "id", _("ID number"), lambda c: mask_id_number(c.resident.id_number), sortable=False
        ),
        Column(
            "phone",
            pgettext("dashboard", "Phone"),
            lambda c: mask_phone(c.resident.phone),
            sortable=False,
        ),
        Column("village", _("Village"), lambda c: c.resident.village, order="resident__village"),
        Column("guide", _("Guided by"), lambda c: c.member.full_name, order="member__full_name"),
        Column("unit", _("Unit"), lambda c: c.member.unit.name, order="member__unit__name"),
        Column("guided", _("Guided on"), lambda c: c.guided_on, "day", order="guided_on"),
    ]
    if checked:
        columns.append(
            Column(
                "status",
                _("Checked against the activation list"),
                _verification_status,
                sortable=False,
            )
        )
    return columns


def check_columns():
    """Cases that differ from the activation list or are not on it, both values side by side."""
    return [
        Column("name", _("Resident"), lambda c: c.resident.full_name, order="resident__full_name"),
        Column(
            "id", _("ID number"), lambda c: mask_id_number(c.resident.id_number), sortable=False
        ),
        Column("guide", _("Guided by"), lambda c: c.member.full_name, order="member__full_name"),
        Column("unit", _("Unit"), lambda c: c.member.unit.name, order="member__unit__name"),
        Column("status", pgettext("dashboard", "Status"), _verification_status, sortable=False),
        Column("typed", _("As entered"), typed, sortable=False),
        Column("official", _("By the activation list"), official, sortable=False),
        Column(
            "check",
            _("To check"),
            lambda c: verification.ADVICE.get(c.verification, ""),
            sortable=False,
        ),
    ]


def edit_column():
    """The edit link, on the cases the user may change (annotated `may_edit`)."""
    return Column(
        "edit",
        _("Edit"),
        lambda c: _("Edit") if c.may_edit else "",
        link=lambda c: reverse("campaign:case_edit", args=[c.pk]) if c.may_edit else None,
        sortable=False,
        screen_only=True,
    )
