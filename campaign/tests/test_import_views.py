import io
import re

import openpyxl
import pytest
from django.urls import reverse

from campaign.models import Case, Resident
from campaign.tests.import_helpers import (
    RESIDENT_HEADERS,
    build_xlsx,
    job_result,
    post_and_run_jobs,
    resident_row,
)
from privacy.models import PersonalDataAccess
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")


@pytest.fixture
def secretary(client):
    unit = UnitFactory(code="DX1")
    role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY)
    MemberFactory(unit=unit, id_number="014095000001")
    role.user.save()  # the factory sets the password without saving it
    client.force_login(role.user)
    return role.user


def upload(client, path, name="danh-sach.xlsx"):
    from campaign.tests.factories import plan_campaign

    with open(path, "rb") as f:
        data = io.BytesIO(f.read())
    data.name = name
    return post_and_run_jobs(
        client, reverse("campaign:import_upload"), {"campaign": plan_campaign().pk, "file": data}
    )


def test_upload_page_offers_the_template(client, secretary):
    page = client.get(reverse("campaign:import_upload"))
    assert reverse("campaign:import_template") in page.content.decode()
    template = client.get(reverse("campaign:import_template"))
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[:3] == [
        "Đơn vị",
        "Thành viên",
        "Người dân",
    ]


def test_a_user_without_units_cannot_import(client):
    from units.tests.factories import UserFactory

    user = UserFactory()
    user.save()
    client.force_login(user)
    assert client.get(reverse("campaign:import_upload")).status_code == 403


def test_a_new_district_starts_from_the_web_with_its_first_workbook(client, tmp_path):
    from campaign.tests.import_helpers import MEMBER_HEADERS, UNIT_HEADERS
    from units.models import Member, Unit
    from units.tests.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    admin.save()
    client.force_login(admin)
    assert client.get(reverse("campaign:import_upload")).status_code == 200
    path = build_xlsx(
        tmp_path / "first.xlsx",
        {
            "Đơn vị": [UNIT_HEADERS, ["HD", "Huyện Đoàn", "Đoàn", ""]],
            "Thành viên": [
                MEMBER_HEADERS,
                ["HD", "Lò Văn Công", "014095000001", "Cán bộ"] + [None] * 5,
            ],
            "Người dân": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")],
        },
    )
    preview = client.get(upload(client, path)["Location"])
    token = preview.context["token"]
    assert (
        post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token])).status_code
        == 302
    )
    assert (Unit.objects.count(), Member.objects.count(), Case.objects.count()) == (1, 1, 1)


def test_preview_shows_counts_and_writes_nothing_then_confirm_writes(client, secretary, tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000002", "014095000001"),
                resident_row("B", "014195000003", "014095000001"),
            ]
        },
    )
    response = upload(client, path)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert 'id="import-counts"' in html and "import_confirm" not in html
    assert preview.context["counts"][0]["new"] == 2
    assert Resident.objects.count() == 0
    token = preview.context["token"]
    done = post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    assert done.status_code == 302
    assert Case.objects.count() == 2
    assert set(Case.objects.values_list("created_by", flat=True)) == {secretary.pk}
    # The stored upload is gone: confirming twice is not possible.
    assert (
        post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token])).status_code
        == 404
    )


def test_confirm_checks_again_against_the_database(client, secretary, tmp_path):
    from units.models import Member

    path = build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")]},
    )
    token = client.get(upload(client, path)["Location"]).context["token"]
    Member.objects.filter(id_number="014095000001").delete()
    response = post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    assert response.status_code == 302
    assert client.get(job_result(response)).context["preview"]["error_count"] == 1
    assert Resident.objects.count() == 0


def test_another_users_upload_is_not_found(client, secretary, tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")]},
    )
    token = client.get(upload(client, path)["Location"]).context["token"]
    other = UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.SECRETARY).user
    other.save()
    client.force_login(other)
    assert client.get(reverse("campaign:import_preview", args=[token])).status_code == 404
    assert (
        post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token])).status_code
        == 404
    )


