"""The outreach yield reads the activities (their kinds, organisers, members and materials):
their tables move the figures version too, like every table a figure reads (0001)."""

from django.db import migrations

WATCHED = [
    "campaign_activity",
    "campaign_activity_organisers",
    "campaign_activity_members",
    "campaign_activitykind",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER dashboards_figures_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dashboards_figures_written()"
            )
        elif vendor == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER dashboards_figures_{table}_{event.lower()} "
                    f"AFTER {event} ON {table} FOR EACH ROW BEGIN "
                    "UPDATE dashboards_figureswrite SET n = n + 1 WHERE id = 1; END"
                )
        else:  # pragma: no cover - the product runs on PostgreSQL and SQLite only
            raise RuntimeError(f"figures triggers are not written for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_figures_{table} ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_figures_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0004_tally_fold_requested"),
        ("campaign", "0013_activities"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
