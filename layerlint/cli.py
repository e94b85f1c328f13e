"""Command line: ``layerlint check|rules|explain``. The only module that prints.

Exit status: 0 no findings (``info`` findings do not fail a run), 1 findings, 2 usage
error, 3 internal error (a bug: please report it with the file). Heavy modules (the engine,
ruamel.yaml) are imported only by the commands that need them, so ``rules`` and
``explain`` start instantly and ``check`` pays only for the parser it uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from layerlint import __version__

COMMANDS = ("check", "rules", "explain")
FORMATS = ("text", "json")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="layerlint",
        description="Find and fix Docker image builds in Azure Pipelines that do not reuse "
        "a layer cache.",
    )
    parser.add_argument("--version", action="version", version=f"layerlint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="check pipeline files (the default command)")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories (default: .)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument("--select", type=_csv, metavar="CODES",
                       help="comma-separated codes, prefixes (LL2) or names to enable")
    check.add_argument("--ignore", type=_csv, metavar="CODES",
                       help="comma-separated codes, prefixes or names to disable")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings")
    check.add_argument("--quiet", "-q", action="store_true",
                       help="print findings only, no summary")
    check.add_argument("--statistics", action="store_true",
                       help="print the number of findings per rule")
    check.add_argument("--verbose", "-v", action="store_true",
                       help="say which files were skipped and why")
    check.add_argument("--max-file-size", type=int, default=None, metavar="BYTES",
                       help="refuse files larger than this (default 5 MB)")

    sub.add_parser("rules", help="list the rules")
    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", help="rule code (LL101) or name (uncached-docker-build)")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and args_list[0] not in (
        "-h", "--help", "--version"
    ):
        args_list.insert(0, "check")
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except _UsageError as exc:
        err.write(parser.format_usage() + str(exc) + "\n")
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(out)
        return 0
    if args.command == "rules":
        return _rules(out)
    if args.command == "explain":
        return _explain(args.code, out, err)
    return _check(args, out, err)


def _rules(out: TextIO) -> int:
    from layerlint.rules import RULES

    for code, module in RULES.items():
        m = module.META
        fix = m.fix or "-"
        out.write(f"{code}  {m.name:<28} {m.severity:<8} fix:{fix:<7} {m.summary}\n")
    return 0


def _explain(code: str, out: TextIO, err: TextIO) -> int:
    from layerlint.rules import BY_NAME, RULES

    key = BY_NAME.get(code, code.upper())
    module = RULES.get(key)
    if module is None:
        err.write(f"layerlint: unknown rule {code!r}; `layerlint rules` lists them\n")
        return 2
    m = module.META
    out.write(f"{m.code} {m.name} (default severity: {m.severity}; fix: {m.fix or 'none'})\n")
    out.write(f"{m.summary}\n\n")
    doc = (module.__doc__ or "").split("\n", 1)
    out.write((doc[1] if len(doc) > 1 else doc[0]).strip("\n") + "\n")
    return 0


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from layerlint.engine import DEFAULT_MAX_BYTES, Engine, select_codes
    from layerlint.report import REPORTERS
    from layerlint.report.text_report import render as render_text
    from layerlint.report.text_report import statistics

    try:
        codes = select_codes(args.select, args.ignore)
    except ValueError as exc:
        err.write(f"layerlint: {exc}\n")
        return 2
    engine = Engine(codes, max_bytes=args.max_file_size or DEFAULT_MAX_BYTES)
    missing = [p for p in args.paths if not _exists(p)]
    if missing:
        err.write(f"layerlint: no such file or directory: {', '.join(missing)}\n")
        return 2
    result = engine.run(args.paths)
    if args.verbose:
        for status in result.files:
            if status.status == "skipped":
                err.write(f"skipped {status.path}: {status.reason}\n")
    if args.format == "text":
        report = render_text(result, summary=not args.quiet)
    else:
        report = REPORTERS[args.format](result)
    if args.statistics and args.format == "text":
        report += statistics(result)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(report)
        except OSError as exc:
            err.write(f"layerlint: cannot write {args.output}: {exc.strerror}\n")
            return 2
    else:
        out.write(report)
    for message in result.internal_errors:
        err.write(f"layerlint: internal error (please report it with the file): {message}\n")
    if result.internal_errors:
        return 3
    failing = any(f.severity != "info" for f in result.findings)
    return 0 if args.exit_zero or not failing else 1


def _exists(path: str) -> bool:
    import os

    return os.path.exists(path)