def test_not_a_workbook_gets_one_sentence_not_a_server_error(client, secretary, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Họ và tên,Số định danh\n")
    preview = client.get(upload(client, path)["Location"])
    assert [p.code for p in preview.context["errors"]] == ["csv"]
    assert "import-errors" in preview.content.decode()


def test_an_upload_over_the_limit_is_refused(client, secretary, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 10_000
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200_000)
    response = upload(client, path)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()


def test_a_refused_size_is_said_in_vietnamese_numbers_and_alone(
    client, secretary, settings, tmp_path
):
    settings.IMPORT_MAX_BYTES = 1048576 * 3 // 2
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * (3 * 1048576 - 4))
    response = upload(client, path)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Tệp nặng 3,0 MB; giới hạn là 1,5 MB." in html
    # The file was sent: no "this field is required" under the file field.
    assert "Trường này là bắt buộc" not in html and not response.context["form"]["file"].errors


def test_error_workbook_round_trip(client, secretary, tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000002", "014095000001"),
                resident_row("B", "12345", "014095000001"),
            ]
        },
    )
    preview = client.get(upload(client, path)["Location"])
    assert preview.context["preview"]["error_count"] == 1
    download = client.get(reverse("campaign:import_errors", args=[preview.context["token"]]))
    assert download.status_code == 200
    assert PersonalDataAccess.objects.filter(user=secretary, action="export").count() == 1
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = book["Người dân"]
    error_column = [c.value for c in sheet[1]].index("Lỗi") + 1
    assert sheet.cell(row=3, column=error_column).value.startswith("Số định danh")
    assert sheet.cell(row=2, column=error_column).value is None
    sheet.cell(row=3, column=2).value = "014195000003"  # fixed in place
    fixed = tmp_path / "fixed.xlsx"
    book.save(fixed)
    again = client.get(upload(client, fixed)["Location"])
    assert again.context["preview"]["ok"] is True
    post_and_run_jobs(client, reverse("campaign:import_confirm", args=[again.context["token"]]))
    assert set(Resident.objects.values_list("id_number", flat=True)) == {
        "014195000002",
        "014195000003",
    }


def test_error_workbook_marks_the_wrong_row_on_the_second_list(client, secretary, tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")],
            "Tháng 6": [
                RESIDENT_HEADERS,
                resident_row("B", "014195000003", "014095000001"),
                resident_row("C", "12345", "014095000001"),
            ],
        },
    )
    preview = client.get(upload(client, path)["Location"])
    assert [(p["sheet"], p["row"]) for p in preview.context["preview"]["errors"]] == [
        ("Tháng 6", 3)
    ]
    download = client.get(reverse("campaign:import_errors", args=[preview.context["token"]]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    june = book["Tháng 6"]
    error_column = [c.value for c in june[1]].index("Lỗi") + 1
    assert june.cell(row=3, column=error_column).value.startswith("Số định danh")
    assert "Lỗi" not in [c.value for c in book["Người dân"][1]]


@pytest.mark.parametrize(
    "damage", ["preview gone", "preview damaged", "upload gone", "meta damaged"]
)
def test_an_upload_gone_or_damaged_on_the_server_is_not_found_not_a_server_error(
    client, secretary, tmp_path, settings, damage
):
    from pathlib import Path

    path = build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS, resident_row("B", "12345", "014095000001")]},
    )
    token = client.get(upload(client, path)["Location"]).context["token"]
    folder = Path(settings.IMPORT_TEMP_DIR) / token
    {
        "preview gone": lambda: (folder / "preview.json").unlink(),
        "preview damaged": lambda: (folder / "preview.json").write_text("{"),
        "upload gone": lambda: (folder / "upload").unlink(),
        "meta damaged": lambda: (folder / "meta.json").write_text("[]"),
    }[damage]()
    assert client.get(reverse("campaign:import_preview", args=[token])).status_code == 404
    assert client.get(reverse("campaign:import_errors", args=[token])).status_code == 404
    # The confirm reads the workbook again, not the preview: it finds the wrong row again.
    assert post_and_run_jobs(
        client, reverse("campaign:import_confirm", args=[token])
    ).status_code in (302, 404)
    assert Resident.objects.count() == 0


