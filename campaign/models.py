"""The campaign: its rule settings, the residents guided, and the cases (who guided whom)."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.formats import moment
from units.models import (
    ADMINISTERS,
    ID_NUMBER_VALIDATOR,
    MemberCategory,
    Recorded,
    Unit,
    UnitRole,
    administers_path,
    history_author,
    signed_in,
)
from units.search import FoldedNameField

from .activities import Activity, ActivityKind  # noqa: F401  (this app's models, kept apart)


class CampaignQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def latest_first(self):
        """Started last first (of two that started the same day, the one recorded last)."""
        return self.order_by("-starts_on", "-pk")

    def current(self):
        """The campaign people work on when none is named: of these, the active one that
        started last, or with none active the one that started last; None when there is
        none. Pages choose through `campaign.current.campaign_for_request`, commands
        through `campaign_for_command`."""
        return current_of(self.latest_first())


def current_of(campaigns):
    """`Campaign.objects.current()` over campaigns already read, latest first (a handful:
    one query reads them all for the campaign selector too)."""
    return next((c for c in campaigns if c.is_active), None) or next(iter(campaigns), None)


class FiguresFrom(models.TextChoices):
    RECORDED = "recorded", _("recorded")
    ACTIVATION_LIST = "activation_list", _("activation list")


class Campaign(models.Model):
    """A signed plan: its dates and every number its rules use, editable by the district
    administrator. The scoring code reads these settings and holds no numbers of its own."""

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("Blank: the campaign runs until its targets are met."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Retention (Law 91/2025): past this day, `anonymise_residents` removes the residents'
    # personal data that only this campaign needs; every figure stays.
    personal_data_kept_until = models.DateField(
        _("personal data kept until"), null=True, blank=True
    )

    # What counts (plan IV.1).
    activation_starts_on = models.DateField(
        _("accounts count if activated from"),
        help_text=_("Accounts activated before this day never count."),
    )
    double_claims_across_kinds = models.BooleanField(
        _("double claims across unit kinds"),
        default=True,
        help_text=_(
            "A resident claimed by members of different unit kinds (e.g. police and Youth "
            "Union) is a double claim, credited to nobody."
        ),
    )
    roster_excludes_residents = models.BooleanField(
        _("a resident on a member roster is not counted"),
        default=True,
        help_text=_(
            "A resident whose ID number is on any unit's roster is a cadre, not a resident."
        ),
    )

    # Targets (plan II.2, II.3): full cases each member should guide, by category.
    quota_cadre = models.PositiveIntegerField(_("quota for cadres"), default=20)
    quota_member = models.PositiveIntegerField(_("quota for union members"), default=10)
    quota_civil_servant = models.PositiveIntegerField(_("quota for civil servants"), default=20)
    quota_armed_forces = models.PositiveIntegerField(_("quota for armed forces"), default=20)

    # Awards (plan IV.1).
    individual_award_threshold = models.PositiveIntegerField(
        _("individual award: credited full cases at least"), default=50
    )
    collective_award_threshold = models.DecimalField(
        _("collective award: average per member at least"),
        max_digits=6,
        decimal_places=2,
        default=20,
    )
    own_procedures_target = models.PositiveSmallIntegerField(
        _("own procedures online target (%)"),
        default=100,
        validators=[MaxValueValidator(100)],
    )
    family_procedures_target = models.PositiveSmallIntegerField(
        _("family procedures online target (%)"),
        default=70,
        validators=[MaxValueValidator(100)],
    )

    # Verification against the police's activation list (rules.md, beyond the plan).
    verification_tolerance_days = models.PositiveSmallIntegerField(
        _("activation date tolerance (days)"),
        default=0,
        validators=[MaxValueValidator(366)],
        help_text=_(
            "A typed activation date this many days or fewer from the list's still verifies."
        ),
    )
    figures_from = models.CharField(
        _("figures from"),
        max_length=20,
        choices=FiguresFrom.choices,
        default=FiguresFrom.RECORDED,
        help_text=_(
            "Recorded: what was typed. Activation list: each case's level, activation date "
            "and (where the list says) portal answer are the list's; a resident not on the "
            "list is not activated."
        ),
    )

    # The police's emulation drive (plan IV.2).
    drive_starts_on = models.DateField(_("emulation drive starts on"), null=True, blank=True)
    drive_ends_on = models.DateField(_("emulation drive ends on"), null=True, blank=True)

    # An import claiming more residents whom other trees' units guide is held (issue 17).
    claims_review_threshold = models.PositiveIntegerField(
        _("claims of other units' residents held for review above"),
        default=5,
        help_text=_(
            "An import that would record more residents already guided by units of other "
            "trees is refused unless the district administrator imports it."
        ),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
                violation_error_message=_("A campaign cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def quota_for(self, category):
        """The number of full cases a member of `category` should guide."""
        return {
            MemberCategory.CADRE: self.quota_cadre,
            MemberCategory.MEMBER: self.quota_member,
            MemberCategory.CIVIL_SERVANT: self.quota_civil_servant,
            MemberCategory.ARMED_FORCES: self.quota_armed_forces,
        }[category]


class ResidentCategory(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    CADRE = "cadre", _("Cadre")
    MEMBER = "member", _("Union member")
    CIVIL_SERVANT = "civil_servant", _("Civil servant / public employee")
    ARMED_FORCES = "armed_forces", _("Armed forces")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Resident(Recorded):
    """A person guided to activate their e-ID, known by their personal ID number."""

    # Unique by a named constraint rather than unique=True: on PostgreSQL the latter adds a
    # second (pattern) index that no search uses and every import pays for.
    id_number = models.CharField(_("ID number"), max_length=12, validators=[ID_NUMBER_VALIDATOR])
    full_name = models.CharField(_("full name"), max_length=255)
    # The name folded for search (no case, no diacritics): a search over a province's
    # million residents reads it instead of folding every name again.
    search_name = FoldedNameField(source="full_name")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    village = models.CharField(_("village"), max_length=100, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=ResidentCategory.choices,
        default=ResidentCategory.RESIDENT,
        help_text=_("Anyone but a resident is excluded from every credited count."),
    )
    # Kept ready at write time by campaign.claims: the ID number is on a member roster
    # (any unit's, active or not). Read, with the category, by the rule `resident_not_cadre`.
    on_roster = models.BooleanField(_("on a member roster"), default=False, editable=False)
    # Whose record the details above are: the top unit of the tree whose case first held the
    # resident. Every other tree's typed details are its own ResidentRecord, so that no tree
    # overwrites, hides or reveals another's (the ID number stays one: double claims are
    # still found). Blank only until the first case is written (campaign.owners settles it).
    tree = models.ForeignKey(
        Unit,
        verbose_name=_("details recorded by the tree of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
    )

    history = HistoricalRecords(excluded_fields=["search_name"], get_user=history_author)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["full_name", "id_number"]
        # The resident list and the double-claim register page through residents by name.
        indexes = [models.Index(fields=["full_name", "id"], name="resident_name_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                name="resident_id_number_unique",
                violation_error_message=_("A resident with this ID number is already recorded."),
            ),
        ]

    # The resident's personal data (Law 91/2025/QH15), declared once. DETAILS: the details a
    # form or a workbook gives (besides the ID number, which names the resident): what the
    # services write and the importer reads and merges. MASKED: the fields shown masked where
    # they are not needed whole, in a page's order (privacy.masking says how). Privacy's
    # scope, rights, retention and reveal, and the admin, read these two.
    DETAILS = (
        "full_name",
        "birth_date",
        "sex",
        "phone",
        "address",
        "village",
        "commune",
        "category",
    )
    MASKED = ("id_number", "birth_date", "phone", "address")

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("campaign:resident_detail", args=[self.pk])

    @property
    def declared_category(self):
        """The category's label when the resident is declared other than a resident (a cadre,
        a union member...), which no credited count includes; None for a resident."""
        if self.category == ResidentCategory.RESIDENT:
            return None
        return self.get_category_display()


class ResidentRecord(Recorded):
    """What the units of one tree (named by its top unit) typed about a resident whose
    Resident row holds another tree's details. Only that tree's users see it."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="records"
    )
    tree = models.ForeignKey(
        Unit,
        verbose_name=_("top unit of the tree"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    village = models.CharField(_("village"), max_length=100, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)

    history = HistoricalRecords(get_user=history_author)

    # The details a tree keeps as its own: every one but the category, which the rules read
    # for every tree alike (and only a user who edits every case may change).
    DETAILS = ("full_name", "birth_date", "sex", "phone", "address", "village", "commune")

    class Meta:
        verbose_name = _("a tree's record of a resident")
        verbose_name_plural = _("trees' records of residents")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "tree"],
                name="resident_record_one_per_tree",
                violation_error_message=_("This tree already has a record of this resident."),
            ),
        ]

    def __str__(self):
        return self.full_name


