"""The activation list is personal data (Law 91/2025): the person's data page shows their
row, a deletion at their request removes it, and past the campaign's retention date the
list's rows go while every figure stays."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaign import services, verification
from campaign.activations import import_activation_list
from campaign.models import ActivationEntry, ActivationList, Case
from campaign.tests.factories import plan_campaign
from privacy.models import PersonalDataAccess
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db

ID = "014195000777"


@pytest.fixture
def tree(tmp_path):
    top = UnitFactory(code="HUYEN")
    admin = UnitRoleFactory(unit=top, role=UnitRole.Role.ADMIN).user
    guide = MemberFactory(unit=top, id_number="014095000001")
    case = services.case_create(
        campaign=plan_campaign(),
        member=guide,
        resident_data={"id_number": ID, "full_name": "Quàng Thị Mai"},
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 2), "portal_used": True},
        user=admin,
    )
    path = tmp_path / "ds.csv"
    path.write_text(
        "Số định danh,Mức định danh,Ngày kích hoạt,Họ và tên\n"
        f"{ID},1,03/05/2023,Quàng Thị Mai\n079000000001,2,02/05/2023,Người Khác\n",
        encoding="utf-8",
    )
    assert import_activation_list(path, campaign=plan_campaign(), user=admin).ok
    return {"admin": admin, "case": case}


def test_the_persons_data_page_shows_their_row_of_the_list(client, tree):
    client.force_login(tree["admin"])
    found = client.post(reverse("privacy:person_search"), {"id_number": ID})
    page = client.get(found["Location"]).content.decode()
    assert 'id="person-activation-list"' in page and "03/05/2023" in page
    assert "Người Khác" not in page  # nobody else's row


def test_a_deletion_at_the_persons_request_removes_their_row(client, tree):
    client.force_login(tree["admin"])
    resident = tree["case"].resident
    client.post(reverse("privacy:person_erase", args=[resident.pk]), {"confirm": "1"})
    assert not ActivationEntry.objects.filter(id_number=ID).exists()
    assert ActivationEntry.objects.filter(id_number="079000000001").exists()


def results():
    out = io.StringIO()
    call_command(
        "campaign_results",
        "--as-of",
        "2023-12-31",
        "--figures-from",
        "activation_list",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_past_retention_the_rows_go_and_the_figures_stay(tree):
    campaign = plan_campaign()
    campaign.personal_data_kept_until = datetime.date(2024, 6, 30)
    campaign.save()
    before = results()
    assert before["members"][0]["credited_eid"] == 1
    call_command("anonymise_residents", "--today", "2024-07-01", stdout=io.StringIO())
    assert not ActivationEntry.objects.exists()
    record = ActivationList.objects.get()
    assert record.rows == 2 and record.rows_removed_at is not None and record.sha256
    assert verification.list_in_force(campaign) is None
    after = results()
    assert [m["credited_eid"] for m in after["members"]] == [1]
    assert Case.objects.get().official_level == 1
    assert PersonalDataAccess.objects.filter(what__contains="danh sách kích hoạt").exists()
