"""The organisation: units (a tree of any depth), their members, and who may see which units."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.formats import day

ID_NUMBER_VALIDATOR = RegexValidator(r"^\d{12}$", _("The ID number must have 12 digits."))
# A unit code: unaccented letters, digits, dots, dashes and underscores (also the pattern of
# the unit pages' URLs, so a code no unit can have is not found before any query).
UNIT_CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._\-]*"
UNIT_CODE_VALIDATOR = RegexValidator(
    rf"^{UNIT_CODE_PATTERN}$",
    _("A unit code may contain only unaccented letters, digits, dots, dashes and underscores."),
)


def signed_in(user):
    """The door's first question: a signed-in user whose account is active. Anyone else
    (anonymous, or an account switched off) may see nothing and do nothing."""
    return getattr(user, "is_authenticated", False) and user.is_active


def history_author(instance=None, request=None, **kwargs):
    """Who made a version of a record, for django-simple-history: the signed-in user of the
    request; outside a request (a command, a test, a service called directly), the author
    the write stamped on the row (Recorded)."""
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return user
    return getattr(instance, "updated_by", None)


class Recorded(models.Model):
    """Who recorded a row and who last changed it, and when: kept on every write."""

    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    # Not indexed: nothing looks rows up by author, and every index slows the bulk import.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,
    )

    class Meta:
        abstract = True

    def stamp(self, user):
        """Record `user` as the author of this write (and of the row, if it is new)."""
        user = user if getattr(user, "is_authenticated", False) else None
        if self._state.adding and self.created_by_id is None:
            self.created_by = user
        self.updated_by = user


class UnitKind(models.TextChoices):
    POLICE = "police", _("Police")
    YOUTH_UNION = "youth_union", _("Youth Union")
    WOMENS_UNION = "womens_union", _("Women's Union")
    YOUTH_FEDERATION = "youth_federation", _("Youth Federation")


PATH_DIGITS = 9


def path_segment(pk):
    """A unit's part of the materialised paths: its primary key padded to PATH_DIGITS."""
    return f"{pk:0{PATH_DIGITS}d}/"


def padded_path(path):
    """An unpadded path ("/1/11/", as stored before) in today's form."""
    return "/" + "".join(path_segment(int(pk)) for pk in path.strip("/").split("/") if pk)


class UnitQuerySet(models.QuerySet):
    def open(self, on=None):
        """Units not closed on the day `on` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))

    def subtree(self, unit):
        """`unit` and every unit below it, however deep."""
        return self.filter(path__startswith=unit.path)

    def visible_to(self, user):
        """The units `user` may see: every unit under a unit they hold a role in."""
        return self._under_roles(user, SEES)

    def sees_every_unit(self, user):
        """Whether `user` may see every unit (a district administrator, say): one query."""
        return not self.exclude(pk__in=self.visible_to(user)).exists()

    def editable_by(self, user):
        """The units whose data `user` may enter and change (administrators, secretaries)."""
        return self._under_roles(user, EDITS)

    def administered_by(self, user):
        """The units in which `user` acts as district administrator."""
        return self._under_roles(user, ADMINISTERS)

    def outside_paths(self, paths):
        """The units under none of the materialised `paths`."""
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.exclude(condition)

    def administers_all(self, user) -> bool:
        """Whether `user` administers every unit (a district administrator): two queries."""
        administered = self.administered_by(user)  # the user's admin roles
        if administered.query.is_empty():
            return False
        return not self.exclude(pk__in=administered).exists()

    def _under_roles(self, user, roles):
        if not signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        paths = list(
            UnitRole.objects.filter(user=user, role__in=roles).values_list("unit__path", flat=True)
        )
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Unit(models.Model):
    """A unit of the campaign: a police team or post, a Youth Union, Women's Union or Youth
    Federation branch, at any level of a tree whose depth is not fixed."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[UNIT_CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of primary keys, each of PATH_DIGITS digits ("/000000001/000000007/"):
    # a subtree is one indexed prefix match, and ordering by path lists each unit's sub-units
    # under it in the order they were made (unpadded, "/1/11/" came before "/1/2/").
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("The last day the unit existed; blank while it is open."),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_author)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
                violation_error_message=_("A unit cannot close before it opens."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            old_path = self.path
            new_path = (self.parent.path if self.parent_id else "/") + path_segment(self.pk)
            if old_path != new_path:
                Unit.objects.filter(pk=self.pk).update(path=new_path)
                self.path = new_path
                if old_path:
                    self._move_descendants(old_path, new_path)

    def get_absolute_url(self):
        return reverse("units:unit_detail", args=[self.code])

    @property
    def depth(self):
        return self.path.count("/") - 1

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id and self.pk:
            if self.parent_id == self.pk or (self.parent.path or "").startswith(self.path or "\0"):
                raise ValidationError({"parent": _("A unit cannot be placed under itself.")})

    def _move_descendants(self, old_path, new_path):
        """One UPDATE for the whole subtree: the old prefix replaced by the new one."""
        Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
            path=Concat(
                Value(new_path), Substr("path", len(old_path) + 1), output_field=models.CharField()
            )
        )

    @classmethod
    def rebuild_paths(cls):
        """Recompute every unit's path from the parent links (after bulk inserts)."""
        units = {u.pk: u for u in cls.objects.only("pk", "parent_id", "path")}
        paths = {}

        def path_of(pk, seen=()):
            if pk not in paths:
                parent = units[pk].parent_id
                if parent in seen:
                    raise ValueError("unit tree has a cycle")
                paths[pk] = (path_of(parent, seen + (pk,)) if parent else "/") + path_segment(pk)
            return paths[pk]

        changed = []
        for pk, unit in units.items():
            if unit.path != path_of(pk):
                unit.path = paths[pk]
                changed.append(unit)
        cls.objects.bulk_update(changed, ["path"], batch_size=1000)
        return len(changed)


