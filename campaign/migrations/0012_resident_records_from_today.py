"""Each resident's details become the record of the tree whose case holds them.

A resident guided in one tree: the Resident row is that tree's record. A resident guided in
several: the row stays the record of the tree of whoever recorded them first (their
creator's, else the tree of the earliest case), as that tree last typed them (the history
says); every other tree gets its own record, as its users last typed them, or none when
nobody of it typed anything (its users then see the person unnamed, as before).
"""

from django.db import migrations
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Cast, Substr

DETAILS = ("full_name", "birth_date", "sex", "phone", "address", "village", "commune")
DIGITS = 9


def tree_of(path):
    return int(path[1 : 1 + DIGITS])


def forward(apps, schema_editor):
    Resident = apps.get_model("campaign", "Resident")
    Case = apps.get_model("campaign", "Case")
    Record = apps.get_model("campaign", "ResidentRecord")
    History = apps.get_model("campaign", "HistoricalResident")
    UnitRole = apps.get_model("units", "UnitRole")
    Member = apps.get_model("units", "Member")

    first = Subquery(
        Case.objects.filter(resident=OuterRef("pk"))
        .order_by("pk")
        .annotate(t=Cast(Substr("member__unit__path", 2, DIGITS), IntegerField()))
        .values("t")[:1]
    )
    Resident.objects.filter(tree__isnull=True).update(tree=first)

    trees_by_resident = {}
    for resident_id, path in (
        Case.objects.order_by("pk").values_list("resident_id", "member__unit__path").iterator()
    ):
        trees_by_resident.setdefault(resident_id, []).append(tree_of(path))
    shared = {
        pk: list(dict.fromkeys(trees)) for pk, trees in trees_by_resident.items() if len(set(trees)) > 1
    }
    if not shared:
        return
    editors = {}  # user pk -> trees they write in
    for user_id, path in UnitRole.objects.filter(role__in=["admin", "secretary"]).values_list(
        "user_id", "unit__path"
    ):
        editors.setdefault(user_id, set()).add(tree_of(path))
    for user_id, path in Member.objects.filter(user__isnull=False).values_list(
        "user_id", "unit__path"
    ):
        editors.setdefault(user_id, set()).add(tree_of(path))

    for resident in Resident.objects.filter(pk__in=list(shared)):
        trees = shared[resident.pk]
        creator = editors.get(resident.created_by_id, set())
        owner = next((t for t in trees if t in creator), trees[0])
        typed = {}
        for version in History.objects.filter(id=resident.pk).order_by("history_date"):
            for tree in editors.get(version.history_user_id, ()):
                if tree in trees:
                    typed[tree] = {key: getattr(version, key) for key in DETAILS}
        if owner in typed:
            for key, value in typed[owner].items():
                setattr(resident, key, value)
        resident.tree_id = owner
        resident.save()
        for tree in trees:
            if tree != owner and tree in typed:
                Record.objects.update_or_create(
                    resident_id=resident.pk,
                    tree_id=tree,
                    defaults={
                        **{k: v if v is not None or k == "birth_date" else "" for k, v in typed[tree].items()},
                        "created_by_id": resident.created_by_id,
                    },
                )


class Migration(migrations.Migration):
    dependencies = [("campaign", "0011_resident_records"), ("units", "0006_padded_paths")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
