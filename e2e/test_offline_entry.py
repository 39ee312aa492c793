"""Quick entry where there is no signal, in Chromium at 390 px with the network switched off
and on (Playwright's context.set_offline): what a secretary in a mountain commune does."""

import json
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from campaign.activities import Activity, ActivityKind
from campaign.models import Campaign, Case, OfflineBatch
from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import CaseFactory, ResidentFactory
from e2e.conftest import shot, sign_in
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUICK = "/chien-dich/nhap-nhanh/"
CHECK_CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "campaign/tests/offline_check_cases.json").read_text(
        "utf-8"
    )
)


@pytest.fixture
def commune():
    district = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp")
    return UnitFactory(code="DX-CC", name="Đoàn xã Chiềng Cơi", parent=district)


@pytest.fixture
def secretary(commune):
    return UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY, user__username="bithu").user


@pytest.fixture
def guide(commune):
    return MemberFactory(unit=commune, full_name="Lò Văn Thành", id_number="014090000111")


@pytest.fixture
def held_today(commune):
    """A market day of the commune, today."""
    kind, _ = ActivityKind.objects.get_or_create(
        campaign=None, code="market", defaults={"name": "Hướng dẫn tại chợ, phiên chợ"}
    )
    activity = Activity.objects.create(
        campaign=Campaign.objects.get(slug="vneid-2023"),
        kind=kind,
        starts_on=timezone.localdate(),
        place="Chợ phiên",
    )
    activity.organisers.set([commune])
    return activity


def offline(page, on=True):
    page.context.set_offline(on)


def open_quick_entry(page, live_server):
    """Signed in, quick entry open, and what it needs offline kept by the service worker."""
    sign_in(page, live_server, "bithu", next_path=QUICK)
    page.wait_for_url(f"**{QUICK}")
    page.wait_for_selector("html[data-offline-ready]", state="attached")


def type_case(page, guide, id_number, name, *, level="2", activated="02/05/2023"):
    page.select_option("select[name=member]", str(guide.pk))
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=full_name]", name)
    page.check(f"input[name=eid_level][value='{level}']")
    page.fill("input[name=activated_on]", activated)
    page.click("form[data-offline-send] button.primary")


def waiting(page):
    return int(page.inner_text("[data-outbox-count]"))


def kept_on_phone(page, secretary):
    return page.evaluate(f"JSON.parse(localStorage.getItem('vneid-outbox:{secretary.pk}') || '[]')")


def test_cases_typed_offline_are_kept_then_sent_when_the_signal_returns(
    app_phone, live_server, secretary, guide
):
    page = app_phone
    open_quick_entry(page, live_server)
    offline(page)
    page.reload()  # the page itself opens without a signal
    assert page.inner_text("main h1") == "Nhập nhanh"
    assert page.is_visible("[data-offline-status]")

    # Checked on the phone, with the server's words; nothing kept while it is wrong.
    type_case(page, guide, "12345", "Quàng Thị Mai")
    assert "Số định danh phải có 12 chữ số (số này có 5 chữ số)." in page.inner_text(
        "form[data-offline-send]"
    )
    assert page.evaluate("document.activeElement.name") == "id_number"
    assert kept_on_phone(page, secretary) == []
    type_case(page, guide, "014195000201", "Quàng Thị Mai")
    page.wait_for_selector("text=Đã lưu trên máy: Quàng Thị Mai")
    type_case(page, guide, "014195000202", "Tòng Văn Pó", level="none", activated="")
    assert waiting(page) == 2
    assert "Máy này đang giữ 2 trường hợp" in page.inner_text("[data-outbox-kept]")
    assert page.input_value("input[name=id_number]") == ""  # ready for the next resident
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "offline-waiting")

    # Any other page says a connection is needed.
    page.goto(f"{live_server.url}/chien-dich/nguoi-dan/")
    assert "Cần kết nối mạng" in page.inner_text("main")
    shot(page, "offline-other-page")
    page.click("text=Mở nhập nhanh")
    page.wait_for_selector("[data-outbox-count]")
    assert waiting(page) == 2 and Case.objects.count() == 0

    offline(page, False)  # the signal returns: sent without a tap
    page.wait_for_selector("text=Đã gửi và ghi nhận 2 trường hợp.")
    assert waiting(page) == 0 and kept_on_phone(page, secretary) == []
    assert sorted(Case.objects.values_list("resident__id_number", "eid_level")) == [
        ("014195000201", 2),
        ("014195000202", None),
    ]
    batch = OfflineBatch.objects.get()
    assert (batch.user, batch.cases, batch.recorded) == (secretary, 2, 2)
    assert "Máy này không giữ trường hợp nào chờ gửi." in page.inner_text("[data-outbox]")
    shot(page, "offline-sent")
    assert page.csp_violations == []