def merge_resident_details(recorded, given, *, overwrite):
    """A resident's details once `given` (typed in a form, or read from a workbook) meets
    `recorded` (both dicts of `Resident.DETAILS`). With `overwrite` (the writer may edit every
    case of the resident) each given detail that is not blank replaces the recorded one;
    otherwise only blank recorded details are filled in, so that a user of one unit cannot
    rewrite a person recorded by another unit. Returns (the merged details, whether a given
    detail differs from the one kept). The one policy of the forms and the importer."""
    merged, kept = dict(recorded), False
    for key, value in given.items():
        if value in (None, "") or recorded.get(key) == value:
            continue
        if overwrite or recorded.get(key) in (None, ""):
            merged[key] = value
        else:
            kept = True
    return merged, kept


class Place(models.TextChoices):
    HOME = "home", _("At home")
    COMMUNITY_HALL = "community_hall", _("Community hall")
    MARKET = "market", _("Market")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital or health station")
    BUS_STATION = "bus_station", _("Bus station")
    OFFICE = "office", _("Office, when filing a procedure")
    VOLUNTEER_SATURDAY = "volunteer_saturday", _("Volunteer Saturday")
    OTHER = "other", _("Other")


NO_PLACE = _("No place given")  # a case or an activity that names no place


class CaseQuerySet(models.QuerySet):
    def of_campaign(self, campaign):
        return self.filter(campaign=campaign)

    def visible_to(self, user):
        """Cases whose guide belongs to a unit `user` may see, and the user's own cases."""
        return self.filter(_visible(user))

    def hidden_from(self, user):
        """The other cases: `visible_to`'s condition negated, row by row (not an anti-join
        against every visible case, a million of them for a district)."""
        return self.exclude(_visible(user))

    def editable_by(self, user):
        """Cases of the units `user` may edit, and the user's own cases."""
        return self.filter(_editable(user))

    def not_editable_by(self, user):
        return self.exclude(_editable(user))