class MemberCategory(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    MEMBER = "member", _("Union member")
    CIVIL_SERVANT = "civil_servant", _("Civil servant / public employee")
    ARMED_FORCES = "armed_forces", _("Armed forces")


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def within(self, units):
        """Members of the given units (a Unit queryset or list)."""
        return self.filter(unit__in=units)

    def visible_to(self, user):
        """Members of the units `user` may see, and the user's own member record."""
        return self.filter(Q(unit__in=Unit.objects.visible_to(user)) | _own(user))

    def editable_by(self, user):
        return self.filter(unit__in=Unit.objects.editable_by(user))

    def own_of(self, user):
        """The active member whose account `user` is (none, or one): a member who records
        their own cases."""
        return self.filter(_own(user), active=True)

    def guides_for(self, user):
        """Active members `user` may record cases for: those of the units they may edit,
        and themselves when their account is a member's."""
        return self.filter(Q(unit__in=Unit.objects.editable_by(user)) | _own(user), active=True)


def _own(user):
    """The condition "this member is `user`" (never true for anonymous users)."""
    if not signed_in(user):
        return Q(pk__in=[])
    return Q(user=user)


class Member(Recorded):
    """A person on a unit's roster who guides residents: a cadre, union member, civil
    servant or officer. Their ID number also excludes them from being counted as a resident."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=255)
    id_number = models.CharField(
        _("ID number"), max_length=12, unique=True, validators=[ID_NUMBER_VALIDATOR]
    )
    category = models.CharField(_("category"), max_length=20, choices=MemberCategory.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
        help_text=_("Lets the member record and read their own cases, whatever their unit roles."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Members who left keep their results but no longer count in their unit's size."
        ),
    )
    # Own compliance (plan II.1).
    has_level2_account = models.BooleanField(_("has a level-2 e-ID account"), default=False)
    vneid_activated = models.BooleanField(_("VNeID activated"), default=False)
    portal_used = models.BooleanField(_("uses the public service portal"), default=False)
    own_procedures_online = models.PositiveIntegerField(_("own procedures filed online"), default=0)
    own_procedures_total = models.PositiveIntegerField(_("own procedures in total"), default=0)
    family_procedures_online = models.PositiveIntegerField(
        _("family procedures filed online"), default=0
    )
    family_procedures_total = models.PositiveIntegerField(
        _("family procedures in total"), default=0
    )

    objects = MemberQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_author)

    # The member's personal data (Law 91/2025/QH15), declared once, as Resident's: the
    # details a form or a workbook gives besides the ID number (what the importer compares
    # and writes), and the fields shown masked where they are not needed whole.
    DETAILS = ("full_name", "category", "birth_date", "phone")
    MASKED = ("id_number", "birth_date", "phone")

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["unit__path", "full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(own_procedures_online__lte=models.F("own_procedures_total")),
                name="member_own_procedures_within_total",
                violation_error_message=_("Procedures filed online cannot exceed the total."),
            ),
            models.CheckConstraint(
                condition=Q(family_procedures_online__lte=models.F("family_procedures_total")),
                name="member_family_procedures_within_total",
                violation_error_message=_("Procedures filed online cannot exceed the total."),
            ),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("units:member_detail", args=[self.pk])


class UnitRole(models.Model):
    """A user's responsibility for a unit and everything under it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("District administrator")
        SECRETARY = "secretary", _("Unit secretary")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="unit_roles",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    history = HistoricalRecords(get_user=history_author)

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"],
                name="unit_role_one_per_user_and_unit",
                violation_error_message=_("This user already has a role in this unit."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit.code}"


# The door's role groups: who sees, who enters and changes data, who administers (every
# unit under a unit of the role). The querysets above and the menu read them.
SEES = frozenset(UnitRole.Role.values)
EDITS = frozenset({UnitRole.Role.ADMIN, UnitRole.Role.SECRETARY})
ADMINISTERS = frozenset({UnitRole.Role.ADMIN})


def administers_path(user, path):
    """The door's `administered_by` as a condition of another query: `user` administers
    the unit whose materialised path is `path` (an expression: `OuterRef("unit__path")`).
    For a list filtered in one query (a superuser administers every unit)."""
    if not signed_in(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    roles = (
        UnitRole.objects.filter(user=user, role__in=ADMINISTERS)
        .annotate(below=models.ExpressionWrapper(path, output_field=models.CharField()))
        .filter(below__startswith=models.F("unit__path"))
    )
    return models.Exists(roles)


# The dated changes of the units (closed, merged, split); the tree as it stood on a day is
# worked out from them in units/history.py.


class UnitChangeQuerySet(models.QuerySet):
    def standing(self):
        """Changes not undone."""
        return self.filter(undone_at__isnull=True)


class UnitChange(models.Model):
    """A dated change of the organisation: a unit closed, units merged into another, or a
    unit split into others; who made it and when, and who undid it."""

    class Kind(models.TextChoices):
        CLOSE = "close", _("Closure")
        MERGE = "merge", _("Merger")
        SPLIT = "split", _("Split")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    day = models.DateField(
        _("from the day"), help_text=_("The first day the units stand as changed.")
    )
    target = models.ForeignKey(
        Unit,
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_in",
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("units concerned"), related_name="changes", blank=True
    )
    # What the pages say: {"from": [[code, name]...], "to": [[code, name]...]}.
    summary = models.JSONField(_("summary"), default=dict)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    objects = UnitChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit change")
        verbose_name_plural = _("unit changes")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["day"], name="unit_change_day")]

    def __str__(self):
        return f"{self.get_kind_display()} · {day(self.day)}"

    def from_codes(self):
        return [code for code, _name in self.summary.get("from", [])]

    def to_codes(self):
        return [code for code, _name in self.summary.get("to", [])]


class UnitMove(models.Model):
    """One thing a change did: a member moved to another unit, a sub-unit placed under
    another parent, a user's role moved (or dropped: the user already held one in the
    unit), a unit closed (its former closing day kept), or a unit made by a split."""

    class What(models.TextChoices):
        MEMBER = "member", _("Member")
        SUBUNIT = "subunit", _("Sub-unit")
        ROLE = "role", _("User role")
        CLOSED = "closed", _("Unit closed")
        CREATED = "created", _("Unit made")

    change = models.ForeignKey(
        UnitChange, verbose_name=_("change"), on_delete=models.CASCADE, related_name="moves"
    )
    what = models.CharField(_("what"), max_length=10, choices=What.choices)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="moves"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="moves"
    )
    # A member's or a role's unit, a sub-unit's parent: before and after.
    from_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    role = models.CharField(max_length=20, blank=True)
    previous_valid_to = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("unit change move")
        verbose_name_plural = _("unit change moves")
        ordering = ["change", "pk"]

    def __str__(self):
        return f"{self.get_what_display()} ({self.change_id})"
