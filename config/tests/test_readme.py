"""The README says what the project is: its layout lists each folder once, and what it says
of the job worker is what the Makefile does."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_layout_lists_each_folder_once():
    layout = README.split("## Layout", 1)[1].split("```")[1]
    folders = re.findall(r"^([\w./-]+/|\.ci/run)\s", layout, re.M)
    assert folders and len(folders) == len(set(folders)), folders


def test_the_worker_command_is_said_as_the_makefile_has_it():
    makefile = (ROOT / "Makefile").read_text()
    command = re.search(r"^WORKER_CMD \?= \$\(PY\) (.+)$", makefile, re.M).group(1).strip()
    assert command in README
    assert "empty until the job runner is" not in README
