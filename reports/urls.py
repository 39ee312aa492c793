from django.urls import path

from . import access_views, views

app_name = "reports"
urlpatterns = [
    path("ket-qua/", views.results_index, name="results"),
    path("ket-qua/don-vi/<unit_code:code>/", views.unit_results, name="unit_results"),
    path("ket-qua/thanh-vien/<int:pk>/", views.member_cases, name="member_cases"),
    path("trung-lap/", views.double_claims, name="double_claims"),
    path("trung-lap/<int:resident_pk>/giai-quyet/", views.resolve, name="resolve"),
    path("trung-lap/huy/<int:pk>/", views.undo, name="undo"),
    path("truy-cap-du-lieu/", access_views.access_list, name="access_list"),
]
