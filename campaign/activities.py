"""Outreach activities (plan section III): a Volunteer Saturday, a training session, a
conference, a market day, a post on a union's page. A case may name the activity at which it
happened, so the district sees which forms of outreach bring credited cases. An activity
changes no figure of the rules (rules.md, "Activities").

Scope: an activity is visible to the users of every unit that organises it (and of the units
above them), and to those of the units below an organiser, who enter the cases it brought; it
is changed by the secretaries and administrators of any of its organising units.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.formats import day
from units.models import Member, Recorded, Unit

# The kinds of outreach the plan names (section III): code, name, held weekly, a post online.
# Migration campaign/0013 installs them; `ensure_plan_kinds` puts back any that are missing
# (a database flushed after migrating, as transactional tests leave it).
PLAN_KINDS = (
    ("volunteer_saturday", "Ngày Thứ Bảy tình nguyện", True, False),
    ("training", "Tập huấn cho cán bộ Đoàn, Hội", False, False),
    ("conference", "Hội nghị tuyên truyền", False, False),
    ("market", "Hướng dẫn tại chợ, phiên chợ", False, False),
    ("school", "Hướng dẫn tại trường học", False, False),
    ("hospital", "Hướng dẫn tại bệnh viện, trạm y tế", False, False),
    ("bus_station", "Hướng dẫn tại bến xe", False, False),
    ("community", "Hướng dẫn tại nhà văn hóa, khu dân cư", False, False),
    ("union_movement", "Phong trào, hoạt động an sinh của Đoàn, Hội", False, False),
    ("post", "Bài đăng Facebook, Zalo OA", False, True),
)


class ActivityKindQuerySet(models.QuerySet):
    def for_campaign(self, campaign):
        """The plan's kinds (every campaign's) and those `campaign` added."""
        return self.filter(Q(campaign__isnull=True) | Q(campaign=campaign))

    def ensure_plan_kinds(self):
        """Put back the plan's kinds that are missing; leave those present as they are."""
        for position, (code, name, weekly, post) in enumerate(PLAN_KINDS, start=1):
            self.get_or_create(
                campaign=None,
                code=code,
                defaults={
                    "name": name,
                    "position": position * 10,
                    "repeats_weekly": weekly,
                    "is_post": post,
                },
            )


class ActivityKind(models.Model):
    """A kind of outreach the plan names (Volunteer Saturday, training, conference, market
    day, post...), or one a campaign added."""

    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activity_kinds",
        help_text=_("Blank: a kind of the plan, offered in every campaign."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    repeats_weekly = models.BooleanField(
        _("held every week"),
        default=False,
        help_text=_("Offered to repeat weekly (the Volunteer Saturday)."),
    )
    is_post = models.BooleanField(
        _("a post online"), default=False, help_text=_("Has a link and a reach.")
    )

    objects = ActivityKindQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(campaign__isnull=True),
                name="activity_kind_plan_code_unique",
                violation_error_message=_("A kind with this code already exists."),
            ),
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="activity_kind_code_unique",
                violation_error_message=_("A kind with this code already exists."),
            ),
        ]

    def __str__(self):
        return self.name


def ancestor_pks(path):
    """The primary keys of a unit and of every unit above it, read from its path."""
    return [int(segment) for segment in path.strip("/").split("/") if segment]


def organiser_pks_seen_by(user):
    """The units whose activities `user` sees (sorted pks): those they see and every unit
    above one, and for a member's own account their unit and those above it; None when
    they see every unit."""
    if Unit.objects.sees_every_unit(user):
        return None
    pks = set()
    for path in Unit.objects.visible_to(user).values_list("path", flat=True):
        pks.update(ancestor_pks(path))
    for path in Member.objects.own_of(user).values_list("unit__path", flat=True):
        pks.update(ancestor_pks(path))
    return sorted(pks)


