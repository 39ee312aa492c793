"""Who made a version of a record, for django-simple-history (kept free of imports: the
models import it)."""


def history_author(instance=None, request=None, **kwargs):
    """The signed-in user of the request; outside a request (a command, a test, a service
    called directly), the author the write stamped on the row (units.models.Recorded)."""
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return user
    return getattr(instance, "updated_by", None)
