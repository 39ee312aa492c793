from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.commands import Command as TranslatedCommand
from jobs.runner import purge_expired_jobs


class Command(TranslatedCommand):
    help = gettext_lazy("Remove the files of jobs finished more than JOBS_KEEP_DAYS days ago.")

    def handle(self, *args, **options):
        self.stderr.write(_("%(n)s finished jobs removed.") % {"n": purge_expired_jobs()})
