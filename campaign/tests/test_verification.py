"""The activation list (interfaces.md §5, rules.md "Verification against the activation
list"): its import in every form, all or nothing, the statuses, the tolerance, "figures
from", the command line and the JSON."""

import datetime
import json
import unicodedata
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from campaign import verification
from campaign.activations import import_activation_list
from campaign.models import ActivationEntry, ActivationList, Case
from campaign.results import build_results
from campaign.tests.factories import ResidentFactory, plan_campaign
from campaign.tests.helpers import AS_OF, add_case
from units.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HEADER = ["STT", "Số định danh", "Họ và tên", "Mức định danh", "Ngày kích hoạt", "Tài khoản DVC"]


def write_csv(path, rows, *, delimiter=",", bom=False, encoding="utf-8", header=HEADER):
    lines = [delimiter.join(header)] + [delimiter.join(str(c) for c in row) for row in rows]
    data = "\n".join(lines) + "\n"
    # (the Windows Vietnamese code page holds some letters whole, others as combining marks)
    encoded = unicodedata.normalize("NFC", data).encode(encoding, errors="replace")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + encoded)
    return path


def write_xlsx(path, rows, *, header=HEADER, title="Danh sách kích hoạt", before=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in before:
        sheet.append(row)
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def people():
    """A member guiding four residents, as typed: level 2 on 02/05/2023 with the portal."""
    member = MemberFactory(id_number="014090000001", full_name="Lò Văn A")
    residents = [ResidentFactory(id_number=f"01419500000{i}") for i in range(1, 5)]
    cases = [add_case(member, resident) for resident in residents]
    return member, residents, cases


def status(case):
    case.refresh_from_db()
    return verification.status_of(case, plan_campaign())


def test_csv_import_gives_each_case_its_status(tmp_path, people):
    _member, _residents, cases = people
    path = write_csv(
        tmp_path / "ds.csv",
        [
            (1, "014195000001", "A", 2, "02/05/2023", "Có"),  # the same: verified
            (2, "014195000002", "B", 1, "02/05/2023", "Có"),  # another level: differs
            (3, "014195000003", "C", 2, "03/05/2023", "Không"),  # date, portal: differs
            (4, "079000000009", "D", 2, "02/05/2023", "Có"),  # nobody's case
        ],
    )
    result = import_activation_list(path, campaign=plan_campaign())
    assert result.ok and result.written, result.problems()
    assert result.statuses == {"verified": 1, "differs": 2, "not_found": 1}
    assert [status(c) for c in cases] == ["verified", "differs", "differs", "not_found"]
    record = ActivationList.objects.get()
    assert (record.rows, len(record.sha256)) == (4, 64)
    cases[2].refresh_from_db()
    assert [str(w) for w, *_ in verification.differences(cases[2])] == [
        str(verification._("activated on")),
        str(verification._("portal")),
    ]
    assert verification.differences(cases[2])[0][1:] == ("02/05/2023", "03/05/2023")


def test_not_checked_without_a_list(people):
    _member, _residents, cases = people
    assert status(cases[0]) == "not_checked"
    data = build_results(plan_campaign(), as_of=AS_OF).as_json()
    assert data["figures_from"] == "recorded" and "activation_list" not in data
    assert "verified" not in data["members"][0]


@pytest.mark.parametrize("delimiter,bom", [(",", False), (";", False), (",", True), (";", True)])
def test_csv_forms_are_read_alike(tmp_path, people, delimiter, bom):
    path = write_csv(
        tmp_path / "ds.csv",
        [(1, "014195000001", "Lò Thị Én", 2, "2023-05-02", "x")],
        delimiter=delimiter,
        bom=bom,
    )
    result = import_activation_list(path, campaign=plan_campaign())
    assert result.ok, result.problems()
    entry = ActivationEntry.objects.get()
    assert (entry.id_number, entry.eid_level, entry.activated_on, entry.portal_used) == (
        "014195000001",
        2,
        datetime.date(2023, 5, 2),
        True,
    )
    assert entry.full_name == "Lò Thị Én"


def test_csv_in_another_encoding_is_one_sentence(tmp_path, people):
    path = write_csv(
        tmp_path / "ds.csv",
        [(1, "014195000001", "Lò Thị Én", 2, "02/05/2023", "Có")],
        encoding="cp1258",
    )
    result = import_activation_list(path, campaign=plan_campaign())
    assert not result.ok and "UTF-8" in result.file_error
    assert not ActivationList.objects.exists()


def test_same_list_as_xlsx_then_csv_changes_nothing(tmp_path, people):
    rows = [
        (1, "014195000001", "A", 2, "02/05/2023", "Có"),
        (2, "14195000002", "B", 1, "02/05/2023", "Không"),
    ]
    xlsx_rows = [
        (1, 14195000001, "A", 2, datetime.date(2023, 5, 2), "Có"),
        (2, 14195000002, "B", 1, "02/05/2023", "Không"),
    ]
    first = import_activation_list(
        write_xlsx(tmp_path / "ds.xlsx", xlsx_rows), campaign=plan_campaign()
    )
    assert first.ok and first.written, first.problems()
    again = import_activation_list(write_csv(tmp_path / "ds.csv", rows), campaign=plan_campaign())
    assert again.ok and again.unchanged and not again.written, again.problems()
    assert ActivationList.objects.count() == 1
    assert again.statuses == first.statuses == {"verified": 1, "differs": 1, "not_found": 2}


def test_a_new_list_replaces_the_one_in_force(tmp_path, people):
    _member, _residents, cases = people
    import_activation_list(
        write_csv(tmp_path / "a.csv", [(1, "014195000001", "A", 2, "02/05/2023", "Có")]),
        campaign=plan_campaign(),
    )
    assert status(cases[0]) == "verified"
    import_activation_list(
        write_csv(tmp_path / "b.csv", [(1, "014195000002", "B", 2, "02/05/2023", "Có")]),
        campaign=plan_campaign(),
    )
    assert [status(c) for c in cases[:2]] == ["not_found", "verified"]
    assert ActivationEntry.objects.count() == 1
    assert ActivationList.objects.count() == 2


def test_wrong_rows_refuse_the_whole_list_and_the_one_in_force_stays(tmp_path, people):
    _member, _residents, cases = people
    import_activation_list(
        write_csv(tmp_path / "a.csv", [(1, "014195000001", "A", 2, "02/05/2023", "Có")]),
        campaign=plan_campaign(),
    )
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            (1, "014195000002", "B", 2, "02/05/2023", "Có"),
            (2, "01419500", "C", 2, "02/05/2023", "Có"),  # not 12 digits
            (3, "014195000003", "D", 3, "02/05/2023", "Có"),  # level 3
            (4, "014195000004", "E", 2, "", "Có"),  # no date
            (5, "014195000005", "F", 2, "31/02/2023", "Có"),  # impossible date
            (6, "014195000002", "B", 1, "02/05/2023", "Có"),  # row 2 again, other level
            (7, "014195000002", "B", 2, "02/05/2023", "Có"),  # row 2 again, identical: one
        ],
    )
    result = import_activation_list(bad, campaign=plan_campaign())
    assert not result.ok
    assert [(p.row, p.column, p.code) for p in result.errors] == [
        (3, "Số định danh", "invalid"),
        (4, "Mức định danh", "invalid"),
        (5, "Ngày kích hoạt", "required"),
        (6, "Ngày kích hoạt", "invalid"),
        (7, "Số định danh", "duplicate"),
    ]
    assert "row 2" in str(result.errors[-1]) or "dòng 2" in str(result.errors[-1])
    assert ActivationList.objects.count() == 1
    assert list(ActivationEntry.objects.values_list("id_number", flat=True)) == ["014195000001"]
    assert status(cases[0]) == "verified"


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "(0 byte"),
        (b"%PDF-1.4 something", "PDF"),
        ("Họ và tên,Địa chỉ\nA,B\n".encode(), "“Số định danh”, “Mức định danh”"),
        (b"<html><body>x</body></html>", "XML"),
        (b"\x00\x01\x02 binary", "không phải bảng"),
    ],
)
def test_a_file_that_is_not_a_list_is_one_sentence(tmp_path, people, content, expected):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with_translation = import_activation_list(path, campaign=plan_campaign())
    assert not with_translation.ok and with_translation.errors == []
    assert expected in with_translation.file_error
    assert "\n" not in with_translation.file_error
    assert "tệp mẫu" not in with_translation.file_error  # the list has no template
    assert not ActivationList.objects.exists()


