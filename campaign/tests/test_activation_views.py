"""The activation list on the web: only district administrators import and see it; upload →
check job → preview → confirm job, all or nothing; the statuses wherever a case is shown; the
discrepancies of a secretary's units (never another unit's rows); both figures on the
dashboards."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from campaign import verification
from campaign.activations import import_activation_list
from campaign.models import ActivationList, Case
from campaign.tests.factories import plan_campaign
from jobs.models import Job
from privacy.models import PersonalDataAccess
from units.models import UnitRole
from units.tests.factories import UnitRoleFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("activation_list")]

LIST = "/chien-dich/danh-sach-kich-hoat/"


def csv_file(rows, name="ds.csv"):
    lines = ["Số định danh;Mức định danh;Ngày kích hoạt;Tài khoản DVC;Họ và tên"]
    lines += [";".join(map(str, row)) for row in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"), "text/csv")


ROWS = [
    ("014195000001", 2, "02/05/2023", "Có", "Cà Thị Khớp"),
    ("014195000002", 1, "02/05/2023", "Có", "Cà Thị Lệch"),
    ("014195000004", 2, "09/05/2023", "Có", "Cà Thị Khác"),
    ("079000000009", 2, "02/05/2023", "Có", "Người Ngoài Danh Sách"),
]


def upload(client, rows=ROWS):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(LIST, {"campaign": plan_campaign().pk, "file": csv_file(rows)})
    assert response.status_code == 302
    return client.get(response["Location"], follow=True)


def _result(response):
    return Job.objects.get(pk=response["Location"].rstrip("/").split("/")[-1]).result_url


def test_only_the_district_administrators_see_the_list(client, district):
    client.force_login(district["secretary"])
    assert client.get(LIST).status_code == 403
    assert (
        client.post(LIST, {"campaign": plan_campaign().pk, "file": csv_file(ROWS)}).status_code
        == 403
    )
    assert not ActivationList.objects.exists()
    commune_admin = UserFactory()
    UnitRoleFactory(user=commune_admin, unit=district["guide"].unit, role=UnitRole.Role.ADMIN)
    client.force_login(commune_admin)
    assert client.get(LIST).status_code == 403


def test_upload_check_preview_confirm(client, district):
    client.force_login(district["admin"])
    preview = upload(client)
    html = preview.content.decode()
    assert 'id="preview-statuses"' in html and ActivationList.objects.count() == 0
    token = (
        preview.redirect_chain[-1][0].rstrip("/").split("/")[-1] if preview.redirect_chain else None
    )
    token = token or preview.request["PATH_INFO"].rstrip("/").split("/")[-1]
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = client.post(f"{LIST}{token}/xac-nhan/")
    done = client.get(_result(job), follow=True)
    assert done.status_code == 200
    record = ActivationList.objects.get()
    assert (record.rows, record.imported_by, record.file_name) == (4, district["admin"], "ds.csv")
    page = done.content.decode()
    assert 'id="list-in-force"' in page and record.sha256 in page
    cases = district["cases"]
    statuses = {
        key: verification.status_of(Case.objects.get(pk=case.pk), plan_campaign())
        for key, case in cases.items()
    }
    assert statuses == {
        "verified": "verified",
        "differs": "differs",
        "not_found": "not_found",
        "theirs": "differs",
    }


def test_a_wrong_row_shows_in_the_preview_and_nothing_is_imported(client, district):
    client.force_login(district["admin"])
    preview = upload(client, ROWS + [("0141", 2, "02/05/2023", "Có", "Sai")])
    html = preview.content.decode()
    assert 'id="list-errors"' in html and "Số định danh" in html
    assert "xac-nhan" not in html
    assert not ActivationList.objects.exists()


def test_settings_tolerance_and_figures_from(client, district):
    client.force_login(district["admin"])
    response = client.post(
        LIST,
        {"action": "settings", "verification_tolerance_days": 3, "figures_from": "activation_list"},
    )
    assert response.status_code == 302
    campaign = plan_campaign()
    assert (campaign.verification_tolerance_days, campaign.figures_from) == (3, "activation_list")
    bad = client.post(
        LIST, {"action": "settings", "verification_tolerance_days": -1, "figures_from": "x"}
    )
    assert bad.status_code == 400


def _imported(district):
    path = "/tmp/_p19_list.csv"
    with open(path, "wb") as out:
        out.write(csv_file(ROWS).read())
    assert import_activation_list(path, campaign=plan_campaign()).ok


def test_statuses_on_the_resident_list_the_resident_and_the_case_page(client, district):
    _imported(district)
    client.force_login(district["secretary"])
    listing = client.get("/chien-dich/nguoi-dan/").content.decode()
    assert 'data-verification="verified"' in listing
    assert 'data-verification="differs"' in listing
    assert 'data-verification="not_found"' in listing
    case = district["cases"]["differs"]
    page = client.get(f"/chien-dich/truong-hop/{case.pk}/sua/").content.decode()
    assert 'data-verification="differs"' in page and "verification-differences" in page
    detail = client.get(f"/chien-dich/nguoi-dan/{case.resident_id}/").content.decode()
    assert 'data-verification="differs"' in detail
    member = client.get(f"/tong-quan/thanh-vien/{district['guide'].pk}/").content.decode()
    assert "Đối chiếu danh sách kích hoạt" in member and 'id="member-verification"' in member


def test_the_secretary_sees_only_their_units_discrepancies(client, district):
    _imported(district)
    client.force_login(district["secretary"])
    url = "/tong-quan/can-sua/?section=verification"
    html = client.get(url).content.decode()
    assert "Cà Thị Lệch" in html and "Cà Thị Vắng" in html
    assert "Cà Thị Khớp" not in html  # verified: nothing to check
    assert "Cà Thị Khác" not in html  # another unit's case
    assert "Người Ngoài Danh Sách" not in html and "079000000009" not in html
    assert f"/chien-dich/truong-hop/{district['cases']['differs'].pk}/sua/" in html
    only = client.get(url + "&status=not_found").content.decode()
    assert "Cà Thị Vắng" in only and "Cà Thị Lệch" not in only
    response = client.get(url + "&xlsx=1")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Người dân", "Số định danh", "Người hướng dẫn", "Đơn vị", "Tình trạng")
    assert sorted(r[0] for r in rows[1:]) == ["Cà Thị Lệch", "Cà Thị Vắng"]
    assert "Sửa" not in rows[0]
    assert PersonalDataAccess.objects.filter(rows=2).exists()


def test_a_correction_from_the_discrepancies_moves_the_status_and_figures(client, district):
    _imported(district)
    client.force_login(district["secretary"])
    case = district["cases"]["differs"]
    before = client.get("/tong-quan/can-sua/?section=verification").content.decode()
    assert "Cà Thị Lệch" in before
    case.eid_level = 1
    case.save()  # (the form's own tests cover the form; here the status follows the write)
    from campaign.rule_inputs import refresh_rule_inputs

    refresh_rule_inputs(resident_ids=[case.resident_id])
    after = client.get("/tong-quan/can-sua/?section=verification").content.decode()
    assert "Cà Thị Lệch" not in after


def test_dashboards_say_which_figures_and_show_both(client, district):
    client.force_login(district["admin"])
    html = client.get("/tong-quan/").content.decode()
    assert 'id="figures-from"' in html and "số liệu các đơn vị đã nhập" in html
    assert 'id="verification-figures"' not in html
    _imported(district)
    html = client.get("/tong-quan/").content.decode()
    assert 'id="verification-figures"' in html
    units = client.get("/tong-quan/don-vi/").content.decode()
    assert "Đủ ĐK (theo DS kích hoạt)" in units and "Chênh lệch" in units
    unit = client.get("/tong-quan/don-vi/XA1/").content.decode()
    assert 'id="unit-verification"' in unit
    campaign = plan_campaign()
    campaign.figures_from = "activation_list"
    campaign.save()
    html = client.get("/tong-quan/").content.decode()
    assert "danh sách kích hoạt của Công an" in html
