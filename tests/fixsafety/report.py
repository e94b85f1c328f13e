"""Print the fix-safety results over ``shared/realrepos`` as Markdown.

Usage (from the repository root): ``PYTHONPATH=.:tests python -m fixsafety.report [REPO...]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from .checks import CHECKS, Failure, coverage, offers_unsafe, run_repo

REAL = Path(__file__).resolve().parents[3] / "shared" / "realrepos"


def main(argv: list[str]) -> int:
    names = argv or sorted(d.name for d in REAL.iterdir() if d.is_dir())
    by_check: dict[str, list[tuple[str, Failure]]] = {c: [] for c in CHECKS}
    cov_lines, totals = [], [0, 0, 0, 0]
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names):
            offered_unsafe = False
            for unsafe in (False, True):
                if unsafe and not offered_unsafe:
                    continue
                work = Path(tmp) / f"{i}-{int(unsafe)}"
                work.mkdir()
                run = run_repo(REAL / name, work, unsafe)
                if not unsafe:
                    offered_unsafe = offers_unsafe(run.findings_before)
                    c = coverage(run)
                    totals = [totals[0] + c.ll101, totals[1] + c.applied,
                              totals[2] + c.offered, totals[3] + c.excluded]
                    if c.ll101 or c.excluded:
                        cov_lines.append(f"| {name} | {c.ll101} | {c.offered} | {c.applied} "
                                         f"| {c.excluded} |")
                mode = "unsafe" if unsafe else "safe"
                for check, fn in CHECKS.items():
                    by_check[check] += [(mode, f) for f in fn(run)]
    out = sys.stdout
    out.write(f"Run over {len(names)} checkouts in {time.time() - t0:.0f} s.\n\n")
    out.write("| check | failures |\n|---|---|\n")
    for check, fails in by_check.items():
        out.write(f"| {check} | {len(fails)} |\n")
    ratio = totals[1] / totals[0] if totals[0] else 0.0
    out.write(f"\nLL101 coverage (safe mode): {totals[1]}/{totals[0]} = {ratio:.0%} applied "
              f"({totals[2]} offered; {totals[3]} findings in Windows/macOS jobs not counted)"
              "\n\n| repo | LL101 counted | offered | applied | Windows/macOS |\n"
              "|---|---|---|---|---|\n" + "\n".join(cov_lines) + "\n")
    for check, fails in by_check.items():
        out.write(f"\n## {check} ({len(fails)})\n\n")
        for mode, f in fails:
            out.write(f"- **{f.repo}** `{f.file}:{f.line}` ({mode}): {f.message}\n")
            snippet = (f.fixed or f.original).strip().split("\n")
            if snippet and snippet[0]:
                out.write("  ```\n" + "\n".join("  " + x for x in snippet[:10]) + "\n  ```\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