def test_xlsx_with_a_title_above_and_the_first_sheet(tmp_path, people):
    path = write_xlsx(
        tmp_path / "ds.xlsx",
        [(1, "014195000001", "A", "Mức 2", "02/05/2023", "Có")],
        title="Sheet1",
        before=[["DANH SÁCH TÀI KHOẢN ĐÃ KÍCH HOẠT"], []],
    )
    result = import_activation_list(path, campaign=plan_campaign())
    assert result.ok, result.problems()
    assert result.statuses["verified"] == 1


def test_wrong_row_numbers_as_the_workbook_shows_them(tmp_path, people):
    path = write_xlsx(
        tmp_path / "ds.xlsx",
        [(1, "014195000001", "A", 2, "02/05/2023", "Có"), (2, "12", "B", 2, "02/05/2023", "Có")],
        before=[["DANH SÁCH"]],
    )
    result = import_activation_list(path, campaign=plan_campaign())
    assert [(p.sheet, p.row) for p in result.errors] == [("Danh sách kích hoạt", 4)]


def test_dry_run_writes_nothing(tmp_path, people):
    path = write_csv(tmp_path / "a.csv", [(1, "014195000001", "A", 2, "02/05/2023", "Có")])
    result = import_activation_list(path, campaign=plan_campaign(), dry_run=True)
    assert result.ok and not result.written and result.statuses["verified"] == 1
    assert not ActivationList.objects.exists() and not ActivationEntry.objects.exists()


