"""Each resident's details become the record of the tree whose case holds them.

A resident guided in one tree: the Resident row is that tree's record. A resident guided in
several: the row stays the record of the tree of whoever recorded them first (their
creator's, else the tree of the earliest case), as that tree last typed them (the history
says); every other tree gets its own record, as its users last typed them, or none when
nobody of it typed anything (its users then see the person unnamed, as before).

Set-based: the cases are read once, in pk order, to find each resident's trees; the
residents without a tree get theirs in one UPDATE per tree and batch; only the residents
several trees guide are read again, a batch at a time with their history, and written back
with one bulk UPDATE and one bulk INSERT a batch. (It once saved each shared resident and
read its history one by one: more than 5 minutes on 110,000 residents on PostgreSQL.)
"""

from django.db import migrations
from django.utils import timezone

from units.normalize import fold

DETAILS = ("full_name", "birth_date", "sex", "phone", "address", "village", "commune")
DIGITS = 9
BATCH = 2000


def tree_of(path):
    return int(path[1 : 1 + DIGITS])


def batches(values, size=BATCH):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def update_rows(model, objects, attnames):
    """UPDATE each of `objects` (their `attnames` columns) by primary key: on PostgreSQL one
    statement a batch joining a VALUES list; else one prepared statement, executed for each.
    (Django's bulk_update spent half a minute building its CASE expressions for 2,400.)"""
    from django.db import connections

    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in attnames]
    columns = [f.column for f in fields]
    rows = [[getattr(o, n) for n in attnames] + [o.pk] for o in objects]
    rows = [
        [f.get_db_prep_save(v, connection) for f, v in zip(fields, row[:-1], strict=True)]
        + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)
            return
        casts = [f.db_type(connection) for f in fields] + ["bigint"]
        one = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
        names = ", ".join([*(quote(c) for c in columns), "id"])
        for batch in batches(rows, 500):
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([one] * len(batch))}) "
                f"AS v({names}) WHERE t.id = v.id",
                [value for row in batch for value in row],
            )


def forward(apps, schema_editor):
    Resident = apps.get_model("campaign", "Resident")
    Case = apps.get_model("campaign", "Case")
    Record = apps.get_model("campaign", "ResidentRecord")
    History = apps.get_model("campaign", "HistoricalResident")
    UnitRole = apps.get_model("units", "UnitRole")
    Member = apps.get_model("units", "Member")

    # Each resident's trees, in the order of their cases (the first is the earliest case's).
    trees_by_resident = {}
    for resident_id, path in (
        Case.objects.order_by("pk")
        .values_list("resident_id", "member__unit__path")
        .iterator(chunk_size=20_000)
    ):
        trees = trees_by_resident.setdefault(resident_id, [])
        tree = tree_of(path)
        if tree not in trees:
            trees.append(tree)

    # A resident without a tree takes the tree of their earliest case.
    untreed = set(
        Resident.objects.filter(tree__isnull=True).order_by().values_list("pk", flat=True)
    )
    by_first = {}
    for resident_id, trees in trees_by_resident.items():
        if resident_id in untreed:
            by_first.setdefault(trees[0], []).append(resident_id)
    for tree, residents in by_first.items():
        for batch in batches(sorted(residents), 5000):
            Resident.objects.filter(pk__in=batch, tree__isnull=True).update(tree_id=tree)

    shared = {pk: trees for pk, trees in trees_by_resident.items() if len(trees) > 1}
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

    now = timezone.now()
    for batch in batches(sorted(shared)):
        residents = list(Resident.objects.filter(pk__in=batch).order_by("pk"))
        typed_by = {pk: {} for pk in batch}  # resident -> tree -> details it last typed
        for version in (
            History.objects.filter(id__in=batch)
            .order_by("id", "history_date", "history_id")
            .values("id", "history_user_id", *DETAILS)
            .iterator(chunk_size=5000)
        ):
            trees = shared[version["id"]]
            for tree in editors.get(version["history_user_id"], ()):
                if tree in trees:
                    typed_by[version["id"]][tree] = {key: version[key] for key in DETAILS}
        existing = {
            (record.resident_id, record.tree_id): record
            for record in Record.objects.filter(resident_id__in=batch)
        }
        changed, created = [], []
        for resident in residents:
            trees, typed = shared[resident.pk], typed_by[resident.pk]
            creator = editors.get(resident.created_by_id, set())
            owner = next((t for t in trees if t in creator), trees[0])
            if owner in typed:
                for key, value in typed[owner].items():
                    setattr(resident, key, value)
            resident.tree_id = owner
            resident.search_name = fold(resident.full_name or "")
            resident.updated_at = now
            for tree in trees:
                if tree == owner or tree not in typed:
                    continue
                details = {
                    k: v if v is not None or k == "birth_date" else ""
                    for k, v in typed[tree].items()
                }
                record = existing.get((resident.pk, tree))
                if record is None:
                    created.append(
                        Record(
                            resident_id=resident.pk,
                            tree_id=tree,
                            created_by_id=resident.created_by_id,
                            **details,
                        )
                    )
                else:
                    for key, value in details.items():
                        setattr(record, key, value)
                    record.created_by_id = resident.created_by_id
                    record.updated_at = now
                    changed.append(record)
        update_rows(Resident, residents, [*DETAILS, "tree_id", "search_name", "updated_at"])
        if changed:
            Record.objects.bulk_update(
                changed, [*DETAILS, "created_by", "updated_at"], batch_size=500
            )
        Record.objects.bulk_create(created, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("campaign", "0011_resident_records"), ("units", "0006_padded_paths")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
