"""The figures version: a table bumped by triggers on every table that affects a figure
(statement-level on PostgreSQL, which also fires on COPY; row-level on SQLite)."""

from django.db import migrations, models
import django.utils.timezone

WATCHED = [
    "campaign_case",
    "campaign_resident",
    "campaign_campaign",
    "campaign_doubleclaimresolution",
    "units_member",
    "units_unit",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION dashboards_figures_written() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO dashboards_figureswrite (n) VALUES (1);
                RETURN NULL;
            END $$;
            """
        )
        for table in WATCHED:
            schema_editor.execute(
                f"CREATE TRIGGER dashboards_figures_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dashboards_figures_written()"
            )
    elif vendor == "sqlite":
        # SQLite has one writer at a time: one counter row, bumped by every row written.
        schema_editor.execute("INSERT INTO dashboards_figureswrite (id, n) VALUES (1, 0)")
        for table in WATCHED:
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
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS dashboards_figures_written()")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("campaign", "0006_case_indexes_led_by_resident"),
        ("units", "0004_vn_fold_function"),
    ]

    operations = [
        migrations.CreateModel(
            name="FiguresWrite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("n", models.BigIntegerField(default=1)),
            ],
            options={"verbose_name": "figures write"},
        ),
        migrations.CreateModel(
            name="KeptFigures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=64, unique=True)),
                ("version", models.BigIntegerField()),
                ("payload", models.BinaryField()),
                ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"verbose_name": "kept figures"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
