"""Anonymise the residents of campaigns past their retention date (run daily)."""

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from config.commands import Command as TranslatedCommand

from privacy import retention
from reports.models import PersonalDataAccess


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
        if count:
            PersonalDataAccess.record(
                user=None,
                action=PersonalDataAccess.Action.ERASE,
                what=f"Hết thời hạn lưu giữ: {count} người dân được ẩn danh",
                rows=count,
            )
        self.stdout.write(f"Đã ẩn danh {count} người dân.")