def _visible(user):
    return Q(member__unit__in=Unit.objects.visible_to(user)) | _own_cases(user)


def _editable(user):
    return Q(member__unit__in=Unit.objects.editable_by(user)) | _own_cases(user)


def _own_cases(user):
    if not signed_in(user):
        return Q(pk__in=[])
    return Q(member__user=user, member__active=True)


class _CaseHistory(HistoricalRecords):
    """The case's history, without `official`: not a column but the join to the list (an
    excluded field would be read back from the case when a version is rebuilt)."""

    def fields_included(self, model):
        return [f for f in super().fields_included(model) if f.name != "official"]


class Case(Recorded):
    """One resident guided by one member in one campaign."""

    class Level(models.IntegerChoices):
        ONE = 1, _("Level 1")
        TWO = 2, _("Level 2")

    # Indexes: the unique (resident, campaign, member) one serves the resident; member has its
    # own; the campaign needs none (every figure reads all of a campaign's cases). Each index
    # costs every imported row: none is kept that no query uses.
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    member = models.ForeignKey(
        "units.Member",
        verbose_name=_("guided by"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    eid_level = models.PositiveSmallIntegerField(
        _("e-ID level"),
        choices=Level.choices,
        null=True,
        blank=True,
        help_text=_("Blank: the account is not activated yet."),
    )
    activated_on = models.DateField(_("e-ID activated on"), null=True, blank=True)
    portal_used = models.BooleanField(_("portal account activated and used"), default=False)
    id_card_application = models.BooleanField(_("ID card application collected"), default=False)
    guided_on = models.DateField(_("guided on"), null=True, blank=True)
    place = models.CharField(_("where"), max_length=20, choices=Place.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The outreach activity at which the resident was guided (it changes no figure).
    activity = models.ForeignKey(
        "campaign.Activity",
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )

    # The activation list's row for this case's resident in its campaign (none: not on the
    # list in force, or no list). Not a column: the list stays in its own table and is
    # joined on (campaign, resident) when read (campaign.verification), so that an import
    # of the list writes the list alone, never the cases.
    official = models.ForeignObject(
        "campaign.ActivationEntry",
        on_delete=models.DO_NOTHING,
        from_fields=("campaign", "resident"),
        to_fields=("campaign", "resident"),
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # Rule inputs kept ready at write time by campaign.claims (never typed in):
    # how many members claim this resident in this campaign, whether the resident is excluded
    # as a cadre, and whether a resolved double claim awards this case.
    claimants = models.PositiveSmallIntegerField(_("claimants"), default=1, editable=False)
    resident_excluded = models.BooleanField(
        _("resident excluded (a cadre)"), default=False, editable=False
    )
    claim_awarded = models.BooleanField(
        _("awarded by a double-claim resolution"), default=False, editable=False
    )

    objects = CaseQuerySet.as_manager()

    # A case's details as a form or a workbook gives them (besides its campaign, resident and
    # guide): what the services write and the importer compares, merges and writes.
    DETAILS = (
        "eid_level",
        "activated_on",
        "portal_used",
        "id_card_application",
        "guided_on",
        "place",
        "note",
        "activity_id",
    )

    history = _CaseHistory(get_user=history_author)

    def clean_fields(self, exclude=None):
        # `official` is the join to the list, nothing to validate: reading it would query.
        super().clean_fields(exclude={*(exclude or ()), "official"})

    def refresh_from_db(self, *args, **kwargs):
        # `official` is not a column: Django keeps its cached row through a refresh.
        self._state.fields_cache.pop("official", None)
        super().refresh_from_db(*args, **kwargs)

    # The list's values for the case (None: not on the list), read through `official`: a
    # query unless the case was read with select_related("official").
    def official_entry(self):
        try:
            return self.official
        except ActivationEntry.DoesNotExist:
            self._state.fields_cache["official"] = None  # asked once, as select_related would
            return None

    @property
    def official_level(self):
        entry = self.official_entry()
        return entry.eid_level if entry is not None else None

    @property
    def official_activated_on(self):
        entry = self.official_entry()
        return entry.activated_on if entry is not None else None

    @property
    def official_portal(self):
        entry = self.official_entry()
        return entry.portal_used if entry is not None else None

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-guided_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "campaign", "member"],
                name="case_one_per_resident_and_guide",
                violation_error_message=_("This member already guides this resident."),
            ),
            models.CheckConstraint(
                condition=Q(eid_level__isnull=True, activated_on__isnull=True)
                | Q(eid_level__isnull=False, activated_on__isnull=False),
                name="case_level_and_activation_date_together",
                violation_error_message=_(
                    "Give both the e-ID level and the activation date, or neither."
                ),
            ),
        ]
        indexes = [
            # The double-claim register reads only the few cases claimed twice or more.
            models.Index(
                fields=["campaign", "resident"],
                condition=Q(claimants__gt=1),
                name="case_double_claimed",
            ),
            # The outreach yield and an activity's page read the cases that name one; the
            # many that name none cost the index nothing.
            models.Index(
                fields=["activity"],
                condition=Q(activity__isnull=False),
                name="case_activity",
            ),
        ]

    def __str__(self):
        return f"{self.resident} ← {self.member}"

    def get_absolute_url(self):
        return reverse("campaign:case_edit", args=[self.pk])


class DoubleClaimResolution(models.Model):
    """A district administrator's decision on a resident claimed by two or more members:
    the case is awarded to one named member, or confirmed to be credited to nobody."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="resolutions",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="resolutions",
    )
    awarded_to = models.ForeignKey(
        "units.Member",
        verbose_name=_("credited to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awarded_resolutions",
        help_text=_("Blank: nobody is credited."),
    )
    reason = models.TextField(_("reason"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    history = HistoricalRecords(get_user=history_author)

    class Meta:
        verbose_name = _("double claim resolution")
        verbose_name_plural = _("double claim resolutions")
        ordering = ["-resolved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "resident"],
                condition=Q(undone_at__isnull=True),
                name="resolution_one_standing_per_resident",
                violation_error_message=_("This double claim is already resolved."),
            ),
        ]

    def __str__(self):
        return f"{self.resident} → {self.awarded_to or '—'}"


class OfflineBatch(models.Model):
    """Cases typed on a phone without a signal, received together when it came back: who
    sent them, when, and how many (Law 91: the arrival of personal data is on record)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="offline_batches",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    key = models.UUIDField(_("batch key"))
    cases = models.PositiveIntegerField(_("cases received"))
    recorded = models.PositiveIntegerField(_("cases recorded"), default=0)
    already_recorded = models.PositiveIntegerField(_("cases already recorded"), default=0)
    refused = models.PositiveIntegerField(_("cases refused"), default=0)

    class Meta:
        verbose_name = _("offline batch")
        verbose_name_plural = _("offline batches")
        ordering = ["-received_at"]
        # A batch's key is looked up to refuse another user's replay of it.
        indexes = [models.Index(fields=["key"], name="offline_batch_key")]

    def __str__(self):
        return f"{self.user} · {moment(self.received_at)} · {self.cases}"


class OfflineCaseKey(models.Model):
    """The key a phone made for a case typed offline. A resend of the case (its answer was
    lost) finds the key and records nothing twice; the key stays when the case is deleted
    later, so an old resend does not bring the case back."""

    key = models.UUIDField(_("case key"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="offline_case_keys",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="offline_keys",
    )
    batch = models.ForeignKey(
        OfflineBatch,
        verbose_name=_("batch"),
        on_delete=models.CASCADE,
        related_name="keys",
    )

    class Meta:
        verbose_name = _("offline case key")
        verbose_name_plural = _("offline case keys")

    def __str__(self):
        return str(self.key)


class ActivationList(models.Model):
    """One import of the police's activation list for a campaign (rules.md, verification):
    who imported it, when, the file's SHA-256 and its rows. The latest is the list in force;
    only its rows are kept (ActivationEntry), the earlier imports' records stay."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="activation_lists",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("file SHA-256"), max_length=64)
    # Of the rows as read (whatever the file's form, .xlsx or CSV): the same list imported
    # again changes nothing.
    content_sha256 = models.CharField(_("rows SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    # Retention: the rows were removed with the campaign's personal data.
    rows_removed_at = models.DateTimeField(_("rows removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation list")
        verbose_name_plural = _("activation lists")
        ordering = ["-imported_at", "-pk"]
        get_latest_by = ["imported_at", "pk"]

    def __str__(self):
        return f"{self.campaign} · {moment(self.imported_at)}"


class ActivationEntry(models.Model):
    """One row of the list in force: an e-ID account activated in the police's area."""

    # Without foreign-key constraints in the database (the deletions cascade in Django): a
    # 500,000-row list would otherwise check both keys row by row as it is written, which
    # costs more than writing it. Only the import writes these rows, with keys it has made.
    activation_list = models.ForeignKey(
        ActivationList,
        verbose_name=_("activation list"),
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
    )
    # Blank (NULL) once retention removed the list's rows: the level, day and portal answer
    # the list gave the resident stay, as the typed values do, so the figures stay.
    id_number = models.CharField(_("ID number"), max_length=12, null=True, blank=True)  # noqa: DJ001
    # The resident with this ID number (set at the import, and by every write that adds a
    # resident or changes one's ID number): the cases join the list on (campaign, resident).
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    eid_level = models.PositiveSmallIntegerField(_("e-ID level"))
    activated_on = models.DateField(_("e-ID activated on"))
    portal_used = models.BooleanField(_("portal account used"), null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation list row")
        verbose_name_plural = _("activation list rows")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "id_number"], name="activation_entry_one_per_id_number"
            ),
            models.UniqueConstraint(
                fields=["campaign", "resident"], name="activation_entry_one_per_resident"
            ),
        ]

    def __str__(self):
        return self.id_number or ""


