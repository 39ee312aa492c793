from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from . import submission_views, views

app_name = "reports"


def moved_to(pattern_name):
    """A permanent redirect to the page that shows the same now, keeping the query (the
    campaign, day and period: the one filter, the same names on both pages); a signed-out
    visitor signs in first, as on every page."""
    return login_required(
        RedirectView.as_view(pattern_name=pattern_name, permanent=True, query_string=True)
    )


urlpatterns = [
    # The results pages were the dashboards' figures shown a second way: their addresses lead
    # to the dashboards' pages of the same unit or member.
    path("ket-qua/", moved_to("dashboards:overview")),
    path("ket-qua/don-vi/<unit_code:code>/", moved_to("dashboards:unit")),
    path("ket-qua/thanh-vien/<int:pk>/", moved_to("dashboards:member")),
    path("trung-lap/", views.double_claims, name="double_claims"),
    path("trung-lap/<int:resident_pk>/giai-quyet/", views.resolve, name="resolve"),
    path("trung-lap/huy/<int:pk>/", views.undo, name="undo"),
    # The record of personal-data access is privacy's page now; the old address leads there.
    path(
        "truy-cap-du-lieu/",
        login_required(RedirectView.as_view(pattern_name="privacy:access_list", query_string=True)),
    ),
]

# The report workbook, the units' submissions and the completeness of reporting.
urlpatterns += [
    path("xuat-bao-cao/", submission_views.export_page, name="export"),
    path("tinh-hinh-bao-cao/", submission_views.completeness_page, name="completeness"),
    path("bao-cao-da-gui/gui/", submission_views.submit, name="submit"),
    path("bao-cao-da-gui/<int:pk>/", submission_views.submission_detail, name="submission"),
    path(
        "bao-cao-da-gui/<int:pk>/tai-ve/",
        submission_views.submission_download,
        name="submission_download",
    ),
    path("bao-cao-da-gui/<int:pk>/mo-lai/", submission_views.reopen, name="reopen"),
]
