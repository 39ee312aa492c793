import pytest
from django.core.management import call_command

from campaign.models import Case, Resident
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide():
    return MemberFactory(unit=UnitFactory(code="DX1"), id_number="014095000001")


def book(tmp_path, *rows):
    return str(build_xlsx(tmp_path / "a.xlsx", {"Người dân": [RESIDENT_HEADERS, *rows]}))


def test_success_prints_a_summary_and_writes(tmp_path, guide, capsys):
    call_command("import_xlsx", book(tmp_path, resident_row("A", "014195000002", guide.id_number)))
    out = capsys.readouterr().out
    assert "1" in out and Case.objects.count() == 1


def test_dry_run_writes_nothing(tmp_path, guide, capsys):
    call_command(
        "import_xlsx",
        book(tmp_path, resident_row("A", "014195000002", guide.id_number)),
        "--dry-run",
        "--campaign",
        "vneid-2023",
    )
    assert Resident.objects.count() == 0


def test_errors_exit_1_one_line_each_with_sheet_row_and_column(tmp_path, guide, capsys):
    path = book(
        tmp_path,
        resident_row("A", "123", guide.id_number),
        resident_row("B", "014195000003", "014095000999"),
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("import_xlsx", path)
    assert exit_.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3  # two errors and the closing line
    assert "Người dân" in lines[0] and "2" in lines[0] and "Số định danh" in lines[0]
    assert "3" in lines[1] and "Số định danh người hướng dẫn" in lines[1]
    assert Resident.objects.count() == 0


def test_an_unreadable_file_exits_1_with_one_sentence(tmp_path, capsys):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"")
    with pytest.raises(SystemExit):
        call_command("import_xlsx", str(path))
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_a_missing_file_or_a_folder_is_said_in_vietnamese(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Không có tệp"):
        call_command("import_xlsx", str(tmp_path / "khong-co.xlsx"))
    with pytest.raises(CommandError, match="là thư mục"):
        call_command("import_xlsx", str(tmp_path))


def test_user_option_applies_that_users_scope(tmp_path, guide, capsys):
    role = UnitRoleFactory(unit=UnitFactory(code="OTHER"), role=UnitRole.Role.SECRETARY)
    with pytest.raises(SystemExit):
        call_command(
            "import_xlsx",
            book(tmp_path, resident_row("A", "014195000002", guide.id_number)),
            "--user",
            role.user.username,
        )
    assert "Số định danh người hướng dẫn" in capsys.readouterr().err
    assert Resident.objects.count() == 0


def test_messages_are_in_vietnamese_for_the_unit_secretary(tmp_path, guide, capsys):
    path = book(tmp_path, resident_row("A", "123", guide.id_number))
    with pytest.raises(SystemExit):
        call_command("import_xlsx", path)
    error = capsys.readouterr().err
    assert "Trang Người dân, dòng 2, cột Số định danh" in error
    assert "12 chữ số" in error and "không dòng nào được nhập" in error
    call_command("import_xlsx", book(tmp_path, resident_row("A", "014195000002", guide.id_number)))
    assert "Đã nhập" in capsys.readouterr().out
