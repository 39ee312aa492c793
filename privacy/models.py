"""What the personal-data protections keep: the record of every access to personal data,
and each import as one event."""

from django.conf import settings
from django.db import connection, models
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
    def record(
        cls,
        *,
        user,
        action,
        what,
        rows=None,
        request=None,
        where=None,
        id_number="",
        id_numbers=None,
        subjects_of=None,
    ):
        """Record one access; `request` gives where from (or `where`, kept from a request by
        work done off it: a job), `id_number` the person concerned.

        An access of many people (an export) names them all: `id_numbers`, every ID number
        the file held (its rows, by default, count the distinct persons), or `subjects_of`,
        an earlier record of the same file (its download after the job that built it)."""
        keys = None
        if id_numbers is not None:
            keys = {subject_key(number) for number in id_numbers if number}
            rows = len(keys) if rows is None else rows
        if subjects_of is not None and rows is None:
            rows = subjects_of.rows
        user = user if getattr(user, "is_authenticated", False) else None
        access = cls.objects.create(
            user=user,
            action=action,
            what=what[:255],
            rows=rows or 0,
            where=client_address(request) if where is None else where[:100],
            subject=subject_key(id_number) if id_number else "",
        )
        if keys:
            PersonalDataSubject.objects.bulk_create(
                (PersonalDataSubject(access=access, subject=key) for key in sorted(keys)),
                batch_size=5000,
            )
        elif subjects_of is not None:
            PersonalDataSubject.copy(subjects_of, access)
        return access

    @classmethod
    def concerning(cls, key):
        """Every access to the person whose subject key is `key`: one alone, or one of an
        export's many."""
        many = PersonalDataSubject.objects.filter(subject=key).values("access_id")
        return cls.objects.filter(models.Q(subject=key) | models.Q(pk__in=many))


class PersonalDataSubject(models.Model):
    """One person an access of many concerned (an export's every row): the keyed digest of
    their ID number (privacy.subjects.subject_key), so that the person's-rights page finds
    every file that named them, and a leaked log lists no number."""

    access = models.ForeignKey(
        PersonalDataAccess,
        verbose_name=_("access"),
        on_delete=models.CASCADE,
        related_name="subjects",
    )
    subject = models.CharField(_("person concerned"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("person named by an access")
        verbose_name_plural = _("persons named by an access")

    def __str__(self):
        return self.subject

    @classmethod
    def copy(cls, source, target):
        """`source`'s persons, named again by `target`: one statement however many."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (access_id, subject) "
                f"SELECT %s, subject FROM {table} WHERE access_id = %s",
                [target.pk, source.pk],
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
