"""Quick entry where there is no signal, on the server: what the phone keeps (the bundle),
and the batch it sends back (campaign.offline). The phone's side is in
e2e/test_offline_entry.py; both answer the same check cases (offline_check_cases.json)."""

import datetime
import json
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.activities import Activity, ActivityKind
from campaign.models import Case, OfflineBatch, OfflineCaseKey
from campaign.offline import MAX_CASES, OfflineCaseForm
from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import CaseFactory, ResidentFactory, plan_campaign
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitRoleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.district("offline")]

CASES = json.loads((Path(__file__).parent / "offline_check_cases.json").read_text("utf-8"))
SEND = "/chien-dich/nhap-nhanh/gui/"
BUNDLE = "/chien-dich/nhap-nhanh/du-lieu/"


def held_today(unit):
    """An activity of `unit` held today (a market day)."""
    kind = ActivityKind.objects.filter(campaign=None).order_by("position").first()
    activity = Activity.objects.create(
        campaign=plan_campaign(), kind=kind, starts_on=timezone.localdate(), place="Chợ phiên"
    )
    activity.organisers.set([unit])
    return activity


def a_case(guide, **changes):
    return {
        "key": str(uuid.uuid4()),
        "campaign": "vneid-2023",
        "member": guide.pk,
        "id_number": "014090123234",
        "full_name": "Quàng Thị Mai",
        "eid_level": "2",
        "activated_on": "02/05/2023",
        "guided_on": "02/05/2023",
        "phone": "",
        "place": "market",
        "portal_used": True,
        "id_card_application": False,
        **changes,
    }


def send(client, cases, *, key=None):
    body = json.dumps({"key": key or str(uuid.uuid4()), "cases": cases})
    return client.post(SEND, body, content_type="application/json")


def by_key(response):
    return {answer["key"]: answer for answer in response.json()["cases"]}


# --- The same checks as the phone --------------------------------------------------------


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_the_servers_checks_answer_the_shared_cases(case, district):
    today = held_today(district["commune"])
    placeholders = {"GUIDE": str(district["guide"].pk), "ACTIVITY": str(today.pk)}
    data = {**CASES["base"], **case["data"]}
    data = {key: placeholders.get(value, value) for key, value in data.items()}
    data = {
        key: ("on" if value is True else "" if value is False else value)
        for key, value in data.items()
    }
    form = OfflineCaseForm(data, user=district["secretary"], campaign=plan_campaign())
    form.is_valid()
    errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
    assert errors == case["errors"]
    assert [str(w) for w in form.warnings] == case["warnings"]


# --- What the phone keeps -------------------------------------------------------------------


def test_the_bundle_holds_the_users_guides_and_units_and_nothing_of_others(client, district):
    client.force_login(district["secretary"])
    bundle = client.get(BUNDLE).json()
    assert [g["name"] for g in bundle["guides"]] == ["Lò Văn Thành"]
    assert bundle["units"] == [{"id": district["commune"].pk, "name": "Đoàn xã A"}]
    assert "Cà Văn Khác" not in json.dumps(bundle, ensure_ascii=False)
    assert bundle["campaign"] == {
        "slug": "vneid-2023",
        "name": plan_campaign().name,
        "activation_starts_on": "2023-04-21",
        "open": True,
    }
    assert "014" in bundle["rules"]["province_codes"] and bundle["rules"]["max_cases"] == MAX_CASES
    assert bundle["messages"]["required"] == "Trường này là bắt buộc."
    assert bundle["activities"] == []
    today = held_today(district["commune"])
    held_today(district["other"])  # another unit's: not kept
    bundle = client.get(BUNDLE).json()
    assert bundle["activities"] == [{"id": today.pk, "name": str(today), "today": True}]
    assert bundle["csrf_token"] and bundle["user"]["id"] == district["secretary"].pk


def test_the_bundle_and_the_send_answer_a_signed_out_phone_in_json(client, district):
    for response in (client.get(BUNDLE), send(client, [a_case(district["guide"])])):
        assert response.status_code == 401
        assert response.json()["code"] == "signed_out"
        assert "đăng nhập lại" in response.json()["error"]
    assert not Case.objects.exists() and not OfflineBatch.objects.exists()


def test_a_viewer_may_not_send(client, district):
    viewer = UnitRoleFactory(unit=district["commune"], role=UnitRole.Role.VIEWER).user
    client.force_login(viewer)
    response = send(client, [a_case(district["guide"])])
    assert response.status_code == 403 and response.json()["code"] == "read_only"
    assert not Case.objects.exists()


# --- What the phone sends -------------------------------------------------------------------


