"""What a person sees of the reports and jobs: figures written the Vietnamese way (1.234)
on the pages, and a report workbook whose long texts wrap instead of being cut in print."""

import datetime
import os
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaign.tests.factories import ResidentFactory
from campaign.tests.helpers import add_case, add_full_cases
from jobs.models import Job
from reports.exports.workbook import MEMBERS, NAMED
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

from .test_exports import export
from .workbook_helpers import table

pytestmark = pytest.mark.django_db


def test_the_job_page_counts_rows_with_a_thousands_dot(client):
    district = UnitFactory(code="HD")
    user = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN).user
    running = Job.objects.create(
        kind="report_export", label="Tệp báo cáo", owner=user, status=Job.Status.RUNNING
    )
    Job.objects.filter(pk=running.pk).update(done=1500, total=12345)
    client.force_login(user)
    text = client.get(reverse("jobs:job", args=[running.pk])).content.decode()
    assert "Đã xong 1.500/12.345 dòng" in text
    Job.objects.filter(pk=running.pk).update(status=Job.Status.DONE, done=12345)
    text = client.get(reverse("jobs:job", args=[running.pk]) + "?partial=1").content.decode()
    assert "12.345 dòng" in text and "12345" not in text


@pytest.fixture
def district_with_long_texts():
    top = UnitFactory(code="CA", name="Công an huyện")
    team = UnitFactory(
        code="CA-HS", name="Đội Cảnh sát hình sự - kinh tế - ma túy - môi trường", parent=top
    )
    guide = MemberFactory(unit=team, full_name="Lò Văn Công")
    add_full_cases(guide, 2)
    add_case(
        guide,
        ResidentFactory(
            full_name="Quàng Thị Mai",
            address="Bản Phiêng Piềng, xã Púng Bánh, huyện Sốp Cộp, tỉnh Sơn La, tổ dân cư số 4",
        ),
        activated_on=datetime.date(2023, 5, 5),
    )
    return top


def test_long_addresses_and_unit_names_wrap_in_taller_rows_of_the_named_list(
    tmp_path, district_with_long_texts
):
    sheet = export(tmp_path, as_of="2023-06-20")["Danh sách kèm theo"]
    headers = [column.header for column in NAMED]
    row = next(r for r in table(sheet, "STT") if r[1].value == "Quàng Thị Mai")
    for header in ("Họ và tên", "Địa chỉ", "Người hướng dẫn", "Đơn vị người hướng dẫn"):
        assert row[headers.index(header)].alignment.wrap_text, header
    assert sheet.row_dimensions[row[0].row].height >= 32  # two lines at least
    assert row[headers.index("Số định danh cá nhân")].alignment.wrap_text is not True


def test_a_long_unit_name_wraps_on_the_members_sheet(tmp_path, district_with_long_texts):
    sheet = export(tmp_path, as_of="2023-06-20")["Thành viên"]
    headers = [column.header for column in MEMBERS]
    row = next(r for r in table(sheet, "STT") if r[2].value == "Lò Văn Công")
    assert row[headers.index("Đơn vị")].alignment.wrap_text
    assert sheet.row_dimensions[row[0].row].height >= 32


def test_figures_are_numbers_with_a_thousands_format_and_every_sheet_fits_a4_width(
    tmp_path, district_with_long_texts
):
    book = export(tmp_path, as_of="2023-06-20")
    members = book["Thành viên"]
    row = next(r for r in table(members, "STT") if r[2].value == "Lò Văn Công")
    cases = row[[c.header for c in MEMBERS].index("Số người đã hướng dẫn")]
    assert (cases.value, cases.number_format) == (3, "[$-42A]#,##0")
    average = table(book["Tổng hợp"], "Đơn vị")[0][6]
    assert average.number_format == "[$-42A]#,##0.00"
    named = table(book["Danh sách kèm theo"], "STT")[0][0]
    assert named.number_format == "[$-42A]#,##0"
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "landscape"), sheet.title
        # One page wide (1 is the default, left unwritten), as many pages down as it takes.
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title


def test_the_completeness_page_counts_days_late_and_units_with_a_thousands_dot(client):
    from reports.submissions import submit_report
    from reports.tests.factories import PeriodFactory

    youth = UnitFactory(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
    secretary = UnitRoleFactory(unit=youth, role=UnitRole.Role.SECRETARY).user
    due = datetime.date(2019, 12, 10)
    period = PeriodFactory(
        starts_on=datetime.date(2019, 11, 1), ends_on=datetime.date(2019, 11, 30), due_on=due
    )
    sent = timezone.make_aware(datetime.datetime.combine(due, datetime.time(12)))
    submit_report(period=period, unit=youth, user=secretary, now=sent + datetime.timedelta(1302))
    client.force_login(secretary)
    text = client.get(reverse("reports:completeness")).content.decode()
    assert "muộn 1.302 ngày" in text and "1302" not in text
    assert 'data-label="Đã gửi"' in text  # the rates stack into labelled cards on a phone


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or pdftotext is not installed",
)
def test_the_printed_workbook_writes_decimals_with_a_comma_whatever_the_machine_language(
    tmp_path, district_with_long_texts
):
    out = tmp_path / "bao-cao.xlsx"
    call_command("export_report", out=str(out), as_of="2023-06-20")
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo"]
        + ["--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"},
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "bao-cao.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = next(line for line in text.splitlines() if "Tổng cộng" in line)
    assert "3,00" in total and "3.00" not in total  # 3 full cases for 1 member
    # The table's type, fitted to the page's width, prints at 10 pt or more: a word's box is
    # the font's ascent plus descent, 1.107 em for Times (Liberation Serif).
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(tmp_path / "bao-cao.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    word = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">Tổng</word>', boxes)
    assert (float(word.group(2)) - float(word.group(1))) / 1.107 >= 10
