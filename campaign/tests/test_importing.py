import datetime
import threading

import pytest
from django.db import IntegrityError, OperationalError, connections

from campaign.claims import drift
from campaign.importing import import_workbook, parse_workbook, plan_import
from campaign.models import Case, Place, Resident, ResidentCategory
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from campaign.tests.import_helpers import (
    MEMBER_HEADERS,
    RESIDENT_HEADERS,
    UNIT_HEADERS,
    build_xlsx,
    resident_row,
)
from units.models import Member, MemberCategory, Unit, UnitKind, UnitRole, padded_path
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

GUIDE = "014095000001"


@pytest.fixture
def guide():
    unit = UnitFactory(code="DX1", kind=UnitKind.YOUTH_UNION)
    return MemberFactory(unit=unit, id_number=GUIDE, full_name="Lò Văn Hướng")


def residents_book(tmp_path, *rows, headers=RESIDENT_HEADERS, name="r.xlsx", **sheets):
    return build_xlsx(tmp_path / name, {"Người dân": [headers, *rows], **sheets})


def run(path, **kwargs):
    return import_workbook(path, campaign=plan_campaign(), **kwargs)


def codes(plan):
    return [(p.row, p.column, p.code) for p in plan.errors]


# --- Values as real files hold them ------------------------------------------------------


def test_ids_typed_as_numbers_get_their_zero_back_and_separators_are_dropped(tmp_path, guide):
    plan = run(
        residents_book(
            tmp_path,
            resident_row("A", 14195000002, guide.id_number),
            resident_row("B", "014 195.000-003", int(guide.id_number)),
        )
    )
    assert plan.ok, codes(plan)
    assert set(Resident.objects.values_list("id_number", flat=True)) == {
        "014195000002",
        "014195000003",
    }
    assert Case.objects.filter(member=guide).count() == 2


@pytest.mark.parametrize(
    "cell",
    [
        datetime.date(2023, 5, 2),
        datetime.datetime(2023, 5, 2, 8, 30),
        45048,
        "02/05/2023",
        "2/5/2023",
        "02-05-2023",
        "2023-05-02",
    ],
)
def test_activation_dates_in_every_form_real_files_use(tmp_path, guide, cell):
    plan = run(residents_book(tmp_path, resident_row("A", "014195000002", GUIDE, activated=cell)))
    assert plan.ok, codes(plan)
    assert Case.objects.get().activated_on == datetime.date(2023, 5, 2)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("Có", True),
        ("co", True),
        ("x", True),
        (1, True),
        (True, True),
        ("TRUE", True),
        ("Không", False),
        (0, False),
        ("FALSE", False),
        (None, False),
        ("", False),
    ],
)
def test_yes_no_in_every_form(tmp_path, guide, cell, expected):
    plan = run(residents_book(tmp_path, resident_row("A", "014195000002", GUIDE, portal=cell)))
    assert plan.ok
    assert Case.objects.get().portal_used is expected


def test_decomposed_text_is_stored_composed_and_phones_are_normalised(tmp_path, guide):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Quàng Thị Mến")
    plan = run(
        residents_book(
            tmp_path,
            resident_row(nfd, "014195000002", GUIDE, phone="+84912345678", sex="Nữ"),
            resident_row("B", "014195000003", GUIDE, phone=912345679.0, sex="nam"),
        )
    )
    assert plan.ok
    first = Resident.objects.get(id_number="014195000002")
    assert first.full_name == unicodedata.normalize("NFC", "Quàng Thị Mến")
    assert (first.phone, first.sex) == ("0912345678", "F")
    assert Resident.objects.get(id_number="014195000003").phone == "0912345679"


def test_headers_match_ignoring_case_diacritics_spaces_and_order_unknown_columns_ignored(
    tmp_path, guide
):
    headers = [
        "  so DINH danh nguoi huong dan",
        "Cột của tôi",
        "HỌ VÀ  TÊN",
        "so dinh danh",
        "muc dinh danh",
        "ngay kich hoat",
    ]
    plan = run(
        residents_book(
            tmp_path, [GUIDE, "bất kỳ", "A", "014195000002", 1, "21/04/2023"], headers=headers
        )
    )
    assert plan.ok, codes(plan)
    case = Case.objects.get()
    assert (case.resident.id_number, case.member_id, case.eid_level) == (
        "014195000002",
        guide.pk,
        1,
    )


def test_place_matching_a_label_is_kept_and_unknown_text_goes_to_the_note(tmp_path, guide):
    plan = run(
        residents_book(
            tmp_path,
            resident_row("A", "014195000002", GUIDE, place="tai nha"),
            resident_row("B", "014195000003", GUIDE, place="Đám cưới bản Mường", note="đông người"),
        )
    )
    assert plan.ok
    assert Case.objects.get(resident__id_number="014195000002").place == Place.HOME
    other = Case.objects.get(resident__id_number="014195000003")
    assert (other.place, other.note) == ("", "Đám cưới bản Mường. đông người")


def test_template_example_row_is_skipped(tmp_path, guide):
    from campaign import workbook as wb

    example = [c.example for c in wb.RESIDENTS.columns]
    headers = [c.header for c in wb.RESIDENTS.columns]
    plan = run(residents_book(tmp_path, example, headers=headers))
    assert [w.code for w in plan.warnings] == ["example"]
    assert Resident.objects.count() == 0


