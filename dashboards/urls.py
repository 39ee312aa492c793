from django.urls import path

from units import guides

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("don-vi/", views.unit_ranking, name="units"),
    path("don-vi/<unit_code:code>/", views.unit_page, name="unit"),
    path("thanh-vien/", views.members_behind, name="members"),
    path("thanh-vien/<int:pk>/", views.member_page, name="member"),
    path("tuyen-truyen/", views.outreach, name="outreach"),
    path("can-sua/", views.data_to_fix, name="fix"),
    path("nguoi-huong-dan/", guides.guide_search, name="guide_search"),
]
