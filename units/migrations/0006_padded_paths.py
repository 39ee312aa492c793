"""Unit paths with each primary key padded to 9 digits, so that ordering by path lists
sub-units in the order they were made ("/1/11/" sorted before "/1/2/"). The paths stored in
submitted reports (their units and named-list rows) are rewritten the same way, so a frozen
report still finds its place among the live units."""

from django.db import migrations

DIGITS = 9


def pad(path):
    if not path:
        return path
    return "/" + "".join(f"{int(pk):0{DIGITS}d}/" for pk in path.strip("/").split("/") if pk)


def forwards(apps, schema_editor):
    Unit = apps.get_model("units", "Unit")
    changed = []
    for unit in Unit.objects.only("pk", "path").iterator(chunk_size=2000):
        padded = pad(unit.path)
        if padded != unit.path:
            unit.path = padded
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["path"], batch_size=1000)
    Submission = apps.get_model("reports", "Submission")
    for submission in Submission.objects.all().iterator(chunk_size=100):
        report = submission.report or {}
        for row in report.get("units", []):
            if row.get("path"):
                row["path"] = pad(row["path"])
        for row in report.get("named", []):
            if len(row) > 11 and isinstance(row[11], str) and row[11].startswith("/"):
                row[11] = pad(row[11])
        submission.report = report
        submission.save(update_fields=["report"])


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0005_history"),
        ("reports", "0005_access_where_and_subject"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
