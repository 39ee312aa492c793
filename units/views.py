from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from .models import Unit


@login_required
def home(request):
    """The signed-in user's units, each with its size, as the starting point."""
    units = (
        Unit.objects.visible_to(request.user)
        .annotate(active_members=Count("members", filter=Q(members__active=True)))
        .select_related("parent")
    )
    return render(request, "units/home.html", {
        "units": units,
        "roles": request.user.unit_roles.select_related("unit"),
    })


@login_required
def unit_detail(request, code):
    unit = get_object_or_404(Unit.objects.visible_to(request.user), code=code)
    children = (
        unit.children.visible_to(request.user)
        .annotate(active_members=Count("members", filter=Q(members__active=True)))
    )
    members = unit.members.order_by("-active", "full_name")
    return render(request, "units/unit_detail.html", {
        "unit": unit, "children": children, "members": members,
    })
