"""The argparse parsers of the command line (:mod:`layerlint.cli`), imported only when
there are options to parse: ``layerlint check PATH...`` needs none of this."""

from __future__ import annotations

import argparse

from layerlint import __version__, fix_command
from layerlint.cli import FORMATS, _UsageError


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
