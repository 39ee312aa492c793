"""Reporting periods of a campaign, and the record of every export of personal data."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportingPeriod(models.Model):
    """A period the units report on (plan IV.3): phase 1, phase 2, a month, or the final
    report. Figures are shown for the period and cumulative since the campaign start."""

    class Kind(models.TextChoices):
        PHASE = "phase", _("Phase")
        MONTHLY = "monthly", _("Monthly")
        FINAL = "final", _("Final")

    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="periods",
    )
    slug = models.SlugField(_("short name"), max_length=50)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    starts_on = models.DateField(_("covers from"))
    ends_on = models.DateField(_("covers until"))
    due_on = models.DateField(_("due before"))

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["campaign", "ends_on", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "slug"],
                name="period_slug_unique_in_campaign",
                violation_error_message=_("A period with this short name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="period_ends_after_start",
                violation_error_message=_("A period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name


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
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.what}"

    @classmethod
    def record(cls, *, user, action, what, rows=0, request=None, id_number=""):
        """Record one access; `request` gives where from, `id_number` the person concerned."""
        from privacy.subjects import client_address, subject_key

        user = user if getattr(user, "is_authenticated", False) else None
        return cls.objects.create(
            user=user,
            action=action,
            what=what[:255],
            rows=rows,
            where=client_address(request),
            subject=subject_key(id_number) if id_number else "",
        )
