"""The model names an import script is given on its command line: ``-h`` / ``--help`` prints the script's
docstring and exits 0; a name the script does not know is refused (exit 2) with the names it knows, where an
unknown one had raised a KeyError or printed an empty table."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Collection


def wanted_names(doc: str, known: Collection[str], argv: list[str] | None = None) -> list[str]:
    """The names of ``argv`` (default ``sys.argv[1:]``), every one of ``known``; SystemExit as the module doc says"""
    names = sys.argv[1:] if argv is None else argv
    if {"-h", "--help"} & set(names):
        print(doc)
        raise SystemExit(0)
    unknown = [n for n in names if n not in known]
    if unknown:
        near = sorted({m for n in unknown for m in difflib.get_close_matches(n, known, 5)})
        shown = (f"nearest: {', '.join(near)}" if near else
                 ", ".join(sorted(known)[:40]) + (", ..." if len(known) > 40 else ""))
        print(f"unknown model(s) {', '.join(map(repr, unknown))}; known: {len(known)}, {shown}", file=sys.stderr)
        raise SystemExit(2)
    return list(names)
