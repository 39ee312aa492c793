"""The reports a page tells its user about, wherever it stands: the home page (units, a lower
layer) loads these tags rather than importing the reports app."""

from django import template
from django.db.models import Exists, OuterRef

from reports.models import Submission
from units.models import Unit

register = template.Library()


@register.simple_tag(takes_context=True)
def reports_to_send_again(context):
    """The reports of the units the user may edit that were reopened and not sent again (the
    last version of each unit's period): its secretary must learn it on arriving, with the
    reason and the button to send it again, expected unit or not."""
    user = context["request"].user
    later = Submission.objects.filter(
        unit=OuterRef("unit"), period=OuterRef("period"), version__gt=OuterRef("version")
    )
    return list(
        Submission.objects.filter(
            unit__in=Unit.objects.editable_by(user), reopened_at__isnull=False
        )
        .exclude(Exists(later))
        .select_related("unit", "period", "reopened_by")
        .order_by("-reopened_at")[:20]
    )
