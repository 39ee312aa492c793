from django.urls import path

from . import access_views, views

app_name = "privacy"
urlpatterns = [
    path("truong-hop/<int:pk>/hien-so/", views.reveal_case_id, name="reveal_case_id"),
    path("thanh-vien/<int:pk>/hien-so/", views.reveal_member_id, name="reveal_member_id"),
    path("nguoi-dan/<int:pk>/hien-du-lieu/", views.reveal_resident, name="reveal_resident"),
    path("lich-su/<slug:kind>/<int:pk>/", views.record_history, name="history"),
    path("nguoi/", views.person_search, name="person_search"),
    path("nguoi/<int:pk>/", views.person, name="person"),
    path("nguoi/<int:pk>/xoa/", views.person_erase, name="person_erase"),
    path("truy-cap-du-lieu/", access_views.access_list, name="access_list"),
]
