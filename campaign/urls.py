from django.urls import path

from . import activation_views, activity_views, claim_views, import_views, offline_views, views

app_name = "campaign"
urlpatterns = [
    path("nguoi-dan/", views.resident_list, name="resident_list"),
    path("nguoi-dan/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("nguoi-dan/tra-cuu/", views.resident_lookup, name="resident_lookup"),
    path("truong-hop/them/", views.case_create, name="case_create"),
    path("truong-hop/<int:pk>/sua/", views.case_edit, name="case_edit"),
    path("truong-hop/<int:pk>/xoa/", views.case_delete, name="case_delete"),
    path("nhap-nhanh/", views.quick_entry, name="quick_entry"),
    path("nhap-nhanh/du-lieu/", offline_views.offline_bundle, name="offline_bundle"),
    path("nhap-nhanh/gui/", offline_views.offline_send, name="offline_send"),
    path("nhap-theo-danh-sach/", views.batch_entry, name="batch_entry"),
    path("hoat-dong/", activity_views.activity_list, name="activity_list"),
    path("hoat-dong/them/", activity_views.activity_create, name="activity_create"),
    path("hoat-dong/<int:pk>/sua/", activity_views.activity_edit, name="activity_edit"),
    path("hoat-dong/hom-nay.json", activity_views.activities_today, name="activities_today"),
    path("nhap-excel/", import_views.upload, name="import_upload"),
    path("nhap-excel/mau.xlsx", import_views.template, name="import_template"),
    path("nhap-excel/duyet/<int:pk>/", claim_views.review_decide, name="import_review_decide"),
    path("bi-ghi-nhan/<int:pk>/da-xem/", claim_views.notice_seen, name="claim_notice_seen"),
    path("nhap-excel/<str:token>/", import_views.preview, name="import_preview"),
    path("nhap-excel/da-nhap/<uuid:pk>/", import_views.done, name="import_done"),
    path("nhap-excel/<str:token>/xac-nhan/", import_views.confirm, name="import_confirm"),
    path("nhap-excel/<str:token>/huy/", import_views.cancel, name="import_cancel"),
    path("nhap-excel/<str:token>/tep-loi.xlsx", import_views.error_workbook, name="import_errors"),
    path("danh-sach-kich-hoat/", activation_views.activation_list, name="activation_list"),
    path(
        "danh-sach-kich-hoat/da-nhap/<uuid:pk>/",
        activation_views.done,
        name="activation_done",
    ),
    path(
        "danh-sach-kich-hoat/<str:token>/",
        activation_views.preview,
        name="activation_preview",
    ),
    path(
        "danh-sach-kich-hoat/<str:token>/xac-nhan/",
        activation_views.confirm,
        name="activation_confirm",
    ),
    path(
        "danh-sach-kich-hoat/<str:token>/huy/",
        activation_views.cancel,
        name="activation_cancel",
    ),
]