def test_without_the_portal_column_the_list_says_nothing_of_it(tmp_path, people):
    _member, _residents, cases = people
    Case.objects.filter(pk=cases[0].pk).update(portal_used=False)
    path = write_csv(
        tmp_path / "a.csv",
        [(1, "014195000001", 2, "02/05/2023")],
        header=["STT", "Số định danh", "Mức định danh", "Ngày kích hoạt"],
    )
    assert import_activation_list(path, campaign=plan_campaign()).ok
    assert status(cases[0]) == "verified"


def test_tolerance_is_a_campaign_setting(tmp_path, people):
    _member, _residents, cases = people
    path = write_csv(tmp_path / "a.csv", [(1, "014195000001", "A", 2, "04/05/2023", "Có")])
    import_activation_list(path, campaign=plan_campaign())
    assert status(cases[0]) == "differs"
    campaign = plan_campaign()
    campaign.verification_tolerance_days = 2
    campaign.save()
    assert status(cases[0]) == "verified"
    counts = Case.objects.filter(campaign=campaign).aggregate(
        **verification.status_counts(campaign)
    )
    assert counts == {"verified": 1, "differs": 0, "not_found": 3}
    campaign.verification_tolerance_days = 1
    campaign.save()
    assert status(cases[0]) == "differs"


def test_a_correction_follows_the_list_at_once(tmp_path, people):
    from campaign import services

    member, residents, cases = people
    path = write_csv(tmp_path / "a.csv", [(1, "014195000009", "A", 2, "02/05/2023", "Có")])
    import_activation_list(path, campaign=plan_campaign())
    assert status(cases[0]) == "not_found"
    # The resident's ID number was typed wrong: corrected, the case is now on the list.
    resident = residents[0]
    resident.id_number = "014195000009"
    resident.save()
    from campaign.rule_inputs import refresh_rule_inputs

    refresh_rule_inputs(resident_ids=[resident.pk])
    assert status(cases[0]) == "verified"
    assert services  # the services call the same refresh (test_services covers them)


