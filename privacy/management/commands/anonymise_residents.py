"""Anonymise the residents of campaigns past their retention date (run daily)."""

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from campaign.activations import remove_rows
from config.commands import Command as TranslatedCommand
from privacy import retention
from privacy.models import PersonalDataAccess


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Anonymise residents guided only in campaigns whose 'personal data kept until' date "
        "has passed; every figure stays."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help=gettext_lazy("YYYY-MM-DD (default: today)"))
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("count, change nothing")
        )

    def handle(self, *args, today=None, dry_run=False, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else datetime.date.today()
        except ValueError:
            raise CommandError("--today phải có dạng YYYY-MM-DD.") from None
        residents = retention.residents_past_retention(day)
        if dry_run:
            self.stdout.write(f"{residents.count()} người dân sẽ được ẩn danh.")
            return
        count = retention.anonymise(residents)
        # The activation lists of the campaigns past their date: their rows removed (each
        # import's record stays: who, when, SHA-256, rows), the cases' list values cleared.
        for campaign in retention.campaigns_past_retention(day):
            removed = remove_rows(campaign)
            if removed:
                PersonalDataAccess.record(
                    user=None,
                    action=PersonalDataAccess.Action.ERASE,
                    what=f"Hết thời hạn lưu giữ: xoá {removed} dòng danh sách kích hoạt "
                    f"của chiến dịch {campaign.slug}",
                    rows=removed,
                )
                self.stdout.write(f"Đã xoá {removed} dòng danh sách kích hoạt ({campaign.slug}).")
        if count:
            PersonalDataAccess.record(
                user=None,
                action=PersonalDataAccess.Action.ERASE,
                what=f"Hết thời hạn lưu giữ: {count} người dân được ẩn danh",
                rows=count,
            )
        self.stdout.write(f"Đã ẩn danh {count} người dân.")
