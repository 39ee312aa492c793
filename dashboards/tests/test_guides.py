"""The guide chosen by search on the entry pages: a drop-down while guides are few, a search
box (JSON, scoped to the members the user may record cases for) when they are many, and a
typed text that names one member when the page is sent without script."""

import pytest
from django.core.exceptions import ValidationError

from campaign.forms import GuideChoiceField
from units.guides import SEARCH_FROM
from units.models import Member, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded():
    unit = UnitFactory(code="XA1", name="Đoàn xã Một")
    MemberFactory.create_batch(SEARCH_FROM, unit=unit)
    special = MemberFactory(unit=unit, full_name="Giàng A Sểnh", id_number="014099123456")
    outsider = MemberFactory(unit=UnitFactory(code="XA2"), full_name="Giàng A Sáng")
    secretary = UserFactory()
    UnitRoleFactory(user=secretary, unit=unit, role=UnitRole.Role.SECRETARY)
    return {"unit": unit, "special": special, "outsider": outsider, "secretary": secretary}


def test_few_guides_keep_the_drop_down(client):
    unit = UnitFactory(code="XA1")
    MemberFactory.create_batch(3, unit=unit)
    user = UserFactory()
    UnitRoleFactory(user=user, unit=unit, role=UnitRole.Role.SECRETARY)
    client.force_login(user)
    html = client.get("/chien-dich/nhap-nhanh/").content.decode()
    assert '<select name="member"' in html and "data-guide-search" not in html


def test_many_guides_are_searched_not_listed(client, crowded):
    client.force_login(crowded["secretary"])
    html = client.get("/chien-dich/nhap-nhanh/").content.decode()
    assert 'name="member_search"' in html and '<select name="member"' not in html
    assert html.count("Lò Văn Thành") == 0  # no member is listed in the page
    assert "js/guide-search.js" in html and "<script>" not in html


def test_search_answers_only_members_the_user_may_record_for(client, crowded):
    client.force_login(crowded["secretary"])
    answer = client.post("/tong-quan/nguoi-huong-dan/", {"q": "giang a s"}).json()["results"]
    assert [row["id"] for row in answer] == [crowded["special"].pk]
    assert answer[0]["label"] == "Giàng A Sểnh · Đoàn xã Một"
    by_id = client.post("/tong-quan/nguoi-huong-dan/", {"q": "014099123456"}).json()["results"]
    assert [row["id"] for row in by_id] == [crowded["special"].pk]
    # Asked by POST only: an ID number never sits in the address.
    assert client.get("/tong-quan/nguoi-huong-dan/", {"q": "014099123456"}).status_code == 405


def test_a_viewer_finds_no_guide(client, crowded):
    viewer = UserFactory()
    UnitRoleFactory(user=viewer, unit=crowded["unit"], role=UnitRole.Role.VIEWER)
    client.force_login(viewer)
    assert client.post("/tong-quan/nguoi-huong-dan/", {"q": "giang"}).json() == {"results": []}


def test_without_script_a_typed_id_number_or_unique_name_names_the_guide(crowded):
    field = GuideChoiceField(queryset=Member.objects.filter(unit=crowded["unit"]))
    widget = field.widget
    value = widget.value_from_datadict({"member_search": "014099123456"}, {}, "member")
    assert field.clean(value) == crowded["special"]
    value = widget.value_from_datadict({"member_search": "giang a senh"}, {}, "member")
    assert field.clean(value) == crowded["special"]
    chosen = widget.value_from_datadict({"member": str(crowded["special"].pk)}, {}, "member")
    assert field.clean(chosen) == crowded["special"]


def test_without_script_an_ambiguous_or_unknown_text_is_explained(crowded):
    field = GuideChoiceField(queryset=Member.objects.filter(unit=crowded["unit"]))
    with pytest.raises(ValidationError) as ambiguous:
        field.clean({"search": "Lò Văn"})
    assert "Có nhiều thành viên khớp" in ambiguous.value.messages[0]
    with pytest.raises(ValidationError) as unknown:
        field.clean({"search": "Giàng A Sáng"})  # of another unit
    assert "Không tìm thấy thành viên" in unknown.value.messages[0]


def test_a_control_character_in_a_search_is_no_search_and_no_error(client, crowded):
    client.force_login(crowded["secretary"])
    assert client.post("/tong-quan/nguoi-huong-dan/", {"q": "Gi\x00ang"}).json() == {"results": []}
    field = GuideChoiceField(queryset=Member.objects.filter(unit=crowded["unit"]))
    with pytest.raises(ValidationError):
        field.clean({"search": "Gi\x00ang"})
    fix = client.get("/tong-quan/can-sua/", {"q": "Gi\x00ang", "section": "warnings"})
    assert fix.status_code == 200
