"""What the personal-data protections keep: the record of every access to personal data,
and each import as one event."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .subjects import client_address, subject_key


class PersonalDataAccess(models.Model):
    """A record that someone exported, revealed or looked up personal data (Law 91/2025/QH15):
    who, when, what, how many rows, from where."""

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        REVEAL = "reveal", _("Reveal")
        LOOKUP = "lookup", _("ID-number look-up")
        CORRECT = "correct", _("Correction at the person's request")
        ERASE = "erase", _("Deletion at the person's request")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    what = models.CharField(_("what"), max_length=255)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    where = models.CharField(_("from where"), max_length=100, blank=True)
    # A keyed digest of the ID number concerned (privacy.subjects.subject_key), so that the
    # person's-rights page finds every access to one person without the log holding numbers.
    subject = models.CharField(_("person concerned"), max_length=64, blank=True, db_index=True)

    class Meta:
        # The table of the reports app, where the record was first kept: moved without a
        # data migration (privacy/0002, reports/0006).
        db_table = "reports_personaldataaccess"
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.what}"

    @classmethod
    def record(cls, *, user, action, what, rows=0, request=None, where=None, id_number=""):
        """Record one access; `request` gives where from (or `where`, kept from a request by
        work done off it: a job), `id_number` the person concerned."""
        user = user if getattr(user, "is_authenticated", False) else None
        return cls.objects.create(
            user=user,
            action=action,
            what=what[:255],
            rows=rows,
            where=client_address(request) if where is None else where[:100],
            subject=subject_key(id_number) if id_number else "",
        )


class ImportEvent(models.Model):
    """One workbook written to the database: who, when, which file (its name and SHA-256),
    the counts, and the residents it wrote, the rows the bulk (COPY) paths leave no
    per-row history for."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    counts = models.JSONField(_("counts"), default=dict)
    resident_ids = models.JSONField(_("residents written"), default=list)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.file_name}"