# --- Wrong rows --------------------------------------------------------------------------


def test_every_wrong_row_is_listed_and_nothing_is_written(tmp_path, guide):
    plan = run(
        residents_book(
            tmp_path,
            resident_row("Đúng", "014195000002", GUIDE),
            resident_row("A", "12345", GUIDE),
            resident_row("B", "014195000004", GUIDE, level=3),
            resident_row("C", "014195000005", GUIDE, level=2, activated=None),
            resident_row("D", "014195000006", GUIDE, level=None, activated="02/05/2023"),
            resident_row("E", "014195000007", GUIDE, activated="31/02/2023"),
            resident_row(None, "014195000008", GUIDE),
            resident_row("G", "014195000009", "014095999999"),
            resident_row("H", "014195000010", GUIDE, category="Trưởng bản"),
        )
    )
    assert codes(plan) == [
        (3, "Số định danh", "invalid"),
        (4, "Mức định danh", "invalid"),
        (5, "Ngày kích hoạt", "level_without_date"),
        (6, "Mức định danh", "date_without_level"),
        (7, "Ngày kích hoạt", "invalid"),
        (8, "Họ và tên", "required"),
        (9, "Số định danh người hướng dẫn", "unknown_guide"),
        (10, "Đối tượng", "invalid"),
    ]
    assert all(p.sheet == "Người dân" for p in plan.errors)
    assert not plan.written
    assert Resident.objects.count() == 0 and Case.objects.count() == 0


def test_a_missing_required_column_is_an_error_on_the_header_row(tmp_path, guide):
    plan = run(
        residents_book(tmp_path, ["A", "014195000002"], headers=["Họ và tên", "Số định danh"])
    )
    assert codes(plan) == [(1, "Số định danh người hướng dẫn", "missing_column")]


def test_a_workbook_without_known_sheets_says_so(tmp_path):
    plan = run(build_xlsx(tmp_path / "a.xlsx", {"Sheet1": [["x"]]}))
    assert [p.code for p in plan.errors] == ["no_sheet"]


def test_identical_duplicate_rows_are_one_case(tmp_path, guide):
    row = resident_row("A", "014195000002", GUIDE)
    plan = run(residents_book(tmp_path, row, list(row)))
    assert plan.ok
    assert plan.counts["cases"].new == 1
    assert Case.objects.count() == 1


def test_conflicting_duplicate_rows_are_an_error_naming_both_rows(tmp_path, guide):
    plan = run(
        residents_book(
            tmp_path,
            resident_row("A", "014195000002", GUIDE, level=1),
            resident_row("A", "014195000002", GUIDE, level=2),
        )
    )
    assert codes(plan) == [(3, "Số định danh", "conflicting_duplicate")]
    assert "2" in plan.errors[0].message


def test_resident_details_differing_between_rows_warn_and_keep_the_last(tmp_path, guide):
    other = MemberFactory(unit=guide.unit, id_number="014095000009")
    plan = run(
        residents_book(
            tmp_path,
            resident_row("Quàng Thị A", "014195000002", GUIDE, phone="0912345678"),
            resident_row("Quàng Thị Anh", "014195000002", other.id_number, phone="0987654321"),
        )
    )
    assert plan.ok
    assert "resident_details_differ" in [w.code for w in plan.warnings]
    resident = Resident.objects.get()
    assert (resident.full_name, resident.phone) == ("Quàng Thị Anh", "0987654321")
    assert len(plan.double_claims) == 1
    assert sorted(g[0] for g in plan.double_claims[0].guides) == sorted(
        [guide.full_name, other.full_name]
    )


def test_a_member_category_on_any_row_excludes_the_resident_with_a_warning(tmp_path, guide):
    other = MemberFactory(unit=guide.unit, id_number="014095000009")
    plan = run(
        residents_book(
            tmp_path,
            resident_row("A", "014195000002", GUIDE, category="Công an"),
            resident_row("A", "014195000002", other.id_number, category="Người dân"),
        )
    )
    assert plan.ok
    assert "category_differs" in [w.code for w in plan.warnings]
    assert Resident.objects.get().category == ResidentCategory.ARMED_FORCES
    assert set(Case.objects.values_list("resident_excluded", flat=True)) == {True}


@pytest.mark.parametrize("first, second", [("", "Công an"), ("Viên chức", "")])
def test_a_blank_category_is_a_resident_so_a_member_category_beside_it_differs(
    tmp_path, guide, first, second
):
    other = MemberFactory(unit=guide.unit, id_number="014095000009")
    plan = run(
        residents_book(
            tmp_path,
            resident_row("A", "014195000002", GUIDE, category=first),
            resident_row("A", "014195000002", other.id_number, category=second),
        )
    )
    assert plan.ok
    assert "category_differs" in [w.code for w in plan.warnings]
    assert Resident.objects.get().category != ResidentCategory.RESIDENT
    assert set(Case.objects.values_list("resident_excluded", flat=True)) == {True}


