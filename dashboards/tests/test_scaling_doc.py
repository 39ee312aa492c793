"""docs/scaling.md shows the benchmarks' own results: its tables are written from the
results files the benchmarks write (benchmarks/scaling_doc.py), so they cannot go stale."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def scaling_doc():
    spec = importlib.util.spec_from_file_location(
        "scaling_doc", ROOT / "benchmarks" / "scaling_doc.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_table_of_the_scaling_doc_is_its_results_file():
    module = scaling_doc()
    text = module.DOC.read_text()
    marked = module.MARKED.findall(text)
    assert marked, "docs/scaling.md has no table written from a results file"
    for _start, name, _table, _end in marked:
        assert (module.RESULTS / f"{name}.json").exists(), name
    assert module.rendered(text) == text, "run benchmarks/scaling_doc.py"


def test_a_pages_table_shows_both_users_warm_and_after_a_write():
    data = {
        "cases": 1000000,
        "members": 5000,
        "requests": 20,
        "floors": {"sign_in_page": 0.012, "group_by": 0.15},
        "users": {
            "quantri": {"description": "admin", "pages": {"overview": [0.2, 0.02, 0.01, 0.03, 40]}},
            "bithu": {"description": "secretary", "pages": {"overview": [0.1, 0.015, 0, 0, 30]}},
        },
    }
    table = scaling_doc().pages_table(json.loads(json.dumps(data)))
    assert "1.000.000 cases" in table
    assert "| overview | 20 | 200 | 15 | 100 |" in table
    assert "| **slowest** | **20** | **200** | **15** | **100** |" in table