def test_a_lost_answer_then_a_resend_records_the_case_once(
    app_phone, live_server, secretary, guide
):
    page = app_phone
    open_quick_entry(page, live_server)
    offline(page)
    type_case(page, guide, "014195000201", "Quàng Thị Mai")

    def answer_lost(route):
        route.fetch()  # the server records the case; its answer never reaches the phone
        route.abort("connectionreset")

    page.route("**/nhap-nhanh/gui/", answer_lost)
    offline(page, False)
    page.wait_for_selector("text=Chưa gửi được: máy chủ không trả lời.")
    assert Case.objects.count() == 1 and waiting(page) == 1
    page.unroute("**/nhap-nhanh/gui/")
    page.click("text=Gửi ngay")
    page.wait_for_selector("text=đã đến từ lần gửi trước, không ghi nhận lại lần nữa")
    assert waiting(page) == 0
    assert Case.objects.count() == 1
    assert list(
        OfflineBatch.objects.order_by("pk").values_list("recorded", "already_recorded")
    ) == [
        (1, 0),
        (0, 1),
    ]


def test_a_refused_case_comes_back_is_corrected_and_sent_again(
    app_phone, live_server, secretary, guide, commune
):
    other_unit = UnitFactory(code="DX-KH", name="Đoàn xã Khác", parent=commune.parent)
    outsider = MemberFactory(unit=other_unit, full_name="Cà Văn Khác")
    claimed = ResidentFactory(id_number="014195000303", full_name="Lù Thị Hoa")
    CaseFactory(member=outsider, resident=claimed)
    refresh_rule_inputs(resident_ids=[claimed.pk])
    page = app_phone
    open_quick_entry(page, live_server)
    offline(page)
    type_case(page, guide, "014195000201", "Quàng Thị Mai")
    type_case(page, guide, "014195000303", "Lù Thị Hoa")  # claimed by another unit's member
    type_case(page, guide, "014195000404", "Tòng Văn Pó")
    # Meanwhile, someone online enters the first resident for the same guide.
    CaseFactory(member=guide, resident__id_number="014195000201")

    offline(page, False)
    page.wait_for_selector("text=1 trường hợp bị từ chối")
    result = page.inner_text("[data-outbox]")
    assert "Đã gửi và ghi nhận 2 trường hợp." in result
    assert "Lù Thị Hoa: Cũng do 1 thành viên ở đơn vị khác hướng dẫn." in result
    assert "Cà Văn Khác" not in result  # another unit's guide is not named
    refused = page.locator(".outbox-item.refused")
    assert refused.count() == 1 and waiting(page) == 1
    assert "Lò Văn Thành đã hướng dẫn người dân này trong chiến dịch." in refused.inner_text()
    shot(page, "offline-refused")
    assert Case.objects.filter(resident__id_number="014195000303", claimants=2).count() == 2

    # The ID number was mistyped: corrected, and sent again under the same key.
    refused.locator("text=Sửa").click()
    assert page.input_value("input[name=id_number]") == "014195000201"
    page.fill("input[name=id_number]", "014195000210")
    page.click("form[data-offline-send] button.primary")
    page.wait_for_selector("text=Đã gửi và ghi nhận 1 trường hợp.")
    assert waiting(page) == 0
    assert Case.objects.filter(resident__id_number="014195000210", member=guide).exists()
    assert Case.objects.count() == 5  # 2 made here before, 3 sent, none twice