def test_blank_and_resident_categories_are_the_same_and_no_warning(tmp_path, guide):
    other = MemberFactory(unit=guide.unit, id_number="014095000009")
    plan = run(
        residents_book(
            tmp_path,
            resident_row("A", "014195000002", GUIDE, category=""),
            resident_row("A", "014195000002", other.id_number, category="Người dân"),
        )
    )
    assert plan.ok and "category_differs" not in [w.code for w in plan.warnings]
    assert Resident.objects.get().category == ResidentCategory.RESIDENT


def test_a_header_written_twice_is_read_once_and_said(tmp_path, guide):
    headers = RESIDENT_HEADERS + ["SỐ ĐỊNH DANH"]  # column O repeats column B
    row = resident_row("A", "014195000002", GUIDE) + ["999"]
    plan = run(residents_book(tmp_path, row, headers=headers))
    assert plan.ok
    [warning] = [w for w in plan.warnings if w.code == "repeated_header"]
    assert (warning.row, warning.column) == (1, "SỐ ĐỊNH DANH")
    assert "Cột O có cùng tiêu đề với cột B" in warning.message
    assert Resident.objects.get().id_number == "014195000002"
    # The resident's and the guide's ID numbers are two columns, not one written twice.
    plain = run(residents_book(tmp_path, resident_row("B", "014195000003", GUIDE), name="b.xlsx"))
    assert "repeated_header" not in [w.code for w in plain.warnings]


def test_an_activation_after_today_is_a_warning_and_the_case_is_kept(tmp_path, guide):
    plan = run(
        residents_book(tmp_path, resident_row("A", "014195000002", GUIDE, activated="15/01/2099"))
    )
    assert plan.ok
    [warning] = [w for w in plan.warnings if w.code == "future"]
    assert "15/01/2099 sau ngày hôm nay" in warning.message
    assert Case.objects.get().activated_on == datetime.date(2099, 1, 15)


def test_id_structure_and_phone_prefix_are_warnings(tmp_path, guide):
    plan = run(
        residents_book(tmp_path, resident_row("A", "999195000002", GUIDE, phone="0112345678"))
    )
    assert plan.ok
    assert sorted(w.code for w in plan.warnings) == ["id_structure", "phone_prefix"]


# --- The three sheets together -----------------------------------------------------------


def full_book(tmp_path, name="full.xlsx", parent="HD"):
    return build_xlsx(
        tmp_path / name,
        {
            "Đơn vị": [
                UNIT_HEADERS,
                ["HD", "Huyện Đoàn", "Đoàn", None],
                ["DX9", "Đoàn xã 9", "doan", parent],
            ],
            "Thành viên": [
                MEMBER_HEADERS,
                ["DX9", "Lò Văn A", "014095000101", "Đoàn viên", "01/01/1995", "912345678"],
                ["DX9", "Cầm Thị B", "014195000102", "Cán bộ", None, None],
            ],
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("Quàng Thị C", "014195000002", "014095000101"),
                resident_row(
                    "Vì Văn D",
                    "014095000003",
                    "014195000102",
                    level=None,
                    activated=None,
                    portal="Không",
                ),
            ],
        },
    )


def test_units_members_and_residents_from_one_workbook(tmp_path):
    plan = run(full_book(tmp_path))
    assert plan.ok, codes(plan)
    assert {k: (c.new, c.changed, c.unchanged) for k, c in plan.counts.items()} == {
        "units": (2, 0, 0),
        "members": (2, 0, 0),
        "residents": (2, 0, 0),
        "cases": (2, 0, 0),
    }
    district = Unit.objects.get(code="HD")
    commune = Unit.objects.get(code="DX9")
    assert commune.parent == district and commune.path == padded_path(
        f"/{district.pk}/{commune.pk}/"
    )
    assert Member.objects.get(id_number="014195000102").category == MemberCategory.CADRE
    assert Case.objects.filter(member__unit=commune).count() == 2
    assert drift() == []


def test_reimporting_the_same_workbook_changes_nothing(tmp_path):
    path = full_book(tmp_path)
    run(path)
    before = {
        "residents": list(Resident.objects.values_list("pk", "updated_at").order_by("pk")),
        "cases": list(Case.objects.values_list("pk", "updated_at").order_by("pk")),
        "members": list(Member.objects.values_list("pk", "updated_at").order_by("pk")),
    }
    plan = run(path)
    assert plan.ok
    assert all(c.new == 0 and c.changed == 0 for c in plan.counts.values())
    assert before == {
        "residents": list(Resident.objects.values_list("pk", "updated_at").order_by("pk")),
        "cases": list(Case.objects.values_list("pk", "updated_at").order_by("pk")),
        "members": list(Member.objects.values_list("pk", "updated_at").order_by("pk")),
    }


def test_import_updates_and_never_deletes(tmp_path, guide):
    kept = CaseFactory(member=guide, resident=ResidentFactory(id_number="014195000099"))
    run(
        residents_book(
            tmp_path, resident_row("A", "014195000002", GUIDE, level=1, activated="01/05/2023")
        )
    )
    plan = run(
        residents_book(tmp_path, resident_row("A", "014195000002", GUIDE, level=2), name="b.xlsx")
    )
    assert plan.counts["cases"].changed == 1
    assert Case.objects.get(resident__id_number="014195000002").eid_level == 2
    assert Case.objects.filter(pk=kept.pk).exists()


