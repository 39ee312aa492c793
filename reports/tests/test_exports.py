"""The report workbook: every figure the results' own, the document's form, safe cells,
the record of each export, and a clean conversion to PDF."""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from campaign.models import Resident
from campaign.results import build_results
from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import add_case, add_full_cases
from privacy.models import PersonalDataAccess
from privacy.subjects import subject_key
from reports.exports import SHEETS, expected_units, export_report
from reports.exports.workbook import vietnamese_date
from reports.models import ReportHeading, ReportingPeriod

from .workbook_helpers import open_report, table, values

pytestmark = [pytest.mark.django_db, pytest.mark.district("report")]

AS_OF = datetime.date(2023, 6, 20)


def export(tmp_path, **options):
    out = tmp_path / "bao-cao.xlsx"
    call_command("export_report", out=str(out), **options)
    return open_report(out)


def test_sheets_are_named_and_ordered_as_the_interface_says(tmp_path, district):
    book = export(tmp_path, as_of="2023-06-20")
    assert (
        book.sheetnames
        == list(SHEETS)
        == [
            "Tổng hợp",
            "Thành viên",
            "Đề nghị khen thưởng",
            "Danh sách kèm theo",
            "Trùng lặp",
            "Hoạt động",
        ]
    )


@pytest.mark.parametrize("options", [{"as_of": "2023-06-20"}, {"period": "thang-06-2023"}])
def test_every_figure_equals_the_results_of_the_same_day_or_period(tmp_path, district, options):
    campaign = plan_campaign()
    period = ReportingPeriod.objects.filter(slug=options.get("period")).first()
    as_of = period.ends_on if period else AS_OF
    results = build_results(campaign, as_of=as_of, since=period.starts_on if period else None)
    book = export(tmp_path, **options)

    summary = values(table(book["Tổng hợp"], "Đơn vị"))
    *unit_rows, totals = summary
    assert [row[0] for row in unit_rows] == [u.name for u in results.units]
    for row, unit in zip(unit_rows, results.units):
        t = unit.tally
        period_figures = [t.period_eid, t.period_full] if period else [None, None]
        assert row[1:8] == [
            t.members,
            period_figures[0],
            t.credited_eid,
            period_figures[1],
            t.credited_full,
            float(unit.average),
            "Có" if unit.collective_award else None,
        ]
    assert totals[0] == "Tổng cộng"
    assert totals[1] == results.totals.members
    assert totals[3] == results.totals.credited_eid
    assert totals[5] == results.totals.credited_full

    members = values(table(book["Thành viên"], "STT"))
    assert len(members) == len(results.members)
    for row, m in zip(members, results.members):
        assert row[2] == m.name
        assert row[4:8] == [m.quota, m.cases, m.credited_eid, m.credited_full]
        if period:
            assert row[8:10] == [m.period_eid, m.period_full]
        assert row[10] == ("Có" if m.meets_quota else None)
        assert row[11] == ("Có" if m.individual_award else None)
        assert row[12] == m.double_claims

    named = values(table(book["Danh sách kèm theo"], "STT"))
    assert len(named) == results.totals.credited_full
    assert [row[0] for row in named] == list(range(1, len(named) + 1))

    proposed = values(table(book["Đề nghị khen thưởng"], "STT"))
    individuals = [m for m in results.members if m.individual_award]
    collective = [u for u in results.units if u.collective_award]
    names = [row[1] for row in proposed if isinstance(row[0], int)]
    assert names == [m.name for m in individuals] + [u.name for u in collective]
    figures = [row[3] for row in proposed if isinstance(row[0], int)]
    assert figures == [m.credited_full for m in individuals] + [
        float(u.average) for u in collective
    ]


