"""Command line: ``layerlint check|rules|explain``. The only module that prints.

Exit status: 0 no findings (``info`` findings do not fail a run), 1 findings, 2 usage
error, 3 internal error (a bug: please report it with the file). Heavy modules (the engine,
ruamel.yaml) are imported only by the commands that need them, so ``rules`` and
``explain`` start instantly and ``check`` pays only for the parser it uses; argparse
(:mod:`layerlint.cli_parser`) only when there are options to parse.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn, TextIO, cast

if TYPE_CHECKING:
    import argparse

    from layerlint.engine import Engine, Result

COMMANDS = ("check", "rules", "explain", "config-schema", "audit")
FORMATS = ("text", "json", "sarif", "junit", "azure", "github", "gitlab")
AUTO_FORMATS = (("TF_BUILD", "azure"), ("GITHUB_ACTIONS", "github"))


class _UsageError(Exception):
    pass


# What the parser of ``check`` gives every argument that is not on the command line
# (tests/test_startup.py checks it against layerlint.cli_parser).
CHECK_DEFAULTS: dict[str, object] = {
    "command": "check", "reports": None, "format": None, "output": None, "select": None,
    "extend_select": [], "ignore": [], "exclude": None, "extend_exclude": [], "agents": None,
    "config": None, "isolated": False, "no_ignores": False, "baseline": None,
    "write_baseline": None, "exit_zero": False, "quiet": False, "statistics": False,
    "verbose": False, "max_file_size": None, "fix": False, "unsafe_fixes": False,
    "diff": False, "show_fixes": False,
}


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


def console() -> NoReturn:
    """The ``layerlint`` command (the console script and ``python -m layerlint``):
    :func:`main` on the process's arguments, then exit without the interpreter's teardown.

    Once the report is written, a check has nothing left to do, but a normal exit tears
    down every module and collects every object they hold: about a tenth of a pre-commit
    run on one file. The standard streams are flushed first (a reader that has gone away
    is handled as in :func:`main`). ``audit`` (worker processes, temporary checkouts) and a
    process with other threads still running exit normally."""
    code = main()
    threading = sys.modules.get("threading")
    if sys.argv[1:2] == ["audit"] or (threading is not None and threading.active_count() > 1):
        sys.exit(code)
    import os

    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    os._exit(code)


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
        from layerlint.cli_parser import build_parser

        err.write(build_parser().format_usage() + str(exc) + "\n")
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command is None:
        from layerlint.cli_parser import build_parser

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
    """The parsed command line. ``layerlint check PATH...`` (what a pre-commit hook runs:
    paths, no option) needs no parser; any other ``check`` is parsed by the ``check``
    parser alone (what the full parser hands the arguments to), and anything that parser
    rejects is parsed again by the full parser, so errors read as they always have."""
    if args_list and args_list[0] == "check":
        paths = args_list[1:]
        if not any(a.startswith("-") for a in paths):
            from types import SimpleNamespace

            args = SimpleNamespace(**CHECK_DEFAULTS)
            args.extend_select, args.ignore, args.extend_exclude = [], [], []
            args.paths = paths or ["."]
            return cast("argparse.Namespace", args)
        from layerlint.cli_parser import build_check_parser

        try:
            parsed = build_check_parser().parse_args(paths)
        except _UsageError:
            pass
        else:
            parsed.command = "check"
            return parsed
    from layerlint.cli_parser import build_parser

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
        from layerlint import fix_command

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