def test_preview_writes_nothing(tmp_path):
    parsed = parse_workbook(full_book(tmp_path))
    plan = plan_import(parsed, campaign=plan_campaign())
    assert plan.ok and plan.counts["cases"].new == 2
    assert (Unit.objects.count(), Member.objects.count(), Resident.objects.count()) == (0, 0, 0)
    dry = run(full_book(tmp_path, name="b.xlsx"), dry_run=True)
    assert dry.ok and not dry.written
    assert Resident.objects.count() == 0


def test_unknown_unit_and_parent_codes_are_errors(tmp_path):
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Đơn vị": [UNIT_HEADERS, ["DX9", "Đoàn xã 9", "Đoàn", "KHONG-CO"]],
            "Thành viên": [MEMBER_HEADERS, ["KHONG-CO-2", "Lò Văn A", "014095000101", "Cán bộ"]],
        },
    )
    plan = run(path)
    assert [(p.sheet, p.row, p.code) for p in plan.errors] == [
        ("Đơn vị", 2, "unknown_unit"),
        ("Thành viên", 2, "unknown_unit"),
    ]


def test_stamps_the_importing_user_and_a_member_added_excludes_a_resident(tmp_path, guide):
    user = UserFactory(is_superuser=True)
    resident = ResidentFactory(id_number="014195000555")
    case = CaseFactory(member=guide, resident=resident)
    from campaign.claims import refresh_rule_inputs

    refresh_rule_inputs(resident_ids=[resident.pk])
    plan = run(
        build_xlsx(
            tmp_path / "a.xlsx",
            {
                "Thành viên": [
                    MEMBER_HEADERS,
                    ["DX1", "Quàng Thị Mai", "014195000555", "Đoàn viên"],
                ],
                "Người dân": [RESIDENT_HEADERS, resident_row("B", "014195000002", GUIDE)],
            },
        ),
        user=user,
    )
    assert plan.ok
    assert Member.objects.get(id_number="014195000555").created_by == user
    assert Case.objects.get(resident__id_number="014195000002").updated_by == user
    case.refresh_from_db()
    assert case.resident_excluded is True
    assert drift() == []


# --- A list kept on several sheets (a sheet per month or per village) ----------------------


def village_book(tmp_path, second_rows):
    return build_xlsx(
        tmp_path / "ban.xlsx",
        {
            "Bản Nà Khá": [
                RESIDENT_HEADERS,
                resident_row("A", "014195000001", GUIDE),
                resident_row("B", "014195000002", GUIDE),
            ],
            "Bản Huổi Lạ": [RESIDENT_HEADERS, *second_rows],
        },
    )


def test_every_sheet_holding_a_residents_list_is_imported(tmp_path, guide):
    other = MemberFactory(unit=guide.unit, id_number="014095000002")
    plan = run(
        village_book(
            tmp_path,
            [
                resident_row("C", "014195000003", GUIDE),
                resident_row("B", "014195000002", other.id_number),
            ],
        )
    )
    assert plan.written, codes(plan)
    assert sorted(Resident.objects.values_list("id_number", flat=True)) == [
        "014195000001",
        "014195000002",
        "014195000003",
    ]
    assert Case.objects.count() == 4
    assert [(w.sheet, w.code) for w in plan.warnings] == [
        ("Bản Nà Khá", "sheet_recognised"),
        ("Bản Huổi Lạ", "sheet_also_read"),
    ]
    # The double claim spans the two sheets: its rows say which.
    (claim,) = plan.double_claims
    assert [str(row) for row in claim.rows] == ["3 (trang “Bản Nà Khá”)", "3 (trang “Bản Huổi Lạ”)"]
    assert drift() == []


def test_an_error_found_against_the_database_names_the_second_sheet_its_row_and_header(
    tmp_path, guide
):
    plan = run(
        village_book(
            tmp_path,
            [
                resident_row("C", "014195000003", GUIDE),
                resident_row("D", "014195000004", "014095000777"),
            ],
        )
    )
    assert not plan.written and Resident.objects.count() == 0
    assert [(e.sheet, e.row, e.column, e.code) for e in plan.errors] == [
        ("Bản Huổi Lạ", 3, "Số định danh người hướng dẫn", "unknown_guide")
    ]


def test_a_control_character_in_a_cell_is_an_error_not_a_server_error(tmp_path, guide):
    # Excel writes a NUL as _x0000_; calamine reads it back as "\x00", which PostgreSQL
    # cannot store.
    path = residents_book(
        tmp_path,
        resident_row("Tên_x0000_A", "014195000001", GUIDE),
        resident_row("B", "014195000002", GUIDE, address="Bản_x0001_Mé"),
        resident_row("C", "014195000003", GUIDE, place="Chợ_x0000_"),
        resident_row("Lò Văn\u200bDũng", "014195000004", GUIDE),  # a zero-width space: dropped
    )
    plan = run(path)
    assert codes(plan) == [
        (2, "Họ và tên", "invalid"),
        (3, "Địa chỉ", "invalid"),
        (4, "Hình thức", "invalid"),
    ]
    assert "ký tự điều khiển" in plan.errors[0].message
    assert Resident.objects.count() == 0
    parsed = parse_workbook(path)
    assert parsed.residents["014195000004"].full_name == "Lò VănDũng"


