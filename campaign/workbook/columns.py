"""One column of a table, wherever the product shows or writes one: a dashboard's table and
its download (`dashboards.tables`), the report workbook's sheets (`reports.exports.workbook`)
and the import template's sheets (`campaign.workbook.spec`). Each reads the fields it needs:

- every table: `key` (what a page's sort and a file's reader name it by), `header` (its
  heading), `kind` (the cells' kind: the pages' text, int, dec, pct, day; the report's text,
  wrap, number, decimal, date, flag) and `width` (characters, in a workbook);
- a page's table: `value` (row -> the cell's value), `link`, `order`, `sortable`,
  `screen_only`;
- the import template: `required`, `text`, `choices`, `example`, `aliases`."""

from collections.abc import Callable
from dataclasses import dataclass

from units.normalize import fold


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: Callable | None = None  # row -> the cell's value (a number, a day, a text)
    kind: str = "text"
    width: float = 16
    link: Callable | None = None  # row -> a URL on screen
    order: str | None = None  # for queryset rows: the field to sort by
    sortable: bool = True
    # An action on screen ("Sửa"), not a figure: a workbook has nowhere to follow it to.
    screen_only: bool = False
    required: bool = False
    text: bool = False  # formatted as text in the template (ID and phone numbers keep zeros)
    choices: tuple = ()  # drop-down list in the template
    example: object = ""
    aliases: tuple = ()

    @property
    def label(self):
        return self.header

    @property
    def folded(self):
        """The header and its aliases as the importer recognises them."""
        return {fold(self.header), *(fold(a) for a in self.aliases)}

    @property
    def numeric(self):
        return self.kind in ("int", "dec", "pct")
