from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from units import views as unit_views
from units.converters import UnitCodeConverter

register_converter(UnitCodeConverter, "unit_code")

admin.site.site_header = "VNeID · Quản trị"
admin.site.site_title = "VNeID"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    path("", unit_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("ngon-ngu/", set_language, name="set_language"),
    path("don-vi/", include("units.urls")),
    path("chien-dich/", include("campaign.urls")),
    path("bao-cao/", include("reports.urls")),
    path("du-lieu-ca-nhan/", include("privacy.urls")),
    path("admin/", admin.site.urls),
]
