import units.search
from django.db import migrations


def fold_existing_names(apps, schema_editor):
    from units.normalize import fold

    Resident = apps.get_model("campaign", "Resident")
    batch = []
    for pk, name in Resident.objects.values_list("pk", "full_name").iterator(chunk_size=5000):
        batch.append(Resident(pk=pk, search_name=fold(name)))
        if len(batch) >= 5000:
            Resident.objects.bulk_update(batch, ["search_name"])
            batch = []
    Resident.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0004_leaner_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='resident',
            name='search_name',
            field=units.search.FoldedNameField(source='full_name'),
        ),
        migrations.RunPython(fold_existing_names, migrations.RunPython.noop),
    ]
