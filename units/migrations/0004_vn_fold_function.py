"""The database function vn_fold(text) for name search without diacritics (PostgreSQL;
SQLite gets it on each connection, see units.search)."""
from django.db import migrations


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from units.search import postgresql_function_sql

        schema_editor.execute(postgresql_function_sql())


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS vn_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("units", "0003_leaner_indexes")]
    operations = [migrations.RunPython(create_function, drop_function)]
