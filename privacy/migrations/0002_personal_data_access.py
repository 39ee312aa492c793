"""The record of personal-data access moves from reports to privacy, its table kept: the model
is created here in the migration state only, and deleted from reports' state by
reports/0006. No row is copied; the table, its indexes and its data stay as they are."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("reports", "0005_access_where_and_subject"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PersonalDataAccess",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now, verbose_name="at"
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("export", "Export"),
                                    ("reveal", "Reveal"),
                                    ("lookup", "ID-number look-up"),
                                    ("correct", "Correction at the person's request"),
                                    ("erase", "Deletion at the person's request"),
                                ],
                                max_length=10,
                                verbose_name="action",
                            ),
                        ),
                        ("what", models.CharField(max_length=255, verbose_name="what")),
                        ("rows", models.PositiveIntegerField(default=0, verbose_name="rows")),
                        (
                            "where",
                            models.CharField(blank=True, max_length=100, verbose_name="from where"),
                        ),
                        (
                            "subject",
                            models.CharField(
                                blank=True,
                                db_index=True,
                                max_length=64,
                                verbose_name="person concerned",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "personal data access",
                        "verbose_name_plural": "personal data accesses",
                        "db_table": "reports_personaldataaccess",
                        "ordering": ["-at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