def test_a_case_typed_after_the_session_ended_is_sent_after_signing_in_again(
    app_phone, live_server, secretary, guide
):
    page = app_phone
    open_quick_entry(page, live_server)
    offline(page)
    Session.objects.all().delete()  # the session ends while the phone has no signal
    type_case(page, guide, "014195000201", "Quàng Thị Mai")
    offline(page, False)
    page.wait_for_selector("[data-outbox-signin]:not([hidden])")
    assert "Đăng nhập lại để gửi 1 trường hợp đang chờ" in page.inner_text("[data-outbox-signin]")
    assert waiting(page) == 1 and Case.objects.count() == 0
    shot(page, "offline-signed-out")
    page.click("[data-outbox-signin] a")
    page.fill("input[name=username]", "bithu")
    page.fill("input[name=password]", "mat-khau-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{QUICK}")
    page.wait_for_selector("text=Đã gửi và ghi nhận 1 trường hợp.")
    assert waiting(page) == 0
    assert Case.objects.get().created_by == secretary


def test_signing_out_with_cases_waiting_asks_and_says_how_many(
    app_phone, live_server, secretary, guide
):
    page = app_phone
    open_quick_entry(page, live_server)
    offline(page)
    type_case(page, guide, "014195000201", "Quàng Thị Mai")
    type_case(page, guide, "014195000202", "Tòng Văn Pó")
    page.route("**/nhap-nhanh/gui/", lambda route: route.abort("internetdisconnected"))
    offline(page, False)
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click("summary")
    page.click("nav >> text=Đăng xuất")
    assert questions == [
        "Máy này còn 2 trường hợp chờ gửi. Đăng xuất sẽ xoá chúng khỏi máy và chúng sẽ bị mất. "
        "Vẫn đăng xuất?"
    ]
    assert len(kept_on_phone(page, secretary)) == 2 and QUICK in page.url  # still signed in
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.click("nav >> text=Đăng xuất")
    page.wait_for_url("**/dang-nhap/**")
    assert len(questions) == 2 and kept_on_phone(page, secretary) == []
    kept_page = page.evaluate(
        "caches.open('vneid-offline-v1').then(c => c.match('/chien-dich/nhap-nhanh/'))"
        ".then(r => !!r)"
    )
    assert kept_page is False  # nothing of the user's units stays on the phone
    assert Case.objects.count() == 0


def test_the_phones_checks_answer_the_shared_cases_as_the_server_does(
    app_phone, live_server, secretary, guide, held_today
):
    page = app_phone
    open_quick_entry(page, live_server)
    bundle = page.evaluate(f"JSON.parse(localStorage.getItem('vneid-bundle:{secretary.pk}'))")
    placeholders = {"GUIDE": str(guide.pk), "ACTIVITY": str(held_today.pk)}
    assert [a["id"] for a in bundle["activities"]] == [held_today.pk]  # kept for offline
    for case in CHECK_CASES["cases"]:
        data = {**CHECK_CASES["base"], **case["data"]}
        data = {k: placeholders.get(v, v) for k, v in data.items()}
        answer = page.evaluate(
            "([data, bundle]) => VNeIDChecks.check(data, bundle, [])", [data, bundle]
        )
        assert (case["name"], answer["errors"], answer["warnings"]) == (
            case["name"],
            case["errors"],
            case["warnings"],
        )


def test_two_hundred_cases_typed_offline_are_all_sent_once_after_reconnecting(
    app_phone, live_server, secretary, guide
):
    """All 200 go, none twice. The time they take is printed, for the 30 s target; it is
    not asserted (a shared machine's load is no product's fault): `-k two_hundred -s`."""
    page = app_phone
    open_quick_entry(page, live_server)
    offline(page)
    for n in range(200):
        page.fill("input[name=id_number]", f"014195{n:06d}")
        page.fill("input[name=full_name]", f"Quàng Thị Mai {n}")
        page.check("input[name=eid_level][value='2']")
        page.fill("input[name=activated_on]", "02/05/2023")
        page.click("form[data-offline-send] button.primary")
    assert waiting(page) == 200
    started = time.monotonic()
    offline(page, False)
    while waiting(page) and time.monotonic() - started < 180:
        page.wait_for_timeout(100)
    elapsed = time.monotonic() - started
    print(f"200 cases sent in {elapsed:.1f} s after reconnecting (target: 30 s)")
    assert waiting(page) == 0
    assert Case.objects.count() == 200
    assert Case.objects.values("resident_id").distinct().count() == 200  # none doubled
    assert sum(OfflineBatch.objects.values_list("recorded", flat=True)) == 200
