"""Retention: past the campaign's date residents are anonymised and every figure stays;
old uploads are removed by a command."""

import datetime
import io
import json
import os
import time

import pytest
from django.core.management import call_command

from campaign import services
from campaign.models import Case, Resident
from campaign.tests.factories import CampaignFactory, plan_campaign
from units.models import MemberCategory
from units.tests.factories import MemberFactory, UnitFactory

pytestmark = pytest.mark.django_db


def results():
    out = io.StringIO()
    call_command(
        "campaign_results", "--campaign", "vneid-2023", "--as-of", "2023-12-31", stdout=out
    )
    return json.loads(out.getvalue())


def guide(member, id_number, campaign=None, **details):
    return services.case_create(
        campaign=campaign or plan_campaign(),
        member=member,
        resident_data={"id_number": id_number, "full_name": "Quàng Thị Mai", **details},
        case_data={"eid_level": 2, "activated_on": datetime.date(2023, 5, 2), "portal_used": True},
        user=None,
    )


@pytest.fixture
def data():
    unit = UnitFactory(code="XA1")
    a, b = MemberFactory(unit=unit), MemberFactory(unit=unit)
    cadre = MemberFactory(unit=unit, id_number="014095000099", category=MemberCategory.CADRE)
    for n in range(5):
        guide(a, f"01419500010{n}", phone="0912345678", address="Bản Nà Khá")
    guide(a, "014195000200")
    guide(b, "014195000200")  # a double claim
    guide(b, cadre.id_number)  # a cadre listed as a resident: not credited
    later = CampaignFactory(slug="chien-dich-2026")
    guide(b, "014195000300", campaign=later)
    guide(a, "014195000300")  # also in a campaign still kept
    return a, b


def test_past_the_date_residents_are_anonymised_and_every_figure_stays(data):
    campaign = plan_campaign()
    campaign.personal_data_kept_until = datetime.date(2024, 6, 30)
    campaign.save()
    before = results()
    call_command("anonymise_residents", "--today", "2024-07-01", stdout=io.StringIO())
    assert results() == before
    anonymised = Resident.objects.filter(full_name="Người dân (đã ẩn danh)")
    assert anonymised.count() == 7
    from privacy.models import PersonalDataAccess

    assert PersonalDataAccess.objects.get(action="erase").what == (
        "Hết thời hạn lưu giữ: 7 người dân được ẩn danh"
    )
    assert not anonymised.exclude(phone="").exists()
    assert not anonymised.exclude(address="").exists()
    assert set(anonymised.filter(on_roster=False).values_list("id_number", flat=True)) == {
        f"999{r.pk:09d}" for r in anonymised.filter(on_roster=False)
    }
    assert anonymised.filter(id_number="014095000099", on_roster=True).exists()
    assert not Resident.history.filter(phone="0912345678").exists()
    assert not Resident.history.filter(id_number="014195000100").exists()
    # Guided in a campaign still kept: untouched.
    assert Resident.objects.get(id_number="014195000300").full_name == "Quàng Thị Mai"
    assert Case.objects.count() == 10


def test_before_the_date_or_without_one_nothing_changes(data):
    out = io.StringIO()
    call_command("anonymise_residents", stdout=out)
    assert "0" in out.getvalue()
    campaign = plan_campaign()
    campaign.personal_data_kept_until = datetime.date(2024, 6, 30)
    campaign.save()
    call_command("anonymise_residents", "--today", "2024-06-30", stdout=io.StringIO())
    assert not Resident.objects.filter(full_name="Người dân (đã ẩn danh)").exists()
    call_command("anonymise_residents", "--today", "2024-07-01", "--dry-run", stdout=out)
    assert not Resident.objects.filter(full_name="Người dân (đã ẩn danh)").exists()


def test_a_second_run_changes_nothing_more(data):
    campaign = plan_campaign()
    campaign.personal_data_kept_until = datetime.date(2024, 6, 30)
    campaign.save()
    call_command("anonymise_residents", "--today", "2024-07-01", stdout=io.StringIO())
    out = io.StringIO()
    call_command("anonymise_residents", "--today", "2024-07-01", stdout=out)
    assert "Đã ẩn danh 0" in out.getvalue()


def test_purge_uploads_removes_what_waited_longer_than_the_setting(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path)
    settings.IMPORT_KEEP_HOURS = 2
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
        (folder / "upload").write_bytes(b"PK")
    three_hours_ago = time.time() - 3 * 3600
    os.utime(old, (three_hours_ago, three_hours_ago))
    call_command("purge_uploads", stdout=io.StringIO())
    assert not old.exists() and new.exists()
