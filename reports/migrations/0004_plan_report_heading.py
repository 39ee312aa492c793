"""The heading of the signed plan's consolidated report: Công an huyện Sốp Cộp to the
provincial police (the administrator edits it, and adds one per reporting unit, in the admin)."""

from django.db import migrations


def create_heading(apps, schema_editor):
    Campaign = apps.get_model("campaign", "Campaign")
    ReportHeading = apps.get_model("reports", "ReportHeading")
    campaign = Campaign.objects.filter(slug="vneid-2023").first()
    if campaign is None:
        return
    ReportHeading.objects.get_or_create(
        campaign=campaign,
        unit=None,
        defaults={
            "parent_body": "CÔNG AN TỈNH SƠN LA",
            "issuing_body": "CÔNG AN HUYỆN SỐP CỘP",
            "number_code": "CAH",
            "place": "Sốp Cộp",
            "recipient": "Công an tỉnh Sơn La",
            "recipients": "Như trên;\nHuyện Đoàn, Hội LHPN huyện;\nLưu: VT.",
            "signer_prefix": "KT.",
            "signer_body_title": "TRƯỞNG CÔNG AN HUYỆN",
            "signer_title": "PHÓ TRƯỞNG CÔNG AN HUYỆN",
            "signer_name": "",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_report_headings_submissions"), ("campaign", "0002_plan_campaign")]
    operations = [migrations.RunPython(create_heading, migrations.RunPython.noop)]
