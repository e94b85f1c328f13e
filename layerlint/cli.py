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
from typing import TYPE_CHECKING, TextIO

from layerlint import __version__, fix_command

if TYPE_CHECKING:
    from layerlint.engine import Engine, Result

COMMANDS = ("check", "rules", "explain", "config-schema", "audit")
FORMATS = ("text", "json", "sarif", "junit", "azure", "github", "gitlab")
AUTO_FORMATS = (("TF_BUILD", "azure"), ("GITHUB_ACTIONS", "github"))


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    _building = True  # until build_parser/build_check_parser is done (see _get_formatter)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every add_argument (to check the metavar), and a
        # formatter asks the terminal for its width (importing shutil): only help and usage
        # text need the width, so the parser under construction gets a fixed one
        if self._building:
            return argparse.HelpFormatter(prog=self.prog, width=80)
        return super()._get_formatter()


class _ReportAction(argparse.Action):
    """``--format`` and ``--output`` build (format, file) pairs: each fills the missing half
    of the last pair, or starts a new one, so ``--format sarif --output x.sarif`` and
    ``--output x.sarif --format sarif`` are the same pair."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        pairs: list[list[str | None]] = [list(p) for p in (namespace.reports or [])]
        slot = 0 if self.dest == "format" else 1
        if pairs and pairs[-1][slot] is None:
            pairs[-1][slot] = str(values)
        else:
            pair: list[str | None] = [None, None]
            pair[slot] = str(values)
            pairs.append(pair)
        namespace.reports = pairs


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
    _check_arguments(check)
    sub.add_parser("rules", help="list the rules")
    sub.add_parser("config-schema", help="print the JSON Schema of the configuration")
    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", help="rule code (LL101) or name (uncached-docker-build)")
    for p in (parser, *sub.choices.values()):
        p._building = False
    return parser


def build_check_parser() -> argparse.ArgumentParser:
    """The parser of ``layerlint check`` alone: what :func:`build_parser` makes for the
    ``check`` sub-command (same prog, arguments, help and errors), without the other
    sub-commands, for the common run."""
    check = _Parser(prog="layerlint check")
    _check_arguments(check)
    check._building = False
    return check


def _check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                       help="files or directories (default: .)")
    check.set_defaults(reports=None)
    check.add_argument("--format", choices=FORMATS, action=_ReportAction,
                       help="report format (default: text; azure under TF_BUILD, github "
                       "under GITHUB_ACTIONS); repeat with --output for several reports")
    check.add_argument("--output", "-o", metavar="FILE", action=_ReportAction,
                       help="write the report of the preceding --format to FILE")
    check.add_argument("--select", type=_csv, metavar="CODES",
                       help="comma-separated codes, prefixes (LL2) or names to enable")
    check.add_argument("--extend-select", type=_csv, metavar="CODES", default=[],
                       help="rules to enable on top of --select or the config's select")
    check.add_argument("--ignore", type=_csv, metavar="CODES", default=[],
                       help="comma-separated codes, prefixes or names to disable")
    check.add_argument("--exclude", type=_csv, metavar="GLOBS",
                       help="paths not to check (replaces the config's exclude)")
    check.add_argument("--extend-exclude", type=_csv, metavar="GLOBS", default=[],
                       help="more paths not to check")
    check.add_argument("--agents", choices=("auto", "hosted", "self-hosted"),
                       help="treat every job's pool as this kind of agent")
    check.add_argument("--config", metavar="FILE",
                       help="read the configuration from FILE (no search)")
    check.add_argument("--isolated", action="store_true",
                       help="ignore all configuration files")
    check.add_argument("--no-ignores", action="store_true",
                       help="disregard inline '# layerlint: disable' comments")
    check.add_argument("--baseline", metavar="FILE",
                       help="report only findings not recorded in FILE")
    check.add_argument("--write-baseline", metavar="FILE",
                       help="record the current findings in FILE and exit 0")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings")
    check.add_argument("--quiet", "-q", action="store_true",
                       help="print findings only, no summary")
    check.add_argument("--statistics", action="store_true",
                       help="print the number of findings per rule")
    check.add_argument("--verbose", "-v", action="store_true",
                       help="say which files were skipped and why, which config is "
                       "used, and which suppressions matched nothing")
    check.add_argument("--max-file-size", type=int, default=None, metavar="BYTES",
                       help="refuse files larger than this (default 5 MB)")
    fix_command.add_arguments(check)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    try:
        code = _main(argv, stdout, stderr)
    except BrokenPipeError:  # `layerlint check | head`: the reader left; no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if argv is None:  # a process of our own, about to exit
        import gc

        # Leave what the run allocated to the operating system: the interpreter's last
        # collection at exit would scan and free every document of the run (on 2,000
        # files, a fifth of the process's time). Frozen objects are not collected.
        gc.freeze()
    return code


def _main(argv: Sequence[str] | None, stdout: TextIO | None, stderr: TextIO | None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if argv is None:  # a process of our own: collect garbage rarely (see engine.relaxed_gc)
        import gc

        gc.set_threshold(100_000, 50, 100)
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and args_list[0] not in (
        "-h", "--help", "--version"
    ):
        args_list.insert(0, "check")
    if args_list and args_list[0] == "audit":
        from layerlint.audit.cli import main as audit_main

        return audit_main(args_list[1:], stdout=out, stderr=err)
    try:
        args = _parse(args_list)
    except _UsageError as exc:
        err.write(build_parser().format_usage() + str(exc) + "\n")
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command is None:
        build_parser().print_help(out)
        return 0
    if args.command == "rules":
        return _rules(out)
    if args.command == "explain":
        return _explain(args.code, out, err)
    if args.command == "config-schema":
        from layerlint.config import schema_text

        out.write(schema_text())
        return 0
    return _check(args, out, err)


def _parse(args_list: list[str]) -> argparse.Namespace:
    """Parse with the ``check`` parser alone when the command is ``check`` (it is what the
    full parser hands the arguments to); anything that parser rejects is parsed again by
    the full parser, so errors read as they always have."""
    if args_list and args_list[0] == "check":
        try:
            args = build_check_parser().parse_args(args_list[1:])
        except _UsageError:
            pass
        else:
            args.command = "check"
            return args
    return build_parser().parse_args(args_list)


def _rules(out: TextIO) -> int:
    from layerlint.rules import RULES

    for code, module in RULES.items():
        m = module.META
        fix = m.fix or "-"
        out.write(f"{code}  {m.name:<28} {m.severity:<8} fix:{fix:<7} {m.summary}\n")
    return 0


def _explain(code: str, out: TextIO, err: TextIO) -> int:
    from layerlint.docs import render_rule
    from layerlint.rules import BY_NAME, RULES

    key = BY_NAME.get(code, code.upper())
    if key not in RULES:
        err.write(f"layerlint: unknown rule {code!r}; `layerlint rules` lists them\n")
        return 2
    out.write(render_rule(key))
    return 0


def _reports(args: argparse.Namespace, environ: dict[str, str]) -> list[tuple[str, str | None]]:
    """(format, output file or None for standard output) of every report to write."""
    pairs = args.reports or [[None, None]]
    auto = next((fmt for var, fmt in AUTO_FORMATS if environ.get(var)), "text")
    reports = [(fmt or (auto if output is None else "text"), output) for fmt, output in pairs]
    if sum(1 for _, output in reports if output is None) > 1:
        raise _UsageError("only one report can go to standard output: give the others "
                          "--output FILE")
    return reports


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import os

    from layerlint.settings import SettingsError, build_engine

    try:
        reports = _reports(args, dict(os.environ))
        engine, config = build_engine(args)
    except (_UsageError, SettingsError) as exc:
        err.write(f"layerlint: {exc}\n")
        return 2
    if args.verbose and config.path is not None:
        err.write(f"using configuration {config.path}\n")
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        err.write(f"layerlint: no such file or directory: {', '.join(missing)}\n")
        return 2
    if args.fix or args.diff:
        done = fix_command.run(args, engine, out, err)
        if done is not None:
            return done
        engine, config = build_engine(args)  # check the rewritten files afresh
    result = engine.run(args.paths)
    if args.verbose:
        for status in result.files:
            if status.status == "skipped":
                err.write(f"skipped {status.path}: {status.reason}\n")
        for message in result.unused_suppressions:
            err.write(f"{message}\n")
    failed = _baseline(args, engine, result, err)
    if failed is not None:
        return failed
    for fmt, output in reports:
        if not _write_report(args, fmt, output, result, out, err):
            return 2
    for message in result.internal_errors:
        err.write(f"layerlint: internal error (please report it with the file): {message}\n")
    if result.internal_errors:
        return 3
    failing = any(f.severity != "info" for f in result.findings)
    return 0 if args.exit_zero or args.write_baseline or not failing else 1


def _baseline(args: argparse.Namespace, engine: Engine, result: Result,
              err: TextIO) -> int | None:
    """Write and/or apply the baseline (filters ``result.findings`` in place); an exit
    status when it cannot be done."""
    if not (args.write_baseline or args.baseline):
        return None  # (and the baseline module, hashlib and all, is not imported)
    from pathlib import Path

    from layerlint.baseline import Baseline, BaselineError, write

    if args.write_baseline:
        target = Path(args.write_baseline)
        keys = engine.fingerprint_keys(result.findings, target.parent)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target, result.findings, keys)
        except OSError as exc:
            err.write(f"layerlint: cannot write {target}: {exc.strerror or exc}\n")
            return 2
        err.write(f"layerlint: recorded {len(result.findings)} findings in {target}\n")
    if args.baseline:
        source = Path(args.baseline)
        try:
            baseline = Baseline.load(source)
        except BaselineError as exc:
            err.write(f"layerlint: {exc}\n")
            return 2
        keys = engine.fingerprint_keys(result.findings, source.parent)
        result.findings = baseline.new_findings(result.findings, keys)
    return None


def _write_report(args: argparse.Namespace, fmt: str, output: str | None, result: Result,
                  out: TextIO, err: TextIO) -> bool:
    from layerlint.report import REPORTERS
    from layerlint.report.text_report import render as render_text
    from layerlint.report.text_report import statistics

    if fmt == "text":
        report = render_text(result, summary=not args.quiet,
                             fixes=bool(getattr(args, "show_fixes", False) or args.verbose))
        if args.statistics:
            report += statistics(result)
    else:
        report = REPORTERS[fmt](result)
    if output is None:
        out.write(report)
        return True
    try:
        import os

        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(report)
    except OSError as exc:
        err.write(f"layerlint: cannot write {output}: {exc.strerror}\n")
        return False
    return True
