"""Reporting periods of a campaign, the report headings, the units expected to report, and
the submissions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit, UnitKind


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

    @property
    def short_name(self):
        """The name without its leading "Báo cáo" ("Tháng chín năm 2023"): a column's
        header among ten periods, where every name would begin with the same words."""
        name = self.name.strip()
        if name.lower().startswith("báo cáo ") and len(name) > len("báo cáo "):
            rest = name[len("báo cáo ") :]
            return rest[:1].upper() + rest[1:]
        return name


class ReportHeading(models.Model):
    """Who issues a report and to whom (Nghị định 30/2020/NĐ-CP, Phụ lục I): the heading,
    the addressee and the signature block of the report workbook. One for the campaign
    (no unit: the district's consolidated report) and, optionally, one per reporting unit;
    a unit without its own uses the nearest unit above it that has one."""

    class SignerPrefix(models.TextChoices):
        ON_BEHALF = "TM.", _("TM. (on behalf of the collective)")
        DEPUTY = "KT.", _("KT. (signed for the head)")
        NONE = "", _("(none: the head signs)")

    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="report_headings",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_headings",
        help_text=_("Blank: the heading of the district's consolidated report."),
    )
    parent_body = models.CharField(
        _("body above the issuer"), max_length=255, blank=True, help_text="CÔNG AN TỈNH SƠN LA"
    )
    issuing_body = models.CharField(
        _("issuing body"), max_length=255, help_text="CÔNG AN HUYỆN SỐP CỘP"
    )
    number_code = models.CharField(
        _("document code after BC-"), max_length=50, blank=True, help_text="CAH"
    )
    place = models.CharField(_("place"), max_length=100, help_text="Sốp Cộp")
    recipient = models.CharField(
        _("addressee (Kính gửi)"), max_length=255, help_text="Công an tỉnh Sơn La"
    )
    recipients = models.TextField(
        _("recipients (Nơi nhận)"),
        blank=True,
        help_text=_("One a line; the addressee and “Lưu: VT” are typical."),
    )
    signer_prefix = models.CharField(
        _("signing for"), max_length=3, choices=SignerPrefix.choices, blank=True, default="KT."
    )
    signer_body_title = models.CharField(
        _("title of the head signed for"), max_length=255, blank=True, help_text="TRƯỞNG CÔNG AN"
    )
    signer_title = models.CharField(
        _("signer's title"), max_length=255, blank=True, help_text="PHÓ TRƯỞNG CÔNG AN"
    )
    signer_name = models.CharField(_("signer's name"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("report heading")
        verbose_name_plural = _("report headings")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                name="report_heading_one_per_unit",
                violation_error_message=_("This unit already has a report heading."),
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(unit__isnull=True),
                name="report_heading_one_for_campaign",
                violation_error_message=_("The campaign already has a report heading."),
            ),
        ]

    def __str__(self):
        return self.issuing_body

    @classmethod
    def for_report(cls, campaign, unit=None):
        """The heading of `unit`'s report: its own, or the nearest above it; failing that, one
        (unsaved) named after the unit and addressed to the district's issuer. For the
        district's report (no unit), the campaign's."""
        headings = {h.unit_id: h for h in cls.objects.filter(campaign=campaign)}
        if unit is not None:
            for pk in reversed([int(pk) for pk in unit.path.strip("/").split("/")]):
                if pk in headings:
                    return headings[pk]
        district = headings.get(None)
        if unit is None:
            return district or cls(campaign=campaign, issuing_body=campaign.name)
        return cls.fallback(campaign, unit, district)

    @classmethod
    def fallback(cls, campaign, unit, district):
        """The heading of a unit that has none of its own: issued by the unit, numbered with
        its code, addressed from the district's place to the district police (who consolidate
        the units' reports, rules.md), "Như trên" and the archive as recipients, signed as
        such a unit signs (TM. BAN THƯỜNG VỤ, BÍ THƯ...). Unsaved; an administrator sets the
        unit's own in the admin."""
        police = (
            Unit.objects.filter(kind=UnitKind.POLICE, parent__isnull=True).order_by("pk").first()
        )
        recipient = police.name if police else (district.issuing_body if district else "")
        prefix, body_title, title = UNIT_SIGNERS.get(unit.kind, ("", "THỦ TRƯỞNG ĐƠN VỊ", ""))
        return cls(
            campaign=campaign,
            unit=unit,
            parent_body=unit.parent.name if unit.parent_id else "",
            issuing_body=unit.name,
            number_code=unit.code,
            place=district.place if district else "",
            recipient=recipient,
            recipients="Như trên;\nLưu: VT.",
            signer_prefix=prefix,
            signer_body_title=body_title,
            signer_title=title,
        )


# How a unit with no heading of its own signs, by kind: (prefix, the collective or head signed
# for, the signer's title). The unions' committees sign "TM. BAN THƯỜNG VỤ" (their Bí thư or
# Chủ tịch); the Youth Federation's, "TM. ỦY BAN HỘI".
UNIT_SIGNERS = {
    "youth_union": ("TM.", "BAN THƯỜNG VỤ", "BÍ THƯ"),
    "womens_union": ("TM.", "BAN THƯỜNG VỤ", "CHỦ TỊCH"),
    "youth_federation": ("TM.", "ỦY BAN HỘI", "CHỦ TỊCH"),
}


class ExpectedUnit(models.Model):
    """A unit expected to submit its report for every period of a campaign (rules.md:
    by default the top unit of every Youth Union, Women's Union and Youth Federation tree)."""

    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="expected_units",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="expected_in",
    )

    class Meta:
        verbose_name = _("unit expected to report")
        verbose_name_plural = _("units expected to report")
        ordering = ["campaign", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                name="expected_unit_once_per_campaign",
                violation_error_message=_("This unit is already expected to report."),
            ),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.unit}"


def submission_upload_to(submission, filename):
    return f"submissions/{submission.period.campaign.slug}/{submission.period.slug}/{filename}"


class SubmissionQuerySet(models.QuerySet):
    def standing(self):
        """Submissions not reopened: the one each unit's report for a period stands on."""
        return self.filter(reopened_at__isnull=True)


class Submission(models.Model):
    """A unit's report for a period as it was sent: its subtree's figures, award proposals
    and named list frozen at that moment, and the workbook produced then. Never changed
    afterwards, except to mark it reopened (who, when, why); the next one is a new version."""

    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    as_of = models.DateField(_("figures as of"))
    report = models.JSONField(_("frozen report"), default=dict, editable=False)
    named_rows = models.PositiveIntegerField(_("rows of the named list"), default=0)
    workbook = models.FileField(_("workbook sent"), upload_to=submission_upload_to, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["period", "unit__path", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "version"],
                name="submission_version_unique",
                violation_error_message=_("This version of the report already exists."),
            ),
            models.UniqueConstraint(
                fields=["period", "unit"],
                condition=Q(reopened_at__isnull=True),
                name="submission_one_standing_per_unit",
                violation_error_message=_("This unit's report for the period is already sent."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.period} · v{self.version}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("reports:submission", args=[self.pk])
