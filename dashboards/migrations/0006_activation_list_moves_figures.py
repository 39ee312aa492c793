"""The activation list moves the figures version: importing a list changes every case's
verification status even where no case row changes (a case not on the list goes from "not
checked" to "not found"), so the list's tables carry the same triggers as the others. And
the tallies' UPDATE trigger (PostgreSQL) does its work only when a statement changed one of
the columns it watches: an import of the list rewrites the list's values on a million cases,
which changes no tally."""

from django.db import migrations

WATCHED = ["campaign_activationlist", "campaign_activationentry"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from dashboards.tallies import update_function_sql

        schema_editor.execute(update_function_sql())
    for table in WATCHED:
        if vendor == "postgresql":
            for event, referencing, rows in (
                ("INSERT", "NEW TABLE AS new_rows", "new_rows"),
                ("UPDATE", "NEW TABLE AS new_rows", "new_rows"),
                ("DELETE", "OLD TABLE AS old_rows", "old_rows"),
            ):
                schema_editor.execute(
                    f"CREATE TRIGGER dashboards_figures_{table}_{event.lower()} AFTER {event}"
                    f" ON {table} REFERENCING {referencing} FOR EACH STATEMENT"
                    f" EXECUTE FUNCTION dashboards_figures_written_{rows}()"
                )
            schema_editor.execute(
                f"CREATE TRIGGER dashboards_figures_{table}_truncate AFTER TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION dashboards_figures_written()"
            )
        elif vendor == "sqlite":
            # (one trigger per statement kind on the list, not per row: a 500,000-row list
            # would otherwise bump the counter 500,000 times; the list's own record is one
            # row per import, and its rows are never written without it)
            if table != "campaign_activationlist":
                continue
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER dashboards_figures_{table}_{event.lower()} "
                    f"AFTER {event} ON {table} FOR EACH ROW BEGIN "
                    "UPDATE dashboards_figureswrite SET n = n + 1 WHERE id = 1; END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED:
        for event in ("insert", "update", "delete", "truncate"):
            if vendor == "postgresql":
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS dashboards_figures_{table}_{event} ON {table}"
                )
            elif event != "truncate":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_figures_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_activity_triggers"),
        ("campaign", "0014_activation_list"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
