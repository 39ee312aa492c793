"""Each member's case counts kept by the cases table's triggers (see dashboards.tallies),
filled from the cases already there; and on PostgreSQL the figures version moved only by a
statement that wrote a row (an UPDATE or DELETE that matched nothing no longer moves it)."""

from django.db import migrations, models

WATCHED = [
    "campaign_case",
    "campaign_resident",
    "campaign_campaign",
    "campaign_doubleclaimresolution",
    "units_member",
    "units_unit",
]


def forwards(apps, schema_editor):
    from dashboards import tallies

    tallies.install_triggers(schema_editor)
    tallies.rebuild()
    if schema_editor.connection.vendor != "postgresql":
        return
    for rows in ("new_rows", "old_rows"):
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION dashboards_figures_written_{rows}() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            f" IF EXISTS (SELECT 1 FROM {rows}) THEN"
            " INSERT INTO dashboards_figureswrite (n) VALUES (1); END IF;"
            " RETURN NULL; END $$"
        )
    for table in WATCHED:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS dashboards_figures_{table} ON {table}")
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


def backwards(apps, schema_editor):
    from dashboards import tallies

    tallies.drop_triggers(schema_editor)
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in WATCHED:
        for event in ("insert", "update", "delete", "truncate"):
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS dashboards_figures_{table}_{event} ON {table}"
            )
        schema_editor.execute(
            f"CREATE TRIGGER dashboards_figures_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION dashboards_figures_written()"
        )
    for rows in ("new_rows", "old_rows"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS dashboards_figures_written_{rows}()")


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0002_kept_counts'),
        ('campaign', '0010_resident_name_order_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='TallyFold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('table', models.CharField(max_length=40, unique=True)),
                ('folded_to', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'tally fold',
            },
        ),
        migrations.CreateModel(
            name='DayTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('campaign_id', models.BigIntegerField()),
                ('member_id', models.BigIntegerField()),
                ('day', models.DateField()),
                ('eid', models.IntegerField(default=0)),
                ('eid_full', models.IntegerField(default=0)),
                ('level1', models.IntegerField(default=0)),
                ('level2', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'day tally',
                'indexes': [models.Index(fields=['campaign_id', 'day'], name='daytally_day'), models.Index(fields=['campaign_id', 'member_id'], name='daytally_member')],
            },
        ),
        migrations.CreateModel(
            name='WeekTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('campaign_id', models.BigIntegerField()),
                ('member_id', models.BigIntegerField()),
                ('week', models.DateField(null=True)),
                ('cases', models.IntegerField(default=0)),
                ('double_claims', models.IntegerField(default=0)),
                ('eid', models.IntegerField(default=0)),
                ('eid_full', models.IntegerField(default=0)),
                ('level1', models.IntegerField(default=0)),
                ('level2', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'week tally',
                'indexes': [models.Index(fields=['campaign_id', 'member_id', 'week'], name='weektally_member')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
