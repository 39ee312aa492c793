from django.urls import path

from . import views

app_name = "campaign"
urlpatterns = [
    path("nguoi-dan/", views.resident_list, name="resident_list"),
    path("nguoi-dan/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("nguoi-dan/tra-cuu/", views.resident_lookup, name="resident_lookup"),
    path("truong-hop/them/", views.case_create, name="case_create"),
    path("truong-hop/<int:pk>/sua/", views.case_edit, name="case_edit"),
    path("truong-hop/<int:pk>/xoa/", views.case_delete, name="case_delete"),
    path("nhap-nhanh/", views.quick_entry, name="quick_entry"),
    path("nhap-theo-danh-sach/", views.batch_entry, name="batch_entry"),
]