def test_the_preview_does_not_tell_another_units_resident_or_claim(client, secretary, tmp_path):
    """No existence oracle (issue 17): the preview counts another tree's resident as new to
    the user's scope and says nothing of the other unit's claim; the double claim shows
    after the confirm, under the rules."""
    from campaign.tests.factories import CaseFactory

    theirs = MemberFactory(unit=UnitFactory(code="XB"), full_name="Cầm Thị Bích")
    CaseFactory(member=theirs, resident__id_number="014195000002")
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000002", "014095000001"),
                resident_row("B", "014195000003", "014095000001"),
            ]
        },
    )
    preview = client.get(upload(client, path)["Location"])
    assert preview.context["preview"]["double_claims"] == []
    plan = preview.context["plan"] if "plan" in preview.context else None
    if plan is not None:
        assert plan.counts["residents"].new == 2
    html = preview.content.decode()
    # As a word: the page's random CSRF token may hold the letters "XB".
    assert "Cầm Thị Bích" not in html and not re.search(r"\bXB\b", html)
    assert "đơn vị bạn không xem được" not in html


def test_the_preview_names_the_guides_of_units_the_file_creates_and_the_sheet_of_each_row(
    client, secretary, tmp_path
):
    from campaign.tests.import_helpers import MEMBER_HEADERS, UNIT_HEADERS

    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Đơn vị": [UNIT_HEADERS, ["DX1-CD", "Chi đoàn bản Mé", "Đoàn", "DX1"]],
            "Thành viên": [MEMBER_HEADERS, ["DX1-CD", "Vì Thị Mới", "014095000777", "Đoàn viên"]],
            "Bản Nà Khá": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")],
            "Bản Mé": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000777")],
        },
    )
    preview = client.get(upload(client, path)["Location"])
    (claim,) = preview.context["preview"]["double_claims"]
    assert sorted(code for _name, code in claim["guides"]) == ["DX1", "DX1-CD"]
    assert claim["other_guides"] == 0
    assert claim["rows"] == ["2 (trang “Bản Nà Khá”)", "2 (trang “Bản Mé”)"]
    assert "Vì Thị Mới" in preview.content.decode()


def _error_cells(download):
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_the_check_job_builds_the_error_workbook_and_the_download_serves_it(
    client, secretary, tmp_path, settings, monkeypatch, kind
):
    """Issue 17, item 9: the error workbook is written once, by the check job, whatever
    the upload's format, and a value beginning "=" stays text in it."""
    from pathlib import Path

    from campaign import workbook as wb
    from campaign.tests.import_helpers import build_ods
    from privacy.exports import rows_held

    rows = [
        RESIDENT_HEADERS,
        resident_row("=1+1", "014195000002", "014095000001"),
        resident_row("B", "12345", "014095000001"),
    ]
    build = build_xlsx if kind == "xlsx" else build_ods
    path = build(tmp_path / f"a.{kind}", {"Người dân": rows})
    if kind == "xlsx":  # typed as text, as a secretary's Excel keeps "=1+1" typed after '
        book = openpyxl.load_workbook(path)
        book["Người dân"]["A2"].data_type = "s"
        book.save(path)
    token = client.get(upload(client, path, name=f"a.{kind}")["Location"]).context["token"]
    errors = Path(settings.IMPORT_TEMP_DIR) / token / "errors.xlsx"
    assert errors.is_file()  # written by the check job, before anyone asked for it

    def not_in_the_request(*args, **kwargs):
        raise AssertionError("the error workbook was built in the request")

    monkeypatch.setattr(wb, "write_error_workbook", not_in_the_request)
    for _download in range(2):
        download = client.get(reverse("campaign:import_errors", args=[token]))
        assert download.status_code == 200
        cells = _error_cells(download)
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert "=1+1" in [c.value for c in cells]
        assert any(str(c.value or "").startswith("Số định danh") for c in cells)
    records = PersonalDataAccess.objects.filter(user=secretary, action="export")
    assert [r.rows for r in records] == [rows_held(errors)] * 2 == [2, 2]


def test_an_upload_checked_before_the_job_wrote_it_gets_its_workbook_once(
    client, secretary, tmp_path, settings
):
    import json
    from pathlib import Path

    path = build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS, resident_row("B", "12345", "014095000001")]},
    )
    token = client.get(upload(client, path)["Location"]).context["token"]
    folder = Path(settings.IMPORT_TEMP_DIR) / token
    (folder / "errors.xlsx").unlink()
    preview = json.loads((folder / "preview.json").read_text())
    del preview["error_rows_held"]
    (folder / "preview.json").write_text(json.dumps(preview))
    download = client.get(reverse("campaign:import_errors", args=[token]))
    assert download.status_code == 200 and (folder / "errors.xlsx").is_file()
    assert json.loads((folder / "preview.json").read_text())["error_rows_held"] == 1