def test_the_named_list_holds_exactly_the_credited_full_cases(tmp_path, district):
    book = export(tmp_path, as_of="2023-06-20")
    named = values(table(book["Danh sách kèm theo"], "STT"))
    listed = {row[3] for row in named}
    assert "Điêu Thị Hoa" not in {row[1] for row in named}  # double claim: nobody's
    assert len(listed) == 51 + 3 + 21 + 1
    assert all(row[8] == "Có" and row[6] == 2 for row in named)
    assert all(isinstance(row[7], datetime.datetime) for row in named)
    assert book["Danh sách kèm theo"].cell(row=10, column=8).number_format == "dd/mm/yyyy"


def test_names_are_in_the_order_a_vietnamese_reader_looks_for_them(tmp_path, district):
    member = district["women"].members.get(full_name="Quàng Thị Dung")
    for name in ("Vũ Thị Yến", "Đào Thị Mai", "Dương Văn An", "Ánh Thị Lan"):
        add_case(member, ResidentFactory(full_name=name))
    rows = table(export(tmp_path, as_of="2023-06-20")["Danh sách kèm theo"], "STT")
    names = [r[1].value for r in rows if r[9].value == "Quàng Thị Dung" and r[1].value[0] != "L"]
    assert names == ["Ánh Thị Lan", "Đào Thị Mai", "Dương Văn An", "Vũ Thị Yến"]


def test_the_double_claims_sheet_names_every_claimant_until_resolved(tmp_path, district):
    rows = values(table(export(tmp_path, as_of="2023-06-20")["Trùng lặp"], "STT"))
    assert len(rows) == 1
    assert rows[0][1] == "Điêu Thị Hoa"
    assert rows[0][3] == 2
    assert "Hà Văn Khánh (Đoàn xã 1)" in rows[0][4] and "Lò Văn Công (Công an huyện)" in rows[0][4]


def test_id_and_phone_numbers_are_text_with_their_leading_zero(tmp_path, district):
    member = district["women"].members.get(full_name="Quàng Thị Dung")
    add_case(
        member, ResidentFactory(id_number="001190000123", phone="0912345678", full_name="Lê Thị A")
    )
    sheet = export(tmp_path, as_of="2023-06-20")["Danh sách kèm theo"]
    row = next(r for r in table(sheet, "STT") if r[1].value == "Lê Thị A")
    assert (row[3].value, row[3].data_type) == ("001190000123", "s")
    assert (row[4].value, row[4].data_type) == ("0912345678", "s")


@pytest.mark.parametrize("text", ["=1+1", "+84 912", "-HYPERLINK(1)", "@SUM(A1)"])
def test_a_value_that_looks_like_a_formula_stays_text(tmp_path, district, text):
    member = district["women"].members.get(full_name="Quàng Thị Dung")
    add_case(member, ResidentFactory(full_name="Lò Thị B", address=text))
    sheet = export(tmp_path, as_of="2023-06-20")["Danh sách kèm theo"]
    row = next(r for r in table(sheet, "STT") if r[1].value == "Lò Thị B")
    assert (row[5].value, row[5].data_type) == (text, "s")


