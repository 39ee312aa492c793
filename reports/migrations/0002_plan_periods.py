"""The reporting periods of the signed plan (IV.3): phase 1, phase 2, monthly, final."""
import datetime

from django.db import migrations

START = datetime.date(2023, 4, 21)
MONTHS = ["", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười",
          "mười một", "mười hai"]


def plan_periods():
    d = datetime.date
    periods = [
        ("dot-1", "Báo cáo kết quả đợt 1", "phase", START, d(2023, 5, 12), d(2023, 5, 12)),
        ("dot-2", "Báo cáo kết quả đợt 2", "phase", START, d(2023, 6, 20), d(2023, 6, 20)),
    ]
    for month in range(4, 11):  # April to October 2023, each due on the 10th of the next month
        first = START if month == 4 else d(2023, month, 1)
        last = d(2023, month + 1, 1) - datetime.timedelta(days=1)
        periods.append((
            f"thang-{month:02d}-2023", f"Báo cáo tháng {MONTHS[month]} năm 2023", "monthly",
            first, last, d(2023, month + 1, 10),
        ))
    periods.append(("tong-ket", "Báo cáo tổng kết", "final", START, d(2023, 11, 28), d(2023, 11, 28)))
    return periods


def create_periods(apps, schema_editor):
    Campaign = apps.get_model("campaign", "Campaign")
    ReportingPeriod = apps.get_model("reports", "ReportingPeriod")
    campaign = Campaign.objects.filter(slug="vneid-2023").first()
    if campaign is None:
        return
    for slug, name, kind, starts_on, ends_on, due_on in plan_periods():
        ReportingPeriod.objects.get_or_create(
            campaign=campaign, slug=slug,
            defaults={"name": name, "kind": kind, "starts_on": starts_on, "ends_on": ends_on,
                      "due_on": due_on},
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("campaign", "0002_plan_campaign")]
    operations = [migrations.RunPython(create_periods, migrations.RunPython.noop)]
