"""{{ n|vn_int }} 1.234 · {{ x|vn_dec }} 12,50 · {{ p|vn_pct }} 72,0% · {{ d|vn_day }} 21/04/2023"""

from django import template

from dashboards import formats

register = template.Library()
register.filter("vn_int", formats.whole)
register.filter("vn_dec", formats.decimal)
register.filter("vn_pct", formats.percent)
register.filter("vn_day", formats.day)


@register.filter
def page_url(table, number):
    """{{ table|page_url:3 }}: the address of page 3 of a dashboards.tables.Table."""
    return table.page_url(number)
