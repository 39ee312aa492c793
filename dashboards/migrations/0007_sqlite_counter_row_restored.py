"""On SQLite the figures version is one counter row (id 1) that the triggers bump. A
trigger that only UPDATEs that row moves nothing once the row is gone (a flush of the
tables, a restore of a partial dump), and the kept figures then stay stale for good. Each
trigger now puts the row back first, so the version moves on every write whatever befell
the row. PostgreSQL appends a row per statement and needs nothing."""

from django.db import migrations

BUMP = "UPDATE dashboards_figureswrite SET n = n + 1 WHERE id = 1;"
RESTORE = "INSERT OR IGNORE INTO dashboards_figureswrite (id, n) VALUES (1, 0); "


def _rewrite(schema_editor, old, new):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
    for name, sql in triggers:
        if old not in sql or (new.startswith(RESTORE) and RESTORE in sql):
            continue
        schema_editor.execute(f'DROP TRIGGER "{name}"')
        schema_editor.execute(sql.replace(old, new))


def forwards(apps, schema_editor):
    _rewrite(schema_editor, BUMP, RESTORE + BUMP)


def backwards(apps, schema_editor):
    _rewrite(schema_editor, RESTORE + BUMP, BUMP)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0006_activation_list_moves_figures")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
