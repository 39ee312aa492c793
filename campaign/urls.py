from django.urls import path

from . import import_views, views

app_name = "campaign"
urlpatterns = [
    path("nhap-excel/", import_views.upload, name="import_upload"),
    path("nhap-excel/mau.xlsx", import_views.template, name="import_template"),
    path("nhap-excel/<str:token>/", import_views.preview, name="import_preview"),
    path("nhap-excel/<str:token>/xac-nhan/", import_views.confirm, name="import_confirm"),
    path("nhap-excel/<str:token>/huy/", import_views.cancel, name="import_cancel"),
    path("nhap-excel/<str:token>/tep-loi.xlsx", import_views.error_workbook, name="import_errors"),
]
