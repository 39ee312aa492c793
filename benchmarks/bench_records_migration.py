"""How long does the data migration campaign/0012 (each tree's record of a resident) take?

On a PostgreSQL database named with "bench": when it holds no resident, seeds the demo
district (`seed_demo --cases N`, 100,000 by default), gives each tree a secretary of its own
and writes, for the residents several trees guide, a version of their details typed by a
user of each tree (two thirds of them), the way the old single record kept them. Then it
runs the migration's `forward` as `migrate` would (the models as they stood after
campaign/0011) in a transaction it rolls back, so it can be run again, and prints the time
and a fingerprint of what it wrote (every resident's tree and details, every record).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_records_bench \\
        .venv/bin/python benchmarks/bench_records_migration.py [--cases N] [--module FILE]

The database must exist (`createdb vneid_records_bench`); it is migrated first.
`--module` times another version of the migration (a file, e.g. the row-by-row one from
git history) on the same data: equal fingerprints mean the same result.
"""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vneid_records_bench")

MIGRATION = ROOT / "campaign" / "migrations" / "0012_resident_records_from_today.py"

TYPED_SQL = """
CREATE TEMP TABLE tu AS
  SELECT substring(u.path, 2, 9)::int AS tree, r.user_id
  FROM units_unitrole r JOIN units_unit u ON u.id = r.unit_id JOIN auth_user a ON a.id = r.user_id
  WHERE a.username LIKE 'bench-tree-%%';
CREATE TEMP TABLE pairs AS
  SELECT DISTINCT c.resident_id, substring(u.path, 2, 9)::int AS tree
  FROM campaign_case c JOIN units_member m ON m.id = c.member_id JOIN units_unit u ON u.id = m.unit_id
  WHERE c.resident_id IN (
    SELECT c2.resident_id FROM campaign_case c2
    JOIN units_member m2 ON m2.id = c2.member_id JOIN units_unit u2 ON u2.id = m2.unit_id
    GROUP BY c2.resident_id HAVING count(DISTINCT substring(u2.path, 2, 9)) > 1);
INSERT INTO campaign_historicalresident (id, created_at, updated_at, id_number, full_name,
  birth_date, sex, phone, address, village, commune, category, on_roster, history_date,
  history_type, created_by_id, history_user_id, updated_by_id, tree_id)
SELECT r.id, r.created_at, r.updated_at, r.id_number, r.full_name || ' ' || p.tree,
  r.birth_date, r.sex, r.phone, 'Địa chỉ ' || p.tree, r.village, r.commune, r.category,
  r.on_roster, now() - (p.tree || ' minutes')::interval, '~', NULL, tu.user_id, tu.user_id, NULL
FROM pairs p JOIN campaign_resident r ON r.id = p.resident_id JOIN tu ON tu.tree = p.tree
WHERE p.resident_id %% 3 <> 0;
UPDATE campaign_resident r SET created_by_id = tu.user_id
FROM (SELECT resident_id, max(tree) AS tree FROM pairs GROUP BY resident_id) x
JOIN tu ON tu.tree = x.tree
WHERE r.id = x.resident_id AND r.id %% 10 = 0;
UPDATE campaign_resident SET tree_id = NULL;
DELETE FROM campaign_residentrecord;
"""

FINGERPRINT_SQL = """
SELECT md5(string_agg(row, '|' ORDER BY row)) , count(*) FROM (
  SELECT concat_ws(',', 'r', id, tree_id, full_name, search_name, birth_date, sex, phone,
                   address, village, commune) AS row FROM campaign_resident
  UNION ALL
  SELECT concat_ws(',', 'x', resident_id, tree_id, full_name, birth_date, sex, phone,
                   address, village, commune, created_by_id) FROM campaign_residentrecord
) rows
"""


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def prepare(cases):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from campaign.models import Resident
    from units.models import Unit, UnitRole

    call_command("migrate", verbosity=0)
    if not Resident.objects.exists():
        log(f"seed_demo --cases {cases} …")
        call_command("seed_demo", cases=cases, verbosity=0)
        for top in Unit.objects.filter(parent__isnull=True):
            user = get_user_model().objects.create_user(f"bench-tree-{top.pk}")
            UnitRole.objects.create(user=user, unit=top, role=UnitRole.Role.SECRETARY)
        with connection.cursor() as cursor:
            cursor.execute(TYPED_SQL)
            cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--module", type=Path, default=MIGRATION)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.migrations.loader import MigrationLoader

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit("A PostgreSQL database whose name holds 'bench', please.")
    prepare(args.cases)

    spec = importlib.util.spec_from_file_location("records_migration", args.module)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    state = MigrationLoader(connection).project_state(
        [("campaign", "0011_resident_records"), ("units", "0006_padded_paths")]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM campaign_resident")
        residents = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM campaign_case")
        cases = cursor.fetchone()[0]
    log(f"{residents:,} residents, {cases:,} cases; {args.module.name}")
    with transaction.atomic():
        start = time.perf_counter()
        module.forward(state.apps, None)
        seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT_SQL)
            digest, rows = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM campaign_residentrecord")
            records = cursor.fetchone()[0]
        transaction.set_rollback(True)  # the data stays as prepared: run it again
    print(f"forward: {seconds:.1f} s; {records:,} records; fingerprint {digest} ({rows:,} rows)")


if __name__ == "__main__":
    main()