# --- Scope ------------------------------------------------------------------------------


def test_a_secretary_imports_only_into_their_own_units(tmp_path):
    mine = UnitFactory(code="MINE")
    theirs = UnitFactory(code="THEIRS")
    MemberFactory(unit=theirs, id_number="014095000201")
    MemberFactory(unit=mine, id_number="014095000202")
    role = UnitRoleFactory(unit=mine, role=UnitRole.Role.SECRETARY)
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Đơn vị": [
                UNIT_HEADERS,
                ["THEIRS", "Đổi tên", "Đoàn", None],
                ["NEW-1", "Chi đoàn mới", "Đoàn", "THEIRS"],
                ["NEW-2", "Chi đoàn của tôi", "Đoàn", "MINE"],
                ["ROOT", "Gốc mới", "Đoàn", None],
            ],
            "Thành viên": [
                MEMBER_HEADERS,
                ["THEIRS", "A", "014095000301", "Cán bộ"],
                ["MINE", "B", "014095000201", "Cán bộ"],
                ["NEW-2", "C", "014095000302", "Cán bộ"],
            ],
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("D", "014195000002", "014095000201"),
                resident_row("E", "014195000003", "014095000202"),
            ],
        },
    )
    plan = run(path, user=role.user)
    assert [(p.sheet, p.row, p.code) for p in plan.errors] == [
        ("Đơn vị", 2, "out_of_scope"),
        ("Đơn vị", 3, "out_of_scope"),
        ("Đơn vị", 5, "out_of_scope"),
        ("Thành viên", 2, "out_of_scope"),
        ("Thành viên", 3, "out_of_scope"),
        ("Người dân", 2, "unknown_guide"),  # no roster oracle (issue 17)
    ]
    assert Unit.objects.count() == 2 and Resident.objects.count() == 0
    # Without a user (the command's default) it is the district administrator: all units.
    assert run(path).ok


def test_a_secretary_does_not_rewrite_a_resident_another_unit_recorded(tmp_path):
    mine = UnitFactory(code="MINE")
    theirs = UnitFactory(code="THEIRS")
    my_guide = MemberFactory(unit=mine, id_number="014095000202")
    their_guide = MemberFactory(unit=theirs, id_number="014095000201")
    resident = ResidentFactory(
        id_number="014195000002", full_name="Lò Thị Đúng", phone="", address="Bản Mé"
    )
    CaseFactory(member=their_guide, resident=resident)
    role = UnitRoleFactory(unit=mine, role=UnitRole.Role.SECRETARY)
    path = residents_book(
        tmp_path,
        resident_row(
            "Lo Thi Sai",
            "014195000002",
            my_guide.id_number,
            phone="0912345678",
            address="Bản Khác",
            category="Cán bộ",
        ),
    )
    plan = run(path, user=role.user)
    assert plan.written, codes(plan)
    # Another tree's resident is new to this tree's scope: no existence oracle (issue 17).
    assert plan.counts["residents"].new == 1
    assert [w.code for w in plan.warnings if w.code == "details_kept"] == ["details_kept"]
    resident.refresh_from_db()
    # The other tree's record untouched, not even its blank phone; the category not changed.
    assert (resident.full_name, resident.address, resident.phone, resident.category) == (
        "Lò Thị Đúng",
        "Bản Mé",
        "",
        ResidentCategory.RESIDENT,
    )
    own = resident.records.get()
    assert (own.tree_id, own.full_name, own.phone, own.address) == (
        mine.pk,
        "Lo Thi Sai",
        "0912345678",
        "Bản Khác",
    )
    assert not Case.objects.filter(resident=resident, resident_excluded=True).exists()
    # The district administrator (the command) may change the category, which every tree's
    # figures read; the details stay each tree's own.
    plan = run(path)
    resident.refresh_from_db()
    assert (resident.full_name, resident.category) == ("Lò Thị Đúng", ResidentCategory.CADRE)
    assert drift() == []


# --- The PostgreSQL writer: new residents COPYed straight into their table -----------------

RESIDENT_STORED = (
    "id_number",
    "full_name",
    "search_name",
    "birth_date",
    "sex",
    "phone",
    "address",
    "village",
    "commune",
    "category",
    "on_roster",
    "created_by",
    "updated_by",
)
CASE_STORED = (
    "resident__id_number",
    "member__id_number",
    "eid_level",
    "activated_on",
    "portal_used",
    "id_card_application",
    "guided_on",
    "place",
    "note",
    "claimants",
    "resident_excluded",
    "claim_awarded",
    "created_by",
    "updated_by",
)


def stored_rows():
    return (
        sorted(Resident.objects.values_list(*RESIDENT_STORED)),
        sorted(Case.objects.values_list(*CASE_STORED), key=repr),
    )