def test_a_batch_is_recorded_and_the_batch_is_on_record(client, district):
    client.force_login(district["secretary"])
    cases = [
        a_case(district["guide"]),
        a_case(district["guide"], id_number="014195000201", full_name="Tòng Văn Pó"),
    ]
    response = send(client, cases)
    assert response.status_code == 200
    assert {a["status"] for a in response.json()["cases"]} == {"recorded"}
    saved = Case.objects.get(resident__id_number="014090123234")
    assert (
        saved.guided_on == datetime.date(2023, 5, 2) and saved.created_by == district["secretary"]
    )
    assert saved.member == district["guide"] and saved.portal_used and saved.place == "market"
    batch = OfflineBatch.objects.get()
    assert (batch.user, batch.cases, batch.recorded, batch.refused) == (
        district["secretary"],
        2,
        2,
        0,
    )
    assert OfflineCaseKey.objects.filter(batch=batch).count() == 2


def test_a_case_typed_offline_names_the_days_activity(client, district):
    client.force_login(district["secretary"])
    today = held_today(district["commune"])
    answer = send(client, [a_case(district["guide"], activity=today.pk)]).json()["cases"][0]
    assert answer["status"] == "recorded"
    assert Case.objects.get().activity == today
    elsewhere = held_today(district["other"])
    case = a_case(district["guide"], id_number="014195000201", activity=elsewhere.pk)
    answer = send(client, [case]).json()["cases"][0]
    assert answer["errors"] == {"activity": ["Hoạt động này không thuộc các đơn vị của bạn."]}


def test_a_resend_after_a_lost_answer_records_each_case_once(client, district):
    client.force_login(district["secretary"])
    cases = [a_case(district["guide"])]
    first = send(client, cases)
    again = send(client, cases)
    assert by_key(first)[cases[0]["key"]]["status"] == "recorded"
    answer = by_key(again)[cases[0]["key"]]
    assert answer["status"] == "already_recorded" and answer["case"] == Case.objects.get().pk
    assert Case.objects.count() == 1
    assert list(OfflineBatch.objects.values_list("recorded", "already_recorded")) == [
        (0, 1),
        (1, 0),
    ]


def test_one_wrong_case_does_not_hold_back_the_good_ones(client, district):
    client.force_login(district["secretary"])
    good = a_case(district["guide"])
    wrong = a_case(district["guide"], id_number="12345", full_name="Lù Thị Sai")
    answers = by_key(send(client, [wrong, good]))
    assert answers[good["key"]]["status"] == "recorded"
    assert answers[wrong["key"]]["status"] == "refused"
    assert answers[wrong["key"]]["errors"] == {
        "id_number": ["Số định danh phải có 12 chữ số (số này có 5 chữ số)."]
    }
    assert list(Case.objects.values_list("resident__full_name", flat=True)) == ["Quàng Thị Mai"]
    # Corrected on the phone, the same case is sent again under its key and recorded.
    fixed = {**wrong, "id_number": "014195000202"}
    assert by_key(send(client, [fixed]))[wrong["key"]]["status"] == "recorded"
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    "key", ["", "abc", "00000000-0000-0000-0000-00000000000Z", "DROP TABLE", None, 12]
)
def test_a_tampered_key_refuses_the_batch_and_writes_nothing(client, district, key):
    client.force_login(district["secretary"])
    response = send(client, [a_case(district["guide"]), a_case(district["guide"], key=key)])
    assert response.status_code == 400 and response.json()["code"] == "bad_key"
    assert not Case.objects.exists() and not OfflineBatch.objects.exists()


def test_the_same_key_twice_in_a_batch_is_refused(client, district):
    client.force_login(district["secretary"])
    case = a_case(district["guide"])
    response = send(client, [case, {**case, "id_number": "014195000201"}])
    assert response.status_code == 400 and not Case.objects.exists()


def test_a_batch_replayed_from_another_account_is_refused_and_writes_nothing(client, district):
    client.force_login(district["secretary"])
    cases = [a_case(district["guide"])]
    batch_key = str(uuid.uuid4())
    send(client, cases, key=batch_key)
    client.force_login(district["other_secretary"])
    replay = [{**cases[0], "member": district["outsider"].pk}]
    for key in (batch_key, None):  # the same batch, or its cases in a new one
        response = send(client, replay, key=key)
        assert response.status_code == 403 and response.json()["code"] == "other_user"
    assert Case.objects.count() == 1 and OfflineBatch.objects.count() == 1


def test_an_oversized_batch_is_refused(client, district):
    client.force_login(district["secretary"])
    too_many = [
        a_case(district["guide"], id_number=f"0141950{n:05d}") for n in range(MAX_CASES + 1)
    ]
    response = send(client, too_many)
    assert response.status_code == 413
    assert response.json()["error"] == "Lô gửi quá lớn: mỗi lần gửi tối đa 100 trường hợp."
    huge = a_case(district["guide"], full_name="A" * 300_000)
    assert send(client, [huge]).status_code == 413
    assert not Case.objects.exists() and not OfflineBatch.objects.exists()


