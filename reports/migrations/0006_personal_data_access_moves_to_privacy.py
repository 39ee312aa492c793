"""The record of personal-data access is privacy's model now (privacy/0002): reports forgets
it in the migration state only; its table stays, with every row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_access_where_and_subject"),
        ("privacy", "0002_personal_data_access"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PersonalDataAccess")],
            database_operations=[],
        ),
    ]