def plan_campaign_defaults():
    """The settings of the signed plan (slug vneid-2023), used by the data migration."""
    return {
        "name": "Tuyên truyền, hướng dẫn kích hoạt tài khoản định danh điện tử và "
        "dịch vụ công trực tuyến 2023",
        "starts_on": datetime.date(2023, 4, 21),
        "activation_starts_on": datetime.date(2023, 4, 21),
        "drive_starts_on": datetime.date(2023, 4, 20),
        "drive_ends_on": datetime.date(2023, 6, 20),
    }


class ClaimNotice(models.Model):
    """A case of one tree's unit written for a resident whom another tree's unit already
    guides in the campaign: the double claim takes the credit from both, so the losing unit
    is told who claimed them and when (campaign.claim_notices)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    claimed_by = models.ForeignKey(
        Unit, verbose_name=_("claimed by"), on_delete=models.CASCADE, related_name="+"
    )
    losing_unit = models.ForeignKey(
        Unit, verbose_name=_("losing unit"), on_delete=models.CASCADE, related_name="+"
    )
    # The losing unit's case (gone: the notice stays, the case it named is deleted).
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    seen = models.BooleanField(_("seen"), default=False)

    class Meta:
        verbose_name = _("claim notice")
        verbose_name_plural = _("claim notices")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "resident", "claimed_by", "losing_unit"],
                name="claim_notice_once",
            )
        ]
        indexes = [models.Index(fields=["losing_unit", "-created_at"], name="claim_notice_unit")]

    def __str__(self):
        return f"{self.claimed_by_id} → {self.losing_unit_id}: {self.resident_id}"


class ImportReviewQuerySet(models.QuerySet):
    def decidable_by(self, user):
        """The held imports `user` may approve or refuse (not their own): those whose every
        touched unit (the claiming units and the units losing credit) is one they
        administer. One query (units.models.administers_path)."""
        if not signed_in(user):
            return self.none()
        touched = ImportReview.units.through.objects.filter(importreview_id=OuterRef("pk"))
        outside = touched.exclude(administers_path(user, OuterRef("unit__path")))
        mine = UnitRole.objects.filter(user=user, role__in=ADMINISTERS)
        reviews = self.exclude(Exists(outside)).exclude(owner=user)
        return reviews if user.is_superuser else reviews.filter(Exists(mine))

    def waiting(self):
        return self.filter(status=ImportReview.Status.WAITING)


class ImportReview(models.Model):
    """A workbook import held because it would claim more residents whom units of other
    trees guide than the campaign's `claims_review_threshold`: it waits for the district
    administrator's decision before its owner can confirm it (campaign.import_reviews). The
    approval covers the residents the checked plan claims, no more."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for review")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    # The upload's folder (importing.storage): one review per upload.
    token = models.CharField(_("upload"), max_length=32, unique=True)
    name = models.CharField(_("file name"), max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    # The residents the checked plan claims (primary keys, sorted): what an approval covers.
    claimed = models.JSONField(_("residents claimed"), default=list, editable=False)
    claimed_count = models.PositiveIntegerField(_("residents claimed"), default=0)
    # [[code, name]] of the file's claiming units; [[code, name, residents]] of the losing.
    claiming = models.JSONField(_("claiming units"), default=list)
    losing = models.JSONField(_("units losing credit"), default=list)
    # The recorded units the claims touch: only an administrator of them all decides.
    units = models.ManyToManyField(Unit, verbose_name=_("units touched"), related_name="+")
    created_at = models.DateTimeField(_("held at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    history = HistoricalRecords(get_user=history_author, excluded_fields=["claimed"])

    objects = ImportReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("held import")
        verbose_name_plural = _("held imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"

    def covers(self, residents):
        """Whether this approval covers claiming `residents` (pks): approved, no more."""
        return self.status == self.Status.APPROVED and set(residents) <= set(self.claimed)
