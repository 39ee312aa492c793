"""Hostile uploads are refused with one sentence before any reader trusts them, and write
nothing, by the command and by the web upload. Memory and time are measured by
benchmarks/bench_upload_limits.py, not here."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign import workbook as wb
from campaign.models import Case, Resident
from campaign.tests import hostile_workbooks as hostile
from campaign.tests.import_helpers import (
    RESIDENT_HEADERS,
    build_xlsx,
    post_and_run_jobs,
    resident_row,
)
from campaign.workbook import limits as upload_limits
from units.models import Member, Unit, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def refusal(path):
    with pytest.raises(wb.WorkbookError) as caught:
        upload_limits.check_upload(path)
    return caught.value


def test_one_cell_of_300_mb_compressed_to_300_kb_is_refused_by_its_length(tmp_path):
    path = hostile.huge_cell(tmp_path / "huge.xlsx", megabytes=300)
    assert path.stat().st_size < 1024 * 1024
    error = refusal(path)
    assert error.code == "cell_too_long"
    assert "32.767" in error.message


def test_a_cell_over_the_setting_is_refused_and_one_under_it_is_read(tmp_path, settings):
    settings.IMPORT_MAX_CELL_CHARS = 40
    rows = [RESIDENT_HEADERS, resident_row("A" * 39, "014195000002", "014095000001")]
    upload_limits.check_upload(build_xlsx(tmp_path / "ok.xlsx", {"Người dân": rows}))
    rows = [RESIDENT_HEADERS, resident_row("A" * 41, "014195000002", "014095000001")]
    assert refusal(build_xlsx(tmp_path / "long.xlsx", {"Người dân": rows})).code == (
        "cell_too_long"
    )


def test_hundreds_of_thousands_of_long_rows_are_refused_by_the_unpacked_size(tmp_path):
    path = hostile.long_rows(tmp_path / "rows.xlsx", rows=200_000, width=900)
    error = refusal(path)
    assert error.code == "unpacked_too_large"
    assert "160 MB" in error.message


def test_the_unpacked_size_is_counted_as_decompressed_not_as_declared(tmp_path, settings):
    # ZipInfo.file_size is what the file says; the check counts what the stream yields.
    settings.IMPORT_MAX_PART_BYTES = 100_000
    path = hostile.huge_cell(tmp_path / "huge.xlsx", megabytes=1)
    with zipfile.ZipFile(path) as archive:
        declared = {i.filename: i.file_size for i in archive.infolist()}
    assert declared["xl/sharedStrings.xml"] > 100_000
    settings.IMPORT_MAX_CELL_CHARS = 10**9
    assert refusal(path).code == "unpacked_too_large"


def test_all_parts_together_are_held_to_the_file_limit(tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2_000
    rows = [RESIDENT_HEADERS] + [
        resident_row(f"Người {n}", f"01419500{n:04d}", "014095000001") for n in range(50)
    ]
    assert refusal(build_xlsx(tmp_path / "a.xlsx", {"Người dân": rows})).code == (
        "unpacked_too_large"
    )


@pytest.mark.parametrize(
    "build", [hostile.entity_bomb, hostile.external_entity], ids=["billion-laughs", "xxe"]
)
def test_a_doctype_or_entities_are_refused(tmp_path, build):
    assert refusal(build(tmp_path / "bomb.xlsx")).code == "hostile_xml"


def test_deeply_nested_xml_is_refused(tmp_path):
    assert refusal(hostile.deep_nesting(tmp_path / "deep.xlsx")).code == "hostile_xml"


def test_one_giant_tag_is_refused_before_it_is_buffered(tmp_path):
    assert refusal(hostile.giant_tag(tmp_path / "tag.xlsx")).code == "hostile_xml"


def test_two_cells_at_opposite_corners_are_refused_by_the_span_they_ask_for(tmp_path):
    # calamine would allocate the 17 billion cells between them and abort the process.
    assert refusal(hostile.sparse_corners(tmp_path / "corners.xlsx")).code == "too_many_cells"


def test_a_filled_ods_cell_repeated_a_billion_times_is_refused(tmp_path):
    assert refusal(hostile.ods_repeated_cells(tmp_path / "rep.ods")).code == "too_many_cells"


def test_the_empty_rows_libreoffice_writes_at_the_end_of_a_sheet_are_no_cells(tmp_path):
    upload_limits.check_upload(hostile.ods_with_empty_tail(tmp_path / "plain.ods"))


def test_a_zip_of_tens_of_thousands_of_parts_is_refused_before_it_is_opened(tmp_path):
    assert refusal(hostile.many_members(tmp_path / "parts.xlsx")).code == "too_many_parts"


def test_the_check_stops_at_its_time_limit(tmp_path, settings):
    settings.IMPORT_CHECK_SECONDS = -1
    rows = [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")]
    assert refusal(build_xlsx(tmp_path / "a.xlsx", {"Người dân": rows})).code == ("check_too_slow")


def test_an_old_xls_is_checked_cell_by_cell_as_it_is_read(settings):
    upload_limits.check_upload(FIXTURES / "old-format.xls")
    settings.IMPORT_MAX_CELL_CHARS = 3
    assert refusal(FIXTURES / "old-format.xls").code == "cell_too_long"


def test_read_workbook_checks_the_bounds_before_anything_else(tmp_path):
    with pytest.raises(wb.WorkbookError) as caught:
        wb.read_workbook(hostile.sparse_corners(tmp_path / "corners.xlsx"))
    assert caught.value.code == "too_many_cells"


def test_a_plain_workbook_passes_the_check(tmp_path):
    rows = [RESIDENT_HEADERS, resident_row("Lò Văn A", "014195000002", "014095000001")]
    upload_limits.check_upload(build_xlsx(tmp_path / "a.xlsx", {"Người dân": rows}))


def test_not_a_workbook_is_left_to_the_sniffing_to_name(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"Ho va ten,So dinh danh\n")
    upload_limits.check_upload(path)
    with zipfile.ZipFile(tmp_path / "w.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    upload_limits.check_upload(tmp_path / "w.xlsx")


# --- Through the command and the web: one sentence, nothing written --------------------


HOSTILE = {
    "huge-cell": (lambda p: hostile.huge_cell(p / "a.xlsx", megabytes=50), "cell_too_long"),
    "corners": (lambda p: hostile.sparse_corners(p / "a.xlsx"), "too_many_cells"),
    "bomb": (lambda p: hostile.entity_bomb(p / "a.xlsx"), "hostile_xml"),
    "ods-repeats": (lambda p: hostile.ods_repeated_cells(p / "a.ods"), "too_many_cells"),
}


def _counts():
    return (Unit.objects.count(), Member.objects.count(), Resident.objects.count())


@pytest.mark.parametrize("name", HOSTILE)
def test_import_xlsx_refuses_a_hostile_file_in_one_sentence_and_writes_nothing(
    tmp_path, capsys, name
):
    build, code = HOSTILE[name]
    path = build(tmp_path)
    before = _counts()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_xlsx", str(path))
    assert exit_.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2  # the sentence and the closing line
    assert refusal(path).message in lines[0] and refusal(path).code == code
    assert _counts() == before and Case.objects.count() == 0


@pytest.mark.parametrize("name", HOSTILE)
def test_the_web_upload_refuses_a_hostile_file_in_one_sentence_and_writes_nothing(
    client, settings, tmp_path, name
):
    from campaign.tests.factories import plan_campaign

    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")
    unit = UnitFactory(code="DX1")
    role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY)
    MemberFactory(unit=unit, id_number="014095000001")
    role.user.save()
    client.force_login(role.user)
    build, code = HOSTILE[name]
    path = build(tmp_path)
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    before = _counts()
    response = post_and_run_jobs(
        client, reverse("campaign:import_upload"), {"campaign": plan_campaign().pk, "file": data}
    )
    preview = client.get(response["Location"])
    assert [p.code for p in preview.context["errors"]] == [code]
    assert _counts() == before
    token = response["Location"].rstrip("/").split("/")[-1]
    post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    assert _counts() == before and Case.objects.count() == 0
