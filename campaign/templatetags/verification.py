"""A case's verification status against the activation list, wherever a case is shown."""

from django import template

from campaign import verification

register = template.Library()

CLASSES = {
    verification.VERIFIED: "ok",
    verification.DIFFERS: "warn",
    verification.NOT_FOUND: "err",
    verification.NOT_CHECKED: "",
}


@register.inclusion_tag("campaign/case_verification.html")
def case_verification(case, campaign=None, detailed=False):
    """The status tag of `case` (its `verification` annotation, or worked out from its kept
    list values); with `detailed`, the typed and the list's values side by side."""
    campaign = campaign or case.campaign
    status = getattr(case, "verification", None) or verification.status_of(case, campaign)
    return {
        "status": status,
        "label": verification.LABELS[status],
        "css": CLASSES[status],
        "shown": status != verification.NOT_CHECKED,
        "differences": verification.differences(case)
        if detailed and status == verification.DIFFERS
        else [],
        "advice": verification.ADVICE.get(status, "") if detailed else "",
    }
