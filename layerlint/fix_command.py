"""``layerlint check --fix | --diff``: apply fixes (or show them), then report what is left.

* ``--fix`` writes every safe fix (``--unsafe-fixes``: unsafe ones too), says on stderr
  which files it rewrote (``--show-fixes``: each fix), and then checks again: the exit
  status is 0 when nothing is left, 1 when findings remain (a pre-commit hook also fails
  because files changed).
* ``--diff`` writes nothing and prints the unified diff of what ``--fix`` would do; exit 1
  when there is a diff.
Files with LL001 are never written; a fix that would break a file is dropped and reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import argparse

    from layerlint.engine import Engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fix", action="store_true", help="apply fixes to the files")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="also apply unsafe fixes (e.g. Docker@2 buildAndPush)")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff; write nothing")
    parser.add_argument("--show-fixes", action="store_true",
                        help="list every fix applied")


def run(args: argparse.Namespace, engine: Engine, out: TextIO, err: TextIO) -> int | None:
    """Apply or show fixes. Returns an exit status when the run ends here (``--diff``),
    None when the caller should go on and report the remaining findings."""
    from layerlint.fixer import fix_paths

    outcomes = fix_paths(engine, args.paths, unsafe=args.unsafe_fixes, write=not args.diff)
    for outcome in outcomes:
        for message in outcome.rejected:
            err.write(f"layerlint: {outcome.display}: {message}\n")
        if outcome.error:
            err.write(f"layerlint: {outcome.display}: {outcome.error}\n")
    if args.diff:
        for outcome in outcomes:
            out.write(outcome.diff())
        return 1 if any(o.changed for o in outcomes) else 0
    fixed = 0
    for outcome in outcomes:
        if not outcome.written:
            continue
        fixed += outcome.resolved
        err.write(f"Rewrote {outcome.display} ({len(outcome.applied)} "
                  f"fix{'es' if len(outcome.applied) != 1 else ''})\n")
        for path in outcome.new_files:
            err.write(f"Created {path}\n")
        if args.show_fixes:
            for code, title in outcome.applied:
                err.write(f"  {code} {title}\n")
    if fixed:  # the reported findings that the fixes made go away, not the fixes applied
        err.write(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.\n")
    return None
