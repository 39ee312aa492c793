"""The figures version by branch of the unit tree (PostgreSQL): a write to the cases table
names the branches of the cases it wrote (see `dashboards.figures.branch_of`), so a case
saved in one commune moves only that branch's version, and every other branch's kept
figures stay valid. Every other watched table still moves every branch (`branch` NULL).
A resident added moves nothing: no figure reads a resident before a case names them, and
that case's own write moves its branch."""

from django.db import migrations, models

from units.models import PATH_DIGITS

CASES = "campaign_case"
# The branch of a unit's materialised path: its second unit, or the top unit itself.
BRANCH = (
    f"CASE WHEN length(u.path) > {PATH_DIGITS + 2}"
    f" THEN substring(u.path, {PATH_DIGITS + 3}, {PATH_DIGITS})"
    f" ELSE substring(u.path, 2, {PATH_DIGITS}) END::bigint"
)
SOURCES = {
    "new_rows": "SELECT member_id FROM new_rows",
    "old_rows": "SELECT member_id FROM old_rows",
    "both_rows": "SELECT member_id FROM new_rows UNION SELECT member_id FROM old_rows",
}
EVENTS = (
    ("insert", "NEW TABLE AS new_rows", "new_rows"),
    ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "both_rows"),
    ("delete", "OLD TABLE AS old_rows", "old_rows"),
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps one counter for every branch
    for name, members in SOURCES.items():
        # (a case whose member or unit is gone moves every branch: NULL)
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION dashboards_figures_cases_{name}() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO dashboards_figureswrite (n, branch)"
            f" SELECT 1, b.branch FROM (SELECT DISTINCT {BRANCH} AS branch"
            f" FROM ({members}) r LEFT JOIN units_member m ON m.id = r.member_id"
            " LEFT JOIN units_unit u ON u.id = m.unit_id) b;"
            " RETURN NULL; END $$"
        )
    for event, referencing, name in EVENTS:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS dashboards_figures_{CASES}_{event} ON {CASES}"
        )
        schema_editor.execute(
            f"CREATE TRIGGER dashboards_figures_{CASES}_{event} AFTER {event.upper()}"
            f" ON {CASES} REFERENCING {referencing} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION dashboards_figures_cases_{name}()"
        )
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS dashboards_figures_campaign_resident_insert ON campaign_resident"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for event, _referencing, _name in EVENTS:
        rows = "old_rows" if event == "delete" else "new_rows"
        referencing = "OLD TABLE AS old_rows" if event == "delete" else "NEW TABLE AS new_rows"
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS dashboards_figures_{CASES}_{event} ON {CASES}"
        )
        schema_editor.execute(
            f"CREATE TRIGGER dashboards_figures_{CASES}_{event} AFTER {event.upper()}"
            f" ON {CASES} REFERENCING {referencing} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION dashboards_figures_written_{rows}()"
        )
    schema_editor.execute(
        "CREATE TRIGGER dashboards_figures_campaign_resident_insert AFTER INSERT"
        " ON campaign_resident REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION dashboards_figures_written_new_rows()"
    )
    for name in SOURCES:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS dashboards_figures_cases_{name}()")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0006_activation_list_moves_figures")]

    operations = [
        migrations.AddField(
            model_name="figureswrite",
            name="branch",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
