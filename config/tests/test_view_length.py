"""Views stay thin: a form, one call, render. The work of a page (its figures, its rows, its
tables) is in a module of its own (e.g. `dashboards.pages`, `dashboards.tables`), which a
test can call without a request. A view is any public function of a `views` module whose
first argument is `request`; its length runs from `def` to its last line."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LONGEST = 40  # lines, no view longer
TARGET = 30  # what a page's view comes to once its work is moved out (the dashboards' do)
# Views still longer than LONGEST, with their length when this test was written: each may
# only shrink, and leaves this list once it is under the bound. None is left.
STILL_LONG = {}
THIN = ["dashboards/views.py"]  # modules whose every view is at most TARGET lines


def views():
    """(path:name, lines) of every view of the project."""
    found = []
    for path in sorted(ROOT.glob("*/*views*.py")) + sorted(ROOT.glob("*/views/*.py")):
        if ".venv" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            arguments = node.args.posonlyargs + node.args.args
            if arguments and arguments[0].arg == "request":
                name = f"{path.relative_to(ROOT).as_posix()}:{node.name}"
                found.append((name, node.end_lineno - node.lineno + 1))
    return found


def test_the_views_are_found():
    names = dict(views())
    assert "dashboards/views.py:data_to_fix" in names and "dashboards/views.py:overview" in names
    assert len(names) > 50


def test_no_view_is_over_the_bound():
    too_long = {name: lines for name, lines in views() if lines > STILL_LONG.get(name, LONGEST)}
    assert too_long == {}, f"views over {LONGEST} lines (move the page's work out): {too_long}"


def test_the_dashboards_views_are_thin():
    thick = {
        name: lines for name, lines in views() if name.split(":")[0] in THIN and lines > TARGET
    }
    assert thick == {}
