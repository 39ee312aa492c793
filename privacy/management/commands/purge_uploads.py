"""Remove uploaded workbooks and their previews older than IMPORT_KEEP_HOURS (run hourly)."""

import shutil
import time

from django.conf import settings
from django.utils.translation import gettext_lazy

from campaign.importing.storage import storage_root
from config.commands import Command as TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Remove uploads and previews waiting longer than IMPORT_KEEP_HOURS.")

    def handle(self, *args, **options):
        cutoff = time.time() - settings.IMPORT_KEEP_HOURS * 3600
        removed = 0
        for folder in storage_root().iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder)
                    removed += 1
            except OSError as error:
                self.stderr.write(f"{folder.name}: {error}")
        self.stdout.write(f"Đã xóa {removed} tệp tải lên cũ.")
