"""How often one user may ask whether an ID number is known (the case form's look-up).

The count is that of the user's own look-up records of the last minute, so the limit holds
across processes and servers with nothing kept in memory, and each use is recorded anyway.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import PersonalDataAccess


def lookups_left(user):
    since = timezone.now() - datetime.timedelta(minutes=1)
    used = PersonalDataAccess.objects.filter(
        user=user, action=PersonalDataAccess.Action.LOOKUP, at__gte=since
    ).count()
    return settings.ID_LOOKUPS_PER_MINUTE - used
