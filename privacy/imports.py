"""An import recorded as one event (privacy.models.ImportEvent)."""

import hashlib
import json
from pathlib import Path

from .models import ImportEvent


def record_import(*, plan, path, resident_ids):
    """Record that `plan` (campaign.importing.ImportPlan) was written from the file at
    `path`, writing or guiding the residents `resident_ids`. Called inside the import's
    transaction: no event without the rows, no rows without the event."""
    path = Path(path)
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    user = plan.user if getattr(plan.user, "is_authenticated", False) else None
    ImportEvent.objects.create(
        user=user,
        campaign=plan.campaign,
        file_name=_name_given(path)[:255],
        file_sha256=digest.hexdigest(),
        counts={
            key: {"new": c.new, "changed": c.changed, "unchanged": c.unchanged}
            for key, c in plan.counts.items()
        },
        resident_ids=sorted(set(resident_ids)),
    )


def _name_given(path):
    """The name the user gave the file: the web keeps the upload as "upload", with the
    name it was sent under in meta.json beside it."""
    meta = path.parent / "meta.json"
    if path.name == "upload" and meta.exists():
        try:
            return json.loads(meta.read_text())["name"]
        except (ValueError, KeyError, OSError):
            pass
    return path.name
