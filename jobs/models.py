"""Long work done off the request: a job a user asked for, its progress and its file."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit, signed_in


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Jobs `user` may see: their own, and those of units they administer (or above)."""
        if not signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            models.Q(owner=user) | models.Q(unit__in=Unit.objects.administered_by(user))
        )

    def files_for(self, user):
        """Jobs whose file `user` may download: administrators of the job's unit (or above),
        and the owner only while they may still enter data for it (for a job of no unit, for
        some unit). An owner who lost the role loses the file, which holds whole ID numbers."""
        from units.models import Unit

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        editable = Unit.objects.editable_by(user)
        owned = models.Q(owner=user, unit__in=editable)
        if editable.exists():
            owned |= models.Q(owner=user, unit__isnull=True)
        return self.filter(owned | models.Q(unit__in=Unit.objects.administered_by(user)))

    def expired(self, now=None):
        """Finished jobs older than the setting JOBS_KEEP_DAYS: their files are removed."""
        now = now or timezone.now()
        keep = timezone.timedelta(days=settings.JOBS_KEEP_DAYS)
        return self.filter(finished_at__lt=now - keep)


class Job(models.Model):
    """A piece of long work a user asked for (a report with a large named list; later the
    import's check and confirm): run by the task worker, with its progress and result."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    label = models.CharField(_("what"), max_length=255)
    params = models.JSONField(_("parameters"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
        help_text=_("Administrators of this unit and above may see the job too."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    error = models.TextField(_("why it failed"), blank=True)
    file = models.FileField(_("file"), upload_to="jobs/", blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    result_url = models.CharField(_("result"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, db_index=True)
    # The lease: the worker running the job (host:pid:token) beats every few seconds; a job
    # whose worker has not beaten for JOBS_LEASE_SECONDS is taken back (jobs.runner).
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set inside the transaction that writes the work's result (runner.record_committed):
    # a job whose worker died after that commit is done, not run again.
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    # At most one waiting or running job per key (the same preview confirmed twice).
    key = models.CharField(_("key"), max_length=200, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=["queued", "running"]) & ~models.Q(key=""),
                name="job_key_unique_while_active",
            )
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("jobs:job", args=[self.pk])

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def rows_done(self):
        """The rows done as shown, never past the rows in all ("8 of 5" when a count of the
        rows to do was an estimate, or counted before a step that reads more)."""
        return min(self.done, self.total) if self.total else self.done

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return int(self.rows_done * 100 / self.total) if self.total else 0
