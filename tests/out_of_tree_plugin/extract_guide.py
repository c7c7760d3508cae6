"""Writes the files docs/plugins.md shows in full: each fenced block right after a line
`<!-- file: PATH -->` goes to OUT/PATH. Prints the paths written.

Usage: extract_guide.py <docs/plugins.md> <out folder>
"""
import re
import sys
from pathlib import Path

MARK = re.compile(r"^<!-- file: (\S+) -->$")


def main():
    guide, out = Path(sys.argv[1]), Path(sys.argv[2])
    lines = guide.read_text().splitlines()
    written = []
    i = 0
    while i < len(lines):
        mark = MARK.match(lines[i])
        i += 1
        if not mark:
            continue
        if i >= len(lines) or not lines[i].startswith("```"):
            sys.exit(f"{guide}:{i + 1}: a file marker must be followed by a fenced block")
        end = lines.index("```", i + 1)
        target = out / mark.group(1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines[i + 1:end]) + "\n")
        written.append(mark.group(1))
        i = end + 1
    if not written:
        sys.exit(f"{guide}: no file markers found")
    print("\n".join(written))


if __name__ == "__main__":
    main()
