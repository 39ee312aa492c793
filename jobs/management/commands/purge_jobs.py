from django.core.management.base import BaseCommand

from jobs.runner import purge_expired_jobs


class Command(BaseCommand):
    help = "Remove the files of jobs finished more than JOBS_KEEP_DAYS days ago."

    def handle(self, *args, **options):
        self.stderr.write(f"{purge_expired_jobs()} job(s) removed.")