def test_figures_from_the_activation_list(tmp_path, people):
    member, _residents, _cases = people
    path = write_csv(
        tmp_path / "a.csv",
        [
            (1, "014195000001", "A", 2, "02/05/2023", "Có"),
            (2, "014195000002", "B", 2, "02/05/2023", "Không"),  # no portal: not full
            (3, "014195000003", "C", 2, "01/04/2023", "Có"),  # before the start
        ],
    )
    import_activation_list(path, campaign=plan_campaign())
    recorded = build_results(plan_campaign(), as_of=AS_OF)
    mine = next(m for m in recorded.members if m.pk == member.pk)
    assert (mine.credited_eid, mine.credited_full) == (4, 4)
    assert (mine.recorded_full, mine.official_eid, mine.official_full) == (4, 2, 1)
    assert (mine.verified, mine.differs, mine.not_found) == (1, 2, 1)
    campaign = plan_campaign()
    campaign.figures_from = "activation_list"
    campaign.save()
    official = build_results(plan_campaign(), as_of=AS_OF)
    mine = next(m for m in official.members if m.pk == member.pk)
    assert (mine.credited_eid, mine.credited_full) == (2, 1)
    assert official.as_json()["figures_from"] == "activation_list"


def test_campaign_results_figures_from_leaves_the_setting(tmp_path, people):
    member, _residents, _cases = people
    path = write_csv(tmp_path / "a.csv", [(1, "014195000001", "A", 2, "02/05/2023", "Có")])
    import_activation_list(path, campaign=plan_campaign())

    def run(*args):
        out = StringIO()
        call_command("campaign_results", "--as-of", "2023-06-20", *args, stdout=out)
        return json.loads(out.getvalue())

    data = run("--figures-from", "activation_list")
    row = next(m for m in data["members"] if m["id_number"] == member.id_number)
    assert data["figures_from"] == "activation_list"
    assert (row["credited_full"], row["verified"], row["differs"], row["not_found"]) == (
        1,
        1,
        0,
        3,
    )
    assert data["activation_list"]["rows"] == 1
    datetime.datetime.fromisoformat(data["activation_list"]["imported_at"])
    assert plan_campaign().figures_from == "recorded"
    data = run()
    row = next(m for m in data["members"] if m["id_number"] == member.id_number)
    assert (data["figures_from"], row["credited_full"]) == ("recorded", 4)


def test_import_activations_command(tmp_path, people):
    path = write_csv(tmp_path / "a.csv", [(1, "014195000001", "A", 2, "02/05/2023", "Có")])
    out, err = StringIO(), StringIO()
    call_command("import_activations", str(path), "--dry-run", stdout=out, stderr=err)
    assert not ActivationList.objects.exists()
    call_command("import_activations", str(path), stdout=out, stderr=err)
    text = out.getvalue()
    assert "1" in text and ActivationList.objects.count() == 1
    bad = write_csv(tmp_path / "b.csv", [(1, "0141", "A", 2, "02/05/2023", "Có")])
    with pytest.raises(SystemExit) as exit_:
        call_command("import_activations", str(bad), stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert "Số định danh" in err.getvalue()
    assert ActivationList.objects.count() == 1


@pytest.mark.parametrize(
    "build",
    ["entity_bomb", "sparse_corners", "deep_nesting", "ods_repeated_cells"],
)
def test_a_hostile_file_is_refused_within_the_workbook_bounds(tmp_path, people, build):
    from campaign.tests import hostile_workbooks

    suffix = ".ods" if build.startswith("ods") else ".xlsx"
    path = tmp_path / f"hostile{suffix}"
    getattr(hostile_workbooks, build)(path)
    result = import_activation_list(path, campaign=plan_campaign())
    assert not result.ok and result.file_error and "\n" not in result.file_error
    assert not ActivationList.objects.exists() and not ActivationEntry.objects.exists()


def test_a_file_over_the_size_bound_is_refused(tmp_path, people, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = write_csv(
        tmp_path / "big.csv",
        [(n, f"0141950000{n:02d}", "A", 2, "02/05/2023", "Có") for n in range(20)],
    )
    result = import_activation_list(path, campaign=plan_campaign())
    assert not result.ok and "MB" in result.file_error
    assert not ActivationList.objects.exists()
