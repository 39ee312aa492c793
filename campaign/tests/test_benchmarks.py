"""The benchmarks still run and still agree with their floors, on a small scale (the real
figures come from `make bench`; these only keep the scripts from rotting)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run(script, env, *args):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_rules_benchmark_agrees_with_its_floor(tmp_path):
    out = run(
        "bench_rules.py",
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'rules_bench.sqlite3'}"},
        "--cases",
        "3000",
        "--members",
        "100",
        "--units",
        "20",
        "--runs",
        "1",
    )
    assert "same numbers as the floor: yes" in out
    # members' counts, own compliance, units, members, the units' changes (units.history)
    # and the activation list in force
    assert "queries per computation: 6" in out


@pytest.mark.django_db
def test_import_benchmark_imports_and_reimports(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the import benchmark's floor is a PostgreSQL COPY; it runs in the PostgreSQL pass"
        )
    server = connection.settings_dict
    url = (
        f"postgres://{server['USER']}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}"
        f"/vneid_smoke_bench"
    )
    out = run("bench_import.py", {"BENCH_DATABASE_URL": url}, "--rows", "300", "--members", "40")
    assert "Người dân: 300 mới" in out or "300 new" in out
    assert "re-import (nothing changes)" in out and "peak memory" in out
    assert "floor: calamine read + one COPY of the rows into their indexed tables" in out
    assert "× the floor (" in out and "× the lighter one)" in out