def test_a_batch_that_is_not_json_is_refused_in_words(client, district):
    client.force_login(district["secretary"])
    for body in ("not json", "[]", '{"cases": "x"}', '{"cases": [1]}'):
        response = client.post(SEND, body, content_type="application/json")
        assert response.status_code == 400 and "chưa ghi nhận" in response.json()["error"]
    assert not OfflineBatch.objects.exists()


def test_a_guide_out_of_scope_meanwhile_is_refused_with_the_reason(client, district):
    client.force_login(district["secretary"])
    MemberFactory(unit=district["commune"])  # the unit still has an active member
    guide = district["guide"]
    guide.active = False
    guide.save()
    answer = send(client, [a_case(guide)]).json()["cases"][0]
    assert answer["status"] == "refused"
    assert answer["errors"]["member"][0].startswith("Người hướng dẫn này không còn")
    answer = send(client, [a_case(district["outsider"])]).json()["cases"][0]
    assert answer["status"] == "refused" and "member" in answer["errors"]
    assert not Case.objects.exists()


def test_a_closed_campaign_is_refused_with_the_reason(client, district):
    client.force_login(district["secretary"])
    campaign = plan_campaign()
    campaign.ends_on = datetime.date(2023, 11, 28)
    campaign.save()
    answer = send(client, [a_case(district["guide"])]).json()["cases"][0]
    assert answer["status"] == "refused"
    assert answer["errors"]["__all__"] == [
        f"Chiến dịch {campaign.name} đã kết thúc: không thể thêm trường hợp vào chiến dịch này."
    ]
    assert not Case.objects.exists()


def test_the_same_resident_entered_meanwhile_for_the_same_guide_is_refused(client, district):
    client.force_login(district["secretary"])
    CaseFactory(member=district["guide"], resident__id_number="014090123234")
    answer = send(client, [a_case(district["guide"])]).json()["cases"][0]
    assert answer["status"] == "refused"
    assert answer["errors"]["member"] == [
        "Lò Văn Thành đã hướng dẫn người dân này trong chiến dịch."
    ]
    assert Case.objects.count() == 1


def test_a_double_claim_made_offline_is_recorded_and_said(client, district):
    client.force_login(district["secretary"])
    resident = ResidentFactory(id_number="014090123234")
    other = CaseFactory(member=district["outsider"], resident=resident)
    colleague = MemberFactory(unit=district["commune"], full_name="Lò Thị Hoa")
    CaseFactory(member=colleague, resident=resident)
    refresh_rule_inputs(resident_ids=[resident.pk])
    answer = send(client, [a_case(district["guide"])]).json()["cases"][0]
    assert answer["status"] == "recorded"
    assert answer["double_claim"] == (
        "Cũng do Lò Thị Hoa (Đoàn xã A) hướng dẫn. "
        "Cũng do 1 thành viên ở đơn vị khác hướng dẫn. "
        "Trùng lặp: không tính cho ai cho đến khi huyện xem xét, giải quyết."
    )
    assert "Cà Văn Khác" not in answer["double_claim"]  # another unit's guide is not named
    saved = Case.objects.get(member=district["guide"])
    assert saved.claimants == 3
    other.refresh_from_db()
    assert other.claimants == 3


# --- The app's files ------------------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get(reverse("service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert b"/chien-dich/nhap-nhanh/" in response.content


def test_the_offline_page_says_a_connection_is_needed_and_names_nobody(client, district):
    client.force_login(district["secretary"])
    html = client.get(reverse("offline")).content.decode()
    assert "Cần kết nối mạng" in html and reverse("campaign:quick_entry") in html
    assert district["secretary"].username not in html


def test_the_manifest_names_the_quick_entry_and_its_icons_exist():
    static = Path(__file__).resolve().parents[2] / "static"
    manifest = json.loads((static / "manifest.webmanifest").read_text("utf-8"))
    assert (
        manifest["start_url"] == "/chien-dich/nhap-nhanh/" and manifest["display"] == "standalone"
    )
    for icon in manifest["icons"]:
        png = (static / icon["src"]).read_bytes()
        assert png.startswith(b"\x89PNG")
        width = int.from_bytes(png[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]


def test_every_page_links_the_manifest_and_quick_entry_the_offline_scripts(client, district):
    client.force_login(district["secretary"])
    html = client.get(reverse("campaign:quick_entry")).content.decode()
    assert "manifest.webmanifest" in html
    assert "js/offline-entry.js" in html and 'id="offline-texts"' in html
    assert f'data-offline-user="{district["secretary"].pk}"' in html
