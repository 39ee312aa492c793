"""The officials' dashboards: where the district stands, who is ahead and who is behind, and
what must be fixed. Each view reads the filter (`pages.Page`), calls its page's function in
`dashboards.pages` (the figures, the rows, the tables), and renders what that returns, or
the workbook of the table whose download was asked for."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from privacy.search import search_redirect
from units.models import Member

from . import pages
from .pages import Page


def _show(page, template, shown):
    """The page, or the workbook of one of its tables if that was asked for."""
    download = pages.wanted_download(shown)
    if download is not None:
        return download
    return render(page.request, template, page.context(**shown))


@login_required
def overview(request):
    page = Page(request)
    if own := page.own_page_instead():
        return own
    if not page.scope:  # no unit role and no member record: nothing to sum up
        return redirect("home")
    return _show(page, "dashboards/overview.html", pages.overview(page))


@login_required
def unit_ranking(request):
    page = Page(request)
    if own := page.own_page_instead():
        return own
    return _show(page, "dashboards/units.html", pages.unit_ranking(page))


@login_required
def unit_page(request, code):
    page = Page(request)
    unit = get_object_or_404(page.units, code=code)
    return _show(page, "dashboards/unit.html", pages.unit_page(page, unit))


@login_required
def members_behind(request):
    page = Page(request)
    if own := page.own_page_instead():
        return own
    return _show(page, "dashboards/members.html", pages.members_behind(page))


@login_required
def member_page(request, pk):
    page = Page(request)
    visible = Member.objects.visible_to(request.user).select_related("unit")
    member = get_object_or_404(visible, pk=pk)
    return _show(page, "dashboards/member.html", pages.member_page(page, member))


@login_required
def outreach(request):
    page = Page(request)
    if own := page.own_page_instead():
        return own
    return _show(page, "dashboards/outreach.html", pages.outreach(page))


@login_required
def data_to_fix(request):
    if request.method == "POST":  # the search: no ID number in the address
        return search_redirect(request, ("campaign", "section", "q", "unit", "status"))
    page = Page(request)
    if own := page.own_page_instead():
        return own
    return _show(page, "dashboards/fix.html", pages.data_to_fix(page))
