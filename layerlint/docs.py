"""Render the README's rules table from the rules' metadata.

``python -m layerlint.docs`` prints it; ``--check README.md`` exits 1 when the README's copy
(between the ``rules-table`` markers) is stale. A test runs the check, so the table cannot
drift from the code.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

BEGIN = "<!-- rules-table:begin -->"
END = "<!-- rules-table:end -->"


def rules_table() -> str:
    from layerlint.rules import RULES

    rows = ["| code | name | severity | fix | what |", "|---|---|---|---|---|"]
    for code, module in RULES.items():
        m = module.META
        rows.append(f"| {code} | {m.name} | {m.severity} | {m.fix or '-'} | {m.summary} |")
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    table = rules_table()
    if args[:1] == ["--check"] and len(args) == 2:
        with open(args[1], encoding="utf-8") as fh:
            text = fh.read()
        start, end = text.find(BEGIN), text.find(END)
        current = text[start + len(BEGIN):end].strip("\n") + "\n" if 0 <= start < end else ""
        if current != table:
            sys.stderr.write(f"{args[1]}: rules table is stale; run python -m layerlint.docs\n")
            return 1
        return 0
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