def writer_book(tmp_path, name):
    second = "014095000002"
    return build_xlsx(
        tmp_path / name,
        {
            "Thành viên": [
                MEMBER_HEADERS,
                ["DX1", "Cầm Thị Hai", second, "Đoàn viên"],
                ["DX1", "Vì Văn Ba", "014195000003", "Đoàn viên"],
            ],
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row(
                    "Nguyễn Thị Đào",
                    "014195000001",
                    GUIDE,
                    birth="03/04/1951",
                    sex="Nữ",
                    phone="0912 345 678",
                    address="Bản Mé",
                    guided="01/05/2023",
                    note="ghi chú",
                ),
                resident_row("Lò Văn Bình", "014195000001", second),  # claimed twice
                resident_row(
                    "Vì Văn Ba", "014195000003", GUIDE, level=None, activated=None, portal="Không"
                ),
                resident_row("Quàng A Chư", "014195000004", GUIDE, category="Cán bộ"),
            ],
        },
    )


def test_a_first_import_copied_straight_stores_what_the_orm_path_stores(
    tmp_path, guide, monkeypatch
):
    from campaign import importing

    user = UserFactory(is_superuser=True)
    assert run(writer_book(tmp_path, "a.xlsx"), user=user).written
    direct = stored_rows()
    assert drift() == []
    Case.objects.all().delete()
    Resident.objects.all().delete()
    Member.objects.exclude(pk=guide.pk).delete()
    # The portable path (bulk_create ... ON CONFLICT), on whichever database runs the tests.
    monkeypatch.setattr(importing, "_PostgresWriter", importing._OrmWriter)
    assert run(writer_book(tmp_path, "b.xlsx"), user=user).written
    assert stored_rows() == direct
    residents, cases = direct
    assert [r[:3] for r in residents] == [
        ("014195000001", "Lò Văn Bình", "lo van binh"),
        ("014195000003", "Vì Văn Ba", "vi van ba"),
        ("014195000004", "Quàng A Chư", "quang a chu"),
    ]
    assert {(c[0], c[1]): c[9:12] for c in cases} == {
        ("014195000001", GUIDE): (2, False, False),
        ("014195000001", "014095000002"): (2, False, False),
        ("014195000003", GUIDE): (1, True, False),
        ("014195000004", GUIDE): (1, True, False),
    }


def test_an_import_of_new_and_recorded_residents_writes_each_once(tmp_path, guide):
    recorded = ResidentFactory(
        id_number="014195000001", full_name="Nguyễn Thị Đào", phone="0912345678"
    )
    unchanged = ResidentFactory(id_number="014195000002", full_name="Lò Văn Bình")
    CaseFactory(member=guide, resident=unchanged)
    from campaign.claims import refresh_rule_inputs

    refresh_rule_inputs(resident_ids=[recorded.pk, unchanged.pk])
    path = residents_book(
        tmp_path,
        resident_row("Nguyễn Thị Đào Hoa", "014195000001", GUIDE),  # changed name
        resident_row(
            "Lò Văn Bình",
            "014195000002",
            GUIDE,  # the same resident, case as recorded
            level=unchanged.cases.get().eid_level,
            activated=unchanged.cases.get().activated_on.strftime("%d/%m/%Y")
            if unchanged.cases.get().activated_on
            else None,
            portal="Có" if unchanged.cases.get().portal_used else "Không",
        ),
        *[resident_row(f"Mới {n}", f"01419500010{n}", GUIDE) for n in range(3)],
    )
    plan = run(path)
    assert plan.ok, codes(plan)
    assert plan.counts["residents"].new == 3 and plan.counts["residents"].changed == 1
    assert Resident.objects.count() == 5
    recorded.refresh_from_db()
    assert (recorded.full_name, recorded.search_name, recorded.phone) == (
        "Nguyễn Thị Đào Hoa",
        "nguyen thi dao hoa",
        "0912345678",
    )
    assert Resident.objects.get(id_number="014195000002").pk == unchanged.pk
    new = Resident.objects.filter(id_number__startswith="0141950001")
    assert sorted(new.values_list("full_name", "search_name", "on_roster")) == [
        ("Mới 0", "moi 0", False),
        ("Mới 1", "moi 1", False),
        ("Mới 2", "moi 2", False),
    ]
    assert Case.objects.filter(resident__in=new, member=guide, claimants=1).count() == 3
    assert Case.objects.count() == 5
    # New ids come from the table's sequence: the next resident created gets a fresh one.
    assert ResidentFactory().pk > max(new.values_list("pk", flat=True))
    assert drift() == []


