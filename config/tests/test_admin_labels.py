"""The admin pages the README sends the administrator to (unlocking a user, replacing a lost
authenticator, reading a failed task) are in Vietnamese."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_the_admin_index_names_the_libraries_pages_in_vietnamese(client, root):
    html = client.get(reverse("admin:index")).content.decode()
    for name in ("Khóa đăng nhập", "Ứng dụng xác thực", "Kết quả công việc chạy nền"):
        assert name in html
    for english in ("Access attempts", "TOTP devices", "TOTP device", "Task Results", "Axes"):
        assert english not in html


def test_the_lockouts_list_reads_in_vietnamese(client, root):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="bithu",
        ip_address="127.0.0.1",
        user_agent="Chromium",
        http_accept="*/*",
        path_info="/dang-nhap/",
        get_data="",
        post_data="",
        failures_since_start=10,
    )
    html = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "Đăng nhập sai (khóa tài khoản)" in html or "đăng nhập sai (khóa tài khoản)" in html
    assert "Tên đăng nhập" in html and "Số lần sai mật khẩu liên tiếp" in html
    assert "Bị khóa" in html and "Hiện số lượng" in html
    assert "Username" not in html and "Locked Out" not in html and "Show counts" not in html


def test_an_authenticator_app_reads_in_vietnamese_without_its_secret(client, root):
    device = TOTPDevice.objects.create(user=root, name="VNeID", confirmed=True)
    html = client.get(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    ).content.decode()
    assert "Định danh" in html and "Nhập sai mã" in html and "Bước thời gian" in html
    assert "Identity" not in html and "Throttling" not in html and "TOTP device" not in html
    listed = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert "Chọn ứng dụng xác thực để sửa" in listed and "Dùng lần cuối lúc" in listed
    assert "TOTP device" not in listed and "Last used at" not in listed
    # Its key and QR code are shown to its owner at set-up only (config.otp), never here.
    assert device.key not in html and "qrcode" not in html.lower()
    config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    assert config.status_code == 403


def test_the_task_results_list_reads_in_vietnamese(client, root):
    from django_tasks_db.models import DBTaskResult, get_date_max

    DBTaskResult.objects.create(
        status="READY",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        task_path="jobs.runner.run_job",
        queue_name="default",
        backend_name="default",
        run_after=get_date_max(),
        exception_class_path="",
        traceback="",
    )
    html = client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist")
    ).content.decode()
    assert "Xếp hàng lúc" in html and "Độ ưu tiên" in html and "Sẵn sàng" in html
    assert "Enqueued at" not in html and "Task name" not in html
