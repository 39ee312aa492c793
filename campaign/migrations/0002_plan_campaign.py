"""Creates the signed plan's campaign (slug vneid-2023) with the plan's values, so a fresh
database is ready to use."""
import datetime

from django.db import migrations

PLAN = {
    "slug": "vneid-2023",
    "name": "Tuyên truyền, hướng dẫn kích hoạt tài khoản định danh điện tử và dịch vụ công "
            "trực tuyến 2023",
    "starts_on": datetime.date(2023, 4, 21),
    "activation_starts_on": datetime.date(2023, 4, 21),
    "double_claims_across_kinds": True,
    "roster_excludes_residents": True,
    "quota_cadre": 20,
    "quota_member": 10,
    "quota_civil_servant": 20,
    "quota_armed_forces": 20,
    "individual_award_threshold": 50,
    "collective_award_threshold": 20,
    "own_procedures_target": 100,
    "family_procedures_target": 70,
    "drive_starts_on": datetime.date(2023, 4, 20),
    "drive_ends_on": datetime.date(2023, 6, 20),
}


def create_plan_campaign(apps, schema_editor):
    Campaign = apps.get_model("campaign", "Campaign")
    slug = PLAN["slug"]
    Campaign.objects.get_or_create(slug=slug, defaults={k: v for k, v in PLAN.items() if k != "slug"})


def remove_plan_campaign(apps, schema_editor):
    apps.get_model("campaign", "Campaign").objects.filter(slug=PLAN["slug"], cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("campaign", "0001_initial")]
    operations = [migrations.RunPython(create_plan_campaign, remove_plan_campaign)]
