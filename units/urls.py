from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    # Before the unit pages: "thanh-vien" has the shape of a unit code.
    path("thanh-vien/", views.member_list, name="member_list"),
    path("thanh-vien/them/", views.member_create, name="member_create"),
    path("thanh-vien/<int:pk>/", views.member_detail, name="member_detail"),
    path("thanh-vien/<int:pk>/sua/", views.member_edit, name="member_edit"),
    path("thanh-vien/<int:pk>/trang-thai/", views.member_deactivate, name="member_deactivate"),
    path("thanh-vien/<int:pk>/xoa/", views.member_delete, name="member_delete"),
    path("<unit_code:code>/", views.unit_detail, name="unit_detail"),
]
