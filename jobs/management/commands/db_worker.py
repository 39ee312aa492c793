"""The job worker: django-tasks-db's `db_worker`, with what a worker's faults need.

- A lease keeper thread takes back the jobs of workers that stopped beating
  (jobs.runner.reap_stale_jobs) every few seconds, whether this worker is busy or not.
- A database that goes away is waited for: the worker logs it, retries every few seconds
  and works again once the database is back, without being restarted.
- SIGTERM (a deploy, `systemctl stop`): the worker takes no new job; the job it holds
  finishes, or, if its kind is safe to run again, is handed back to the queue at its next
  progress for another worker. A second SIGTERM stops the job at once (handed back, or
  failed with a reason; its transaction rolls back).
"""

import logging
import threading
import time

from django.db import Error as DatabaseError
from django.db import connections
from django_tasks_db.management.commands import db_worker as base

from jobs import runner

logger = logging.getLogger("jobs.worker")


class Worker(base.Worker):
    def shutdown(self, signum, frame):
        runner.STOPPING.set()
        super().shutdown(signum, frame)

    def run(self):
        keeper = threading.Thread(target=keep_leases, name="lease-keeper", daemon=True)
        keeper.start()
        pause = 1
        while True:
            try:
                return super().run()
            except DatabaseError as error:
                if not self.running:
                    return None
                logger.warning(
                    "database unavailable (%s): trying again in %s s",
                    error.__class__.__name__,
                    pause,
                )
                connections.close_all()
                time.sleep(pause)
                pause = min(pause * 2, 5)
                self.startup_delay = False


def keep_leases():
    """Every few seconds, take back the jobs whose worker stopped beating."""
    while True:
        time.sleep(max(1.0, runner.lease_seconds() / 4))
        try:
            runner.reap_stale_jobs()
        except Exception:  # the database away: try again at the next turn
            logger.warning("stale jobs not checked (database unavailable)", exc_info=True)
            connections.close_all()


class Command(base.Command):
    help = base.Command.help + " (with leases, database outages and SIGTERM handled)"

    def handle(self, *args, **options):
        base.Worker = Worker
        return super().handle(*args, **options)
