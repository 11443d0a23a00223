"""Print the shell commands of README.md's Quick start, one per line: the
lines of the first ```sh block under the '## Quick start' heading."""

import sys

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = next(i for i, line in enumerate(lines) if line.strip().lower() == "## quick start")
inside = False
for line in lines[start + 1:]:
    if line.startswith("```"):
        if inside:
            break
        inside = True
        continue
    if inside and line.strip() and not line.lstrip().startswith("#"):
        print(line.strip())