@pytest.mark.parametrize("across", [True, False])
@pytest.mark.parametrize("roster_excludes", [True, False])
def test_new_residents_are_written_with_their_rule_inputs_instead_of_refreshed(
    tmp_path, guide, monkeypatch, across, roster_excludes
):
    """Residents the file creates get their claimants and exclusion worked out from the plan;
    only residents already recorded go through the refresh. Both must equal a recomputation."""
    from campaign import importing

    campaign = plan_campaign()
    campaign.double_claims_across_kinds = across
    campaign.roster_excludes_residents = roster_excludes
    campaign.save()
    police = UnitFactory(code="CA1", kind=UnitKind.POLICE)
    MemberFactory(unit=police, id_number="014095000009")
    MemberFactory(unit=police, id_number="014195000005")  # a resident below is on this roster
    recorded = ResidentFactory(id_number="014195000006")
    CaseFactory(member=guide, resident=recorded)
    refreshed = []
    original = importing.refresh_rule_inputs
    monkeypatch.setattr(
        importing,
        "refresh_rule_inputs",
        lambda *, resident_ids: (
            refreshed.extend(resident_ids),
            original(resident_ids=resident_ids),
        ),
    )
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Thành viên": [
                MEMBER_HEADERS,
                ["DX1", "Cầm Thị Hai", "014095000002", "Đoàn viên"],
                ["DX1", "Vì Văn Ba", "014195000004", "Đoàn viên"],
            ],
            "Người dân": [
                RESIDENT_HEADERS,
                # Three guides, two of them Youth Union, one police.
                resident_row("A", "014195000001", GUIDE),
                resident_row("A", "014195000001", "014095000002"),
                resident_row("A", "014195000001", "014095000009"),
                resident_row("B", "014195000002", GUIDE),
                resident_row("B", "014195000002", "014095000009"),
                resident_row("C", "014195000003", GUIDE, category="Công chức"),
                resident_row("D", "014195000004", GUIDE),  # a member in this file
                resident_row("E", "014195000005", GUIDE),  # a member on the police roster
                resident_row("F", "014195000006", "014095000002"),  # recorded: now claimed twice
            ],
        },
    )
    plan = run(path)
    assert plan.ok, codes(plan)
    assert drift() == []
    assert refreshed == [recorded.pk]
    stored = {
        (c.resident.id_number, c.member.id_number): (c.claimants, c.resident_excluded)
        for c in Case.objects.select_related("resident", "member")
    }
    assert stored[("014195000001", GUIDE)] == ((3, False) if across else (2, False))
    assert stored[("014195000001", "014095000009")] == ((3, False) if across else (1, False))
    assert stored[("014195000002", "014095000009")] == ((2, False) if across else (1, False))
    assert stored[("014195000003", GUIDE)] == (1, True)
    assert stored[("014195000004", GUIDE)] == (1, roster_excludes)
    assert stored[("014195000005", GUIDE)] == (1, roster_excludes)
    assert stored[("014195000006", "014095000002")] == (2, False)
    assert set(Resident.objects.filter(on_roster=True).values_list("id_number", flat=True)) == {
        "014195000004",
        "014195000005",
    }


def test_a_unit_changing_kind_in_the_file_recounts_its_members_residents(tmp_path, guide):
    """With double claims counted within a unit kind, a unit the file moves to another kind
    makes its members compete with that kind's guides."""
    campaign = plan_campaign()
    campaign.double_claims_across_kinds = False
    campaign.save()
    police = UnitFactory(code="CA1", kind=UnitKind.POLICE)
    officer = MemberFactory(unit=police, id_number="014095000009")
    resident = ResidentFactory(id_number="014195000001")
    CaseFactory(member=guide, resident=resident)
    CaseFactory(member=officer, resident=resident)
    from campaign.claims import refresh_rule_inputs

    refresh_rule_inputs(resident_ids=[resident.pk])
    assert set(Case.objects.values_list("claimants", flat=True)) == {1}
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Đơn vị": [UNIT_HEADERS, ["CA1", police.name, "Đoàn", None]],
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("B", "014195000002", GUIDE),
                resident_row("B", "014195000002", "014095000009"),
            ],
        },
    )
    plan = run(path)
    assert plan.ok, codes(plan)
    assert len(plan.double_claims) == 1  # the new resident: both guides are Youth Union now
    assert set(Case.objects.values_list("claimants", flat=True)) == {2}
    assert drift() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_resident_created_by_another_import_after_planning_is_retried_and_updated(
    tmp_path, monkeypatch
):
    from campaign import importing

    unit = UnitFactory(code="DX1")
    MemberFactory(unit=unit, id_number=GUIDE)
    planned = []
    plan_import_once = importing.plan_import

    def plan_then_someone_else_commits(parsed, **kwargs):
        plan = plan_import_once(parsed, **kwargs)
        if not planned:  # another connection creates one of the residents and commits
            worker = threading.Thread(
                target=lambda: (
                    ResidentFactory(id_number="014195000002", full_name="Tên Khác"),
                    connections.close_all(),
                )
            )
            worker.start()
            worker.join()
        planned.append(plan)
        return plan

    monkeypatch.setattr(importing, "plan_import", plan_then_someone_else_commits)
    plan = run(
        residents_book(
            tmp_path, *[resident_row(f"N{n}", f"01419500000{n}", GUIDE) for n in range(1, 4)]
        )
    )
    assert len(planned) == 2 and planned[0].counts["residents"].new == 3
    assert plan.written and (plan.counts["residents"].new, plan.counts["residents"].changed) == (
        2,
        1,
    )
    assert sorted(Resident.objects.values_list("id_number", "full_name")) == [
        ("014195000001", "N1"),
        ("014195000002", "N2"),
        ("014195000003", "N3"),
    ]
    assert Case.objects.count() == 3
    assert drift() == []


# --- Concurrency -------------------------------------------------------------------------


