"""The activation list stays in its own table, joined to the cases on (campaign, resident)
when read, instead of its values being written onto every case at each import: each row
gets its resident, and the cases' copies of the list's values go.

A case whose list values outlived its list's rows (retention) keeps them as a row of the
list without an ID number, so that the figures stay."""

import django.db.models.deletion
from django.db import migrations, models

ENTRIES = "campaign_activationentry"


def link(apps, schema_editor):
    schema_editor.execute(
        f"UPDATE {ENTRIES} SET resident_id = (SELECT r.id FROM campaign_resident r"
        f" WHERE r.id_number = {ENTRIES}.id_number)"
    )


def keep_retained_values(apps, schema_editor):
    """The cases of a campaign whose list's rows retention removed (it has lists, no row)."""
    Entry = apps.get_model("campaign", "ActivationEntry")
    List = apps.get_model("campaign", "ActivationList")
    lists = {}
    for row in List.objects.order_by("imported_at", "pk").values("campaign_id", "pk"):
        lists[row["campaign_id"]] = row["pk"]
    with_rows = set(Entry.objects.values_list("campaign_id", flat=True).distinct())
    for campaign_id in sorted(set(lists) - with_rows):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT resident_id, official_level, official_activated_on, official_portal"
                " FROM campaign_case WHERE campaign_id = %s AND official_level IS NOT NULL"
                " AND official_activated_on IS NOT NULL",
                [campaign_id],
            )
            found = {row[0]: row[1:] for row in cursor.fetchall()}
        Entry.objects.bulk_create(
            [
                Entry(
                    activation_list_id=lists[campaign_id],
                    campaign_id=campaign_id,
                    id_number=None,
                    resident_id=resident_id,
                    eid_level=level,
                    activated_on=day,
                    portal_used=portal,
                )
                for resident_id, (level, day, portal) in found.items()
            ],
            batch_size=1000,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("campaign", "0015_offline_entry"),
    ]

    operations = [
        migrations.AddField(
            model_name="activationentry",
            name="resident",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="campaign.resident",
                verbose_name="resident",
            ),
        ),
        migrations.AlterField(
            model_name="activationentry",
            name="id_number",
            field=models.CharField(blank=True, max_length=12, null=True, verbose_name="ID number"),
        ),
        migrations.RunPython(link, migrations.RunPython.noop),
        migrations.RunPython(keep_retained_values, migrations.RunPython.noop),
        migrations.RemoveField(model_name="case", name="official_activated_on"),
        migrations.RemoveField(model_name="case", name="official_level"),
        migrations.RemoveField(model_name="case", name="official_portal"),
        migrations.AddField(
            model_name="case",
            name="official",
            field=models.ForeignObject(
                blank=True,
                editable=False,
                from_fields=("campaign", "resident"),
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="campaign.activationentry",
                to_fields=("campaign", "resident"),
            ),
        ),
        migrations.AddConstraint(
            model_name="activationentry",
            constraint=models.UniqueConstraint(
                fields=("campaign", "resident"), name="activation_entry_one_per_resident"
            ),
        ),
    ]