class ActivityQuerySet(models.QuerySet):
    def of_campaign(self, campaign):
        return self.filter(campaign=campaign)

    def visible_to(self, user):
        """Activities organised by a unit the user sees, by a unit above one (the district's
        Saturday, seen by a branch that enters its cases), or, for a member's own account,
        by their unit or one above it."""
        pks = organiser_pks_seen_by(user)
        if pks is None:
            return self.all()
        return self.filter(
            Exists(
                Activity.organisers.through.objects.filter(
                    activity_id=OuterRef("pk"), unit_id__in=pks
                )
            )
        )

    def editable_by(self, user):
        """Activities one of whose organising units the user may edit."""
        return self.filter(
            Exists(
                Activity.organisers.through.objects.filter(
                    activity_id=OuterRef("pk"), unit__in=Unit.objects.editable_by(user)
                )
            )
        )

    def linkable_for(self, member):
        """Activities a case guided by `member` may name: those organised by the member's
        unit or a unit above it."""
        return self.filter(
            Exists(
                Activity.organisers.through.objects.filter(
                    activity_id=OuterRef("pk"), unit_id__in=ancestor_pks(member.unit.path)
                )
            )
        )

    def day_first(self, day):
        """Those held on `day` first, then the latest first."""
        held = Q(starts_on__lte=day) & (
            Q(ends_on__isnull=True, starts_on=day) | Q(ends_on__gte=day)
        )
        # A CASE, not the condition itself: on PostgreSQL a NULL end day makes the condition
        # NULL, and NULLs come first in a descending order.
        return self.annotate(
            held_today=models.Case(
                models.When(held, then=models.Value(1)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            )
        ).order_by("-held_today", "-starts_on", "-pk")


class Activity(Recorded):
    """One outreach event: its kind, its days, its place, the units that organise it, the
    members who take part and what was used."""

    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    code = models.CharField(
        _("code"),
        max_length=30,
        blank=True,
        help_text=_("What the workbook's “Hoạt động” column may give. Blank: made for you."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.ForeignKey(
        ActivityKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="activities"
    )
    starts_on = models.DateField(_("day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    place = models.CharField(
        _("place"), max_length=255, blank=True, help_text=_("Village, commune, market...")
    )
    commune = models.CharField(
        _("commune"),
        max_length=100,
        blank=True,
        help_text=_("The commune (ward) where it was held: the yield is shown by commune."),
    )
    organisers = models.ManyToManyField(
        Unit, verbose_name=_("organised by"), related_name="organised_activities"
    )
    members = models.ManyToManyField(
        Member, verbose_name=_("members taking part"), related_name="activities", blank=True
    )
    hours = models.DecimalField(
        _("hours each member took part"), max_digits=5, decimal_places=1, default=4
    )
    banners = models.PositiveIntegerField(_("banners"), default=0)
    posters = models.PositiveIntegerField(_("posters"), default=0)
    leaflets = models.PositiveIntegerField(_("leaflets"), default=0)
    post_url = models.URLField(_("post link"), max_length=500, blank=True)
    reach = models.PositiveIntegerField(_("people reached"), null=True, blank=True)
    # The first Saturday of a weekly series; each Saturday is an activity of its own.
    series = models.ForeignKey(
        "self",
        verbose_name=_("weekly series of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["campaign", "starts_on"], name="activity_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="activity_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="activity_code_unique",
                violation_error_message=_("Another activity has this code."),
            ),
        ]

    def __str__(self):
        return self.name or self.title

    @property
    def title(self):
        """Kind, day and place: how an activity without a name is called."""
        text = f"{self.kind.name} {day(self.starts_on)}"
        return f"{text} – {self.place}" if self.place else text

    def get_absolute_url(self):
        return reverse("campaign:activity_edit", args=[self.pk])

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.code:  # a code the workbook can name, made from the row's key
            self.code = f"HD{self.pk:06d}"
            Activity.objects.filter(pk=self.pk).update(code=self.code)

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {
                    "ends_on": gettext(
                        "The last day (%(end)s) cannot be before the first day (%(start)s)."
                    )
                    % {"end": day(self.ends_on), "start": day(self.starts_on)}
                }
            )

    @property
    def materials(self):
        return self.banners + self.posters + self.leaflets