def import_at_once(books):
    """Import the workbooks in parallel threads, each planning before any writes (retried
    like import_workbook does); returns the plans."""
    barrier = threading.Barrier(len(books))
    planned = threading.Barrier(len(books))
    results, failures = [], []

    def barrier_wait_once():
        # Every import has planned before any writes.
        try:
            planned.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass

    def worker(path):
        try:
            from django.db import transaction

            from campaign import importing

            parsed = importing.parse_workbook(path)
            barrier.wait()
            for attempt in range(3):
                try:
                    with transaction.atomic():
                        plan = importing.plan_import(parsed, campaign=plan_campaign())
                        if attempt == 0:
                            barrier_wait_once()
                        importing.write_import(plan)
                    break
                except (IntegrityError, OperationalError):  # what import_workbook retries
                    if attempt == 2:
                        raise
            results.append(plan)
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(b,)) for b in books]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_of_overlapping_lists_at_once_create_each_resident_once(tmp_path):
    unit = UnitFactory(code="DX1")
    first = MemberFactory(unit=unit, id_number="014095000001")
    second = MemberFactory(unit=unit, id_number="014095000002")
    shared = [f"0141950{n:05d}" for n in range(300)]
    books = [
        residents_book(
            tmp_path, *[resident_row(f"N{i}", i, first.id_number) for i in shared], name="a.xlsx"
        ),
        residents_book(
            tmp_path,
            *[resident_row(f"N{i}", i, second.id_number) for i in reversed(shared)],
            name="b.xlsx",
        ),
    ]
    results = import_at_once(books)
    # One import creates them (COPYed as new); the other, planned before that, fails on the
    # unique ID number when the first commits, plans again and finds them recorded.
    assert sorted(
        (p.counts["residents"].new, p.counts["residents"].unchanged) for p in results
    ) in ([(0, 300), (300, 0)],)
    assert Resident.objects.count() == 300
    assert Case.objects.count() == 600
    assert set(Case.objects.values_list("claimants", flat=True)) == {2}
    assert drift() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_adding_the_same_members_at_once_create_each_once(tmp_path):
    UnitFactory(code="DX1")
    roster = [["DX1", f"Thành viên {n}", f"0140950{n:05d}", "Đoàn viên"] for n in range(50)]
    books = [
        build_xlsx(tmp_path / "a.xlsx", {"Thành viên": [MEMBER_HEADERS, *roster]}),
        build_xlsx(tmp_path / "b.xlsx", {"Thành viên": [MEMBER_HEADERS, *reversed(roster)]}),
    ]
    results = import_at_once(books)
    assert sorted((p.counts["members"].new, p.counts["members"].unchanged) for p in results) == [
        (0, 50),
        (50, 0),
    ]
    assert Member.objects.count() == 50


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_adding_guides_to_recorded_residents_at_once_count_every_claimant(tmp_path):
    # The residents are unchanged (not written): only the rule-input refresh orders the two.
    unit = UnitFactory(code="DX1")
    guides = [MemberFactory(unit=unit, id_number=f"01409500000{n}") for n in range(3)]
    shared = [f"0141950{n:05d}" for n in range(200)]
    rows = {g.id_number: [resident_row(f"N{i}", i, g.id_number) for i in shared] for g in guides}
    first = import_workbook(
        residents_book(tmp_path, *rows[guides[0].id_number], name="0.xlsx"),
        campaign=plan_campaign(),
    )
    assert first.written
    books = [
        residents_book(tmp_path, *rows[g.id_number], name=f"{n}.xlsx")
        for n, g in enumerate(guides[1:])
    ]
    results = import_at_once(books)
    assert all(
        p.counts["residents"].unchanged == 200 and p.counts["cases"].new == 200 for p in results
    )
    assert Case.objects.count() == 600
    assert set(Case.objects.values_list("claimants", flat=True)) == {3}
    assert drift() == []


@pytest.mark.parametrize(
    "written, level", [("Mức 2", 2), ("mức độ 1", 1), ("MỨC ĐỘ 2", 2), ("2.0", 2), (1, 1)]
)
def test_level_written_in_words_is_read(written, level):
    from campaign.importing.cells import read_level as _level

    assert _level(written) == level


@pytest.mark.parametrize("written", ["3", "mức độ 3", "cao", 0])
def test_a_level_other_than_1_or_2_is_an_error(written):
    from campaign.importing.cells import read_level as _level

    with pytest.raises(ValueError):
        _level(written)


def test_an_unreadable_phone_or_sex_is_a_warning_and_the_row_is_imported(tmp_path):
    from campaign.importing import import_workbook
    from campaign.tests.factories import plan_campaign
    from units.tests.factories import MemberFactory

    guide = MemberFactory(id_number="014095000001")
    path = build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row(
                    "Lò Thị A",
                    "014195000002",
                    guide.id_number,
                    phone="0912 345 678 / 0987 654 321",
                    sex="không rõ",
                ),
            ]
        },
    )
    plan = import_workbook(path, campaign=plan_campaign())
    assert plan.ok and not plan.errors
    assert sorted((w.column, w.code) for w in plan.warnings) == [
        ("Giới tính", "detail_ignored"),
        ("Số điện thoại", "detail_ignored"),
    ]
    resident = Resident.objects.get()
    assert (resident.phone, resident.sex) == ("", "")
    assert Case.objects.count() == 1
