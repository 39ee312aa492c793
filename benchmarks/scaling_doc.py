"""Put the benchmarks' results into docs/scaling.md, so its tables cannot go stale.

The benchmarks write their figures as JSON under benchmarks/results/ (`bench_pages.py
--results benchmarks/results/pages-1000000.json`, ...). docs/scaling.md marks where each
table goes:

    <!-- results: pages-1000000 -->
    (the table, written here)
    <!-- /results -->

    .venv/bin/python benchmarks/scaling_doc.py          # rewrite the tables
    .venv/bin/python benchmarks/scaling_doc.py --check  # exit 1 if a table is not the file's

A test runs the check, so a results file changed without the document fails the tests.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "scaling.md"
MARKED = re.compile(r"(<!-- results: ([\w.-]+) -->\n)(.*?)(<!-- /results -->)", re.S)


def number(value):
    """An integer the Vietnamese way: 1.234."""
    return f"{round(value):,}".replace(",", ".")


def ms(seconds):
    return number(seconds * 1000)


def pages_table(data):
    """The pages of `bench_pages.py`: warm median and first request after a write, for each
    user measured, page by page; then the slowest of each column."""
    users = list(data["users"].items())
    labels = []
    for _username, user in users:
        labels += [label for label in user["pages"] if label not in labels]
    head = ["page"]
    for _username, user in users:
        head += [f"{user['description']}: warm", "first after a write"]
    lines = [
        f"{number(data['cases'])} cases, {number(data['members'])} members; median of "
        f"{data['requests']} warm requests per page, and the first request after a new case "
        f"saved in {data.get('write_in', 'DX-MLA')}, in ms. Floors of the same run: the "
        f"sign-in page {ms(data['floors']['sign_in_page'])} ms, the bare GROUP BY over the "
        f"cases {ms(data['floors']['group_by'])} ms.",
        "",
        "| " + " | ".join(head) + " |",
        "|---" + "|---:" * (len(head) - 1) + "|",
    ]
    for label in labels:
        cells = [label]
        for _username, user in users:
            found = user["pages"].get(label)
            cells += [ms(found[1]), ms(found[0])] if found else ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**slowest**"]
    for _username, user in users:
        found = list(user["pages"].values())
        cells += [
            f"**{ms(max(row[1] for row in found))}**" if found else "–",
            f"**{ms(max(row[0] for row in found))}**" if found else "–",
        ]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def table_for(name):
    data = json.loads((RESULTS / f"{name}.json").read_text())
    if name.startswith("pages-"):
        return pages_table(data)
    raise SystemExit(f"no table is written for results {name!r}")


def rendered(text):
    return MARKED.sub(lambda m: m.group(1) + table_for(m.group(2)) + m.group(4), text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = DOC.read_text()
    new = rendered(text)
    if args.check:
        if new != text:
            sys.exit(
                "docs/scaling.md is not the benchmarks' results: run benchmarks/scaling_doc.py"
            )
        return
    DOC.write_text(new)


if __name__ == "__main__":
    main()