def test_the_document_has_the_decree_heading_and_signature(tmp_path, district):
    sheet = export(tmp_path, as_of="2023-06-20")["Tổng hợp"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    heading = ReportHeading.for_report(plan_campaign())
    assert "CÔNG AN TỈNH SƠN LA" in texts and "CÔNG AN HUYỆN SỐP CỘP" in texts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Độc lập - Tự do - Hạnh phúc" in texts
    assert "Số:        /BC-CAH" in texts
    assert any(t.startswith("Sốp Cộp, ngày ") for t in texts)
    assert "Kính gửi: Công an tỉnh Sơn La" in texts
    assert "Nơi nhận:" in texts
    assert "KT. TRƯỞNG CÔNG AN HUYỆN" in texts and heading.signer_title in texts
    assert sheet["A1"].font.name == "Times New Roman" and sheet["A1"].font.sz == 13
    place = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("Sốp"))
    assert place.font.i
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows and sheet.freeze_panes
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_the_heading_is_a_setting_not_a_literal(tmp_path, district):
    ReportHeading.objects.filter(campaign=plan_campaign()).update(
        issuing_body="Công an huyện Mường La", place="Mường La", recipient="Giám đốc Công an tỉnh"
    )
    texts = [
        c.value
        for row in export(tmp_path, as_of="2023-06-20")["Thành viên"].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    # An annex names the report it goes with, by the heading's number and issuing body.
    assert any(t.endswith(" của Công an huyện Mường La)") for t in texts)
    body = [
        c.value
        for row in export(tmp_path, as_of="2023-06-20")["Tổng hợp"].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert "CÔNG AN HUYỆN MƯỜNG LA" in body
    assert any(t.startswith("Mường La, ngày ") for t in body)
    assert "Kính gửi: Giám đốc Công an tỉnh" in body


def test_a_unit_report_covers_its_subtree_under_its_own_heading(tmp_path, district):
    book = export(tmp_path, as_of="2023-06-20", unit="HD")
    names = [row[0] for row in values(table(book["Tổng hợp"], "Đơn vị"))]
    assert names == ["Huyện Đoàn", "Đoàn xã 1", "Đoàn xã 2", "Tổng cộng"]
    texts = [c.value for row in book["Tổng hợp"].iter_rows() for c in row if c.value]
    assert "HUYỆN ĐOÀN" in texts


def test_a_unit_without_a_heading_of_its_own_gets_a_whole_document_form(tmp_path, district):
    texts = [
        c.value
        for row in export(tmp_path, as_of="2023-06-20", unit="HD")["Tổng hợp"].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert "Số:        /BC-HD" in texts  # numbered with the unit's code
    assert "Kính gửi: Công an huyện" in texts  # the district police unit, as it is written
    assert ["Nơi nhận:", "- Như trên;", "- Lưu: VT."] == [
        t for t in texts if t.startswith(("Nơi nhận", "- ")) and "Phụ lục" not in t
    ]
    assert "TM. BAN THƯỜNG VỤ" in texts and "BÍ THƯ" in texts
    assert any(t.startswith("Sốp Cộp, ngày ") for t in texts)  # the district's place


def test_an_individual_proposal_is_a_count_and_a_unit_proposal_an_average(tmp_path, district):
    rows = table(export(tmp_path, as_of="2023-06-20")["Đề nghị khen thưởng"], "STT")
    star = next(r for r in rows if r[1].value == "Hà Văn Khánh")
    assert (star[3].value, star[4].value) == (51, 50)
    assert star[3].number_format == star[4].number_format == "[$-42A]#,##0"


@pytest.mark.parametrize(
    "day, text",
    [
        (datetime.date(2023, 7, 5), "ngày 05 tháng 7 năm 2023"),
        (datetime.date(2023, 2, 14), "ngày 14 tháng 02 năm 2023"),
        (datetime.date(2023, 1, 9), "ngày 09 tháng 01 năm 2023"),
        (datetime.date(2023, 11, 28), "ngày 28 tháng 11 năm 2023"),
    ],
)
def test_dates_in_words_follow_the_decree(day, text):
    assert vietnamese_date(day) == text


def test_every_export_of_the_named_list_is_recorded_with_its_rows(tmp_path, district):
    book = export(tmp_path, period="dot-2")
    record = PersonalDataAccess.objects.get()
    assert record.action == PersonalDataAccess.Action.EXPORT
    period = ReportingPeriod.objects.get(slug="dot-2")
    assert record.what.startswith(period.name) and "dòng lệnh" in record.what
    # Every person the file holds, once: the named list's and the "Trùng lặp" sheet's.
    named = {row[3] for row in values(table(book["Danh sách kèm theo"], "STT"))}
    doubles = {row[2] for row in values(table(book["Trùng lặp"], "STT"))}
    assert len(named) == 51 + 3 + 21 + 1 and doubles and not doubles <= named
    assert record.rows == len(named | doubles)
    assert set(record.subjects.values_list("subject", flat=True)) == {
        subject_key(number) for number in named | doubles
    }
    some_double = next(iter(doubles - named))
    assert record in PersonalDataAccess.concerning(subject_key(some_double))


def test_a_web_export_records_the_user(tmp_path, district):
    from units.tests.factories import UserFactory

    user = UserFactory()
    export_report(tmp_path / "r.xlsx", campaign=plan_campaign(), user=user, as_of=AS_OF)
    assert PersonalDataAccess.objects.get().user == user


@pytest.mark.parametrize(
    "options, message",
    [
        ({"period": "khong-co"}, "khong-co"),
        ({"unit": "KHONG"}, "KHONG"),
        ({"as_of": "20/06/2023"}, "YYYY-MM-DD"),
        ({"as_of": "2023-02-30"}, "không phải ngày có thật"),
        ({"as_of": "2023-06-20", "period": "dot-1"}, "không ghi cả hai"),
    ],
)
def test_bad_options_are_refused_with_the_reason_and_write_nothing(
    tmp_path, district, options, message
):
    out = tmp_path / "r.xlsx"
    with pytest.raises(CommandError, match=message):
        call_command("export_report", out=str(out), **options)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert not PersonalDataAccess.objects.exists()


def test_an_out_under_a_file_or_where_no_file_can_be_made_is_refused_in_vietnamese(tmp_path):
    (tmp_path / "f.txt").write_text("")
    with pytest.raises(CommandError, match="là một tệp, không phải thư mục"):
        call_command("export_report", out=str(tmp_path / "f.txt" / "r.xlsx"))
    with pytest.raises(CommandError, match="Không ghi được /proc/r.xlsx: không"):
        call_command("export_report", out="/proc/r.xlsx", as_of="2023-06-20")
    assert not PersonalDataAccess.objects.exists()


def test_a_missing_out_is_said_in_vietnamese():
    with pytest.raises(CommandError, match="--out TỆP.xlsx"):
        call_command("export_report", as_of="2023-06-20")


def test_the_default_expected_units_are_the_tops_of_the_union_trees(district):
    assert set(expected_units(plan_campaign()).values_list("code", flat=True)) == {"HD", "HPN"}


def test_a_cumulative_average_is_a_number_rounded_to_two_decimals(tmp_path, district):
    rows = values(table(export(tmp_path, as_of="2023-06-20")["Tổng hợp"], "Đơn vị"))
    women = next(r for r in rows if r[0] == "Hội LHPN huyện")
    assert women[6] == float(Decimal("21.00")) and women[7] == "Có"
    assert Resident.objects.exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_workbook_converts_to_pdf_with_libreoffice(tmp_path, district):
    out = tmp_path / "bao-cao.xlsx"
    call_command("export_report", out=str(out), period="dot-2")
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.stat().st_size > 10_000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Danh sách người dân".upper() in text
        assert "Trang 1\n" in text and "Phụ lục III - trang 1\n" in text


def test_the_command_says_what_it_wrote_with_thousands_dots(tmp_path, district):
    add_full_cases(district["women"].members.get(full_name="Quàng Thị Dung"), 1200)
    said = io.StringIO()
    call_command("export_report", out=str(tmp_path / "r.xlsx"), as_of="2023-06-20", stderr=said)
    rows = len(table(open_report(tmp_path / "r.xlsx")["Danh sách kèm theo"], "STT"))
    assert rows > 1200
    shown = f"{rows:,}".replace(",", ".")
    assert f"5 thành viên, {shown} dòng danh sách kèm theo" in said.getvalue()


def test_the_activation_list_columns_come_last_and_read_back(tmp_path, district):
    """Tổng hợp and Thành viên gain, at their end, the cases verified, differing and not
    found; the earlier columns keep their order; the line under the title says which
    figures the report holds."""
    from campaign.activations import import_activation_list
    from campaign.models import Case

    book = export(tmp_path, as_of="2023-06-20")
    header = next(r for r in book["Tổng hợp"].iter_rows(values_only=True) if r[0] == "Đơn vị")
    assert header[-4:] == (
        "Báo cáo của đơn vị",
        "Khớp danh sách kích hoạt",
        "Lệch với danh sách kích hoạt",
        "Không có trong danh sách kích hoạt",
    )
    assert [row[-3:] for row in values(table(book["Tổng hợp"], "Đơn vị"))][0] == [None] * 3
    texts = [c for r in book["Tổng hợp"].iter_rows(values_only=True) for c in r if c]
    assert any("số liệu theo các đơn vị đã nhập" in str(t) for t in texts)

    ids = list(
        Case.objects.filter(member__full_name="Hà Văn Khánh")
        .order_by("pk")
        .values_list("resident__id_number", flat=True)[:3]
    )
    path = tmp_path / "ds.csv"
    path.write_text(
        "Số định danh;Mức định danh;Ngày kích hoạt\n"
        f"{ids[0]};2;02/05/2023\n{ids[1]};1;02/05/2023\n",
        encoding="utf-8",
    )
    assert import_activation_list(path, campaign=plan_campaign()).ok
    campaign = plan_campaign()
    campaign.figures_from = "activation_list"
    campaign.save()
    results = build_results(plan_campaign(), as_of=AS_OF)
    book = export(tmp_path, as_of="2023-06-20")
    *unit_rows, totals = values(table(book["Tổng hợp"], "Đơn vị"))
    for row, unit in zip(unit_rows, results.units):
        assert row[-3:] == [unit.tally.verified, unit.tally.differs, unit.tally.not_found]
    assert totals[-3:] == [results.totals.verified, 1, results.totals.not_found]
    assert results.totals.verified == 1
    members = values(table(book["Thành viên"], "STT"))
    star = next(row for row in members if row[2] == "Hà Văn Khánh")
    assert star[13:16] == [1, 1, 50]  # 52 cases: 1 verified, 1 differs, 50 not on the list
    # Credited full from the list: the two the list holds (level 1 counts too; the list says
    # nothing of the portal, so the typed answer stands); the other 50 are not activated.
    assert star[7] == 2
    texts = [c for r in book["Tổng hợp"].iter_rows(values_only=True) for c in r if c]
    assert any("số liệu theo danh sách kích hoạt của Công an" in str(t) for t in texts)


def test_the_named_list_names_a_resident_as_the_credited_tree_recorded_them(tmp_path, district):
    from campaign.claims import resolve_double_claim
    from campaign.models import ResidentRecord
    from campaign.owners import assign_trees
    from units.tests.factories import UserFactory

    officer = district["police"].members.get(full_name="Lò Văn Công")
    woman = district["women"].members.get(full_name="Quàng Thị Dung")
    resident = ResidentFactory(full_name="Tên Công An Gõ", phone="0912000111", address="Bản CA")
    add_case(officer, resident)  # recorded first by the police: the Resident row is theirs
    assign_trees([resident.pk])
    ResidentRecord.objects.create(
        resident=resident,
        tree=district["women"],
        full_name="Tên Phụ Nữ Gõ",
        phone="0987000222",
        address="Bản PN",
    )
    add_case(woman, resident)
    resolve_double_claim(
        campaign=plan_campaign(),
        resident=resident,
        awarded_to=woman,
        reason="Hội Phụ nữ hướng dẫn",
        user=UserFactory(is_superuser=True),
    )
    for options in ({"unit": "HPN"}, {}):  # the women's report, and the whole district's
        sheet = export(tmp_path, as_of="2023-06-20", **options)["Danh sách kèm theo"]
        [row] = [r for r in values(table(sheet, "STT")) if r[3] == resident.id_number]
        assert (row[1], row[4], row[5]) == ("Tên Phụ Nữ Gõ", "0987000222", "Bản PN")
        texts = {c.value for r in sheet.iter_rows() for c in r}
        assert not texts & {"Tên Công An Gõ", "0912000111", "Bản CA"}
