"""What the personal-data protections keep: each import as one event."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
