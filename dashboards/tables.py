"""Tables defined once, column by column, for the screen and for the Excel download: the same
columns, in the same order, with the same headings; sortable and paginated on screen.

    table = Table(request, [Column("name", _("Name"), lambda m: m.name), ...], rows)
    if table.wants_xlsx: return table.xlsx_response("thanh-vien", _("Members"), user=...)

`rows` is a list (sorted in Python) or a queryset (sorted by each column's `order` field).
"""

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from reports.models import PersonalDataAccess

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


@dataclass
class Column:
    key: str
    label: str
    value: Callable  # row -> the cell's value (a number, a day, a text)
    kind: str = "text"  # text, int, dec, pct (a percentage, 72.0), day
    link: Callable | None = None  # row -> a URL on screen
    order: str | None = None  # for queryset rows: the field to sort by
    sortable: bool = True
    # An action on screen ("Sửa"), not a figure: a workbook has nowhere to follow it to.
    screen_only: bool = False

    def text(self, row):
        return FORMATTERS[self.kind](self.value(row))

    @property
    def numeric(self):
        return self.kind in ("int", "dec", "pct")


class Table:
    def __init__(self, request, columns, rows, *, per_page=50, prefix="", default_sort=None):
        self.request = request
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

    def body(self):
        for row in self.page.object_list:
            yield [
                {
                    "text": column.text(row),
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

    def xlsx_response(self, name, title, *, user=None, personal=False):
        """Every row (not one page), the same columns as on screen but the links that are
        only actions. A download of personal data is recorded."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

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
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text as typed: a name "=1+1" is never a formula
                if column.kind in EXCEL_FORMATS and value is not None:
                    cell.number_format = EXCEL_FORMATS[column.kind]
                cells.append(cell)
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
