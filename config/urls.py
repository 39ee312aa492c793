from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from config import otp
from config import views as site_views
from config.forms import SignInForm
from config.health import healthz
from units import views as unit_views
from units.converters import UnitCodeConverter

register_converter(UnitCodeConverter, "unit_code")

admin.site.site_header = "VNeID · Quản trị"
admin.site.site_title = "VNeID"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    path("", unit_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("ngon-ngu/", set_language, name="set_language"),
    path("don-vi/thay-doi/", include("reports.unit_change_urls")),
    path("don-vi/", include("units.urls")),
    path("chien-dich/", include("campaign.urls")),
    path("bao-cao/", include("reports.urls")),
    path("cong-viec/", include("jobs.urls")),
    path("tong-quan/", include("dashboards.urls")),
    path("du-lieu-ca-nhan/", include("privacy.urls")),
    path("admin/", admin.site.urls),
    # --- Production and sign-in ---
    path("healthz", healthz, name="healthz"),
    # --- Quick entry without a signal: the service worker and its page for the rest ---
    path("sw.js", site_views.service_worker, name="service_worker"),
    path("ngoai-tuyen/", site_views.offline, name="offline"),
    path("mat-khau/doi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("xac-thuc/", otp.verify, name="otp_verify"),
    path("xac-thuc/thiet-lap/", otp.setup, name="otp_setup"),
    path(
        "mat-khau/da-doi/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
]
