"""``layerlint audit ...`` and ``layerlint audit merge OUT.json PART.json ...``.

Exit status: 0 when no repository has findings (``info`` aside) or failed, 1 when some do,
2 for a usage error. The summary goes to standard output, progress to standard error.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from layerlint.audit.model import Audit, RepoSpec

USAGE_ERROR = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message}")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _limit(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more, not {value}")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "layerlint" / "audit"


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _report_options(parser: argparse.ArgumentParser) -> None:
    out = parser.add_argument_group("reports")
    out.add_argument("--csv", metavar="FILE", help="write a row per repository as CSV")
    out.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    out.add_argument("--markdown", metavar="FILE", help="write a Markdown summary")
    out.add_argument("--top", type=int, default=20, metavar="N",
                     help="repositories in the terminal table, worst first (0: all; "
                     "default 20)")
    out.add_argument("--quiet", "-q", action="store_true", help="no summary, no progress")
    out.add_argument("--exit-zero", action="store_true",
                     help="exit 0 even when there are findings or failures")
    parser.add_argument("-h", "--help", action="store_true", help="show this help")


def audit_parser() -> argparse.ArgumentParser:
    from layerlint.audit import runner

    p = _Parser(prog="layerlint audit", add_help=False,
                description="Audit many repositories at once. `layerlint audit merge "
                "OUT.json PART.json ...` combines --shard results.")
    p.add_argument("paths", nargs="*", metavar="DIR",
                   help="repositories (with --discover: directories to search for them)")
    src = p.add_argument_group("sources")
    src.add_argument("--discover", action="store_true",
                     help="audit the git repositories found under each DIR")
    src.add_argument("--depth", type=int, default=3, metavar="N",
                     help="how deep --discover looks (default 3)")
    src.add_argument("--repos", metavar="FILE", action="append", default=[],
                     help="a file of repositories, one a line: a git URL or a local path "
                     "(relative to the file)")
    src.add_argument("--azure-devops", metavar="ORG_URL",
                     help="an organisation, like https://dev.azure.com/contoso; the token is "
                     "read from AZURE_DEVOPS_EXT_PAT or SYSTEM_ACCESSTOKEN")
    src.add_argument("--project", action="append", default=[], metavar="P",
                     help="with --azure-devops: only this project (repeatable)")
    run = p.add_argument_group("running")
    run.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                     help="worker processes (default: all cores)")
    run.add_argument("--cache-dir", metavar="DIR", help="results and clones (default "
                     "$XDG_CACHE_HOME/layerlint/audit or ~/.cache/layerlint/audit)")
    run.add_argument("--no-cache", action="store_true", help="lint everything again")
    run.add_argument("--cache-max-age", type=_limit, metavar="DAYS",
                     help="drop cache entries not used for DAYS days (0: never; default "
                     f"{runner.DEFAULT_MAX_AGE_DAYS:g}, or audit.cache-max-age in the "
                     "configuration)")
    run.add_argument("--cache-max-size", type=_limit, metavar="MB",
                     help="keep at most MB megabytes of cached results, dropping the least "
                     f"recently used (0: no limit; default {runner.DEFAULT_MAX_SIZE_MB:g}, or "
                     "audit.cache-max-size in the configuration)")
    run.add_argument("--shard", metavar="I/N", help="audit only shard I of N (1-based)")
    run.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    run.add_argument("--select", type=_csv, metavar="CODES", help="rules to enable")
    run.add_argument("--ignore", type=_csv, metavar="CODES", help="rules to disable")
    run.add_argument("--max-file-size", type=int, default=None, metavar="BYTES")
    p.add_argument("--json", metavar="FILE", help="write the full result as JSON")
    _report_options(p)
    return p


def merge_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="layerlint audit merge", add_help=False,
                description="Combine the JSON results of --shard runs into one.")
    p.add_argument("output", metavar="OUT.json")
    p.add_argument("parts", nargs="+", metavar="PART.json")
    _report_options(p)
    return p


def main(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    args_list = list(argv)
    merging = bool(args_list) and args_list[0] == "merge"
    parser = merge_parser() if merging else audit_parser()
    rest = args_list[1:] if merging else args_list
    if "-h" in rest or "--help" in rest:
        stdout.write(parser.format_help())
        return 0
    try:
        args = parser.parse_args(rest)
        return _merge(args, stdout, stderr) if merging else _audit(args, stdout, stderr)
    except UsageError as exc:
        stderr.write(parser.format_usage() + str(exc) + "\n")
        return USAGE_ERROR


def _specs(args: argparse.Namespace) -> list[RepoSpec]:
    from layerlint.audit import sources

    specs: list[RepoSpec] = []
    for path in args.paths:
        if args.discover:
            specs.extend(sources.discover(Path(path), args.depth))
        else:
            specs.append(sources.local_spec(Path(path)))
    for repos_file in args.repos:
        try:
            specs.extend(sources.read_repos_file(Path(repos_file)))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"layerlint audit: cannot read --repos {repos_file}: {exc}") from exc
    if args.azure_devops:
        from layerlint.audit.azure_devops import Client, token_from_env
        from layerlint.audit.azure_source import list_specs

        client = Client(args.azure_devops, token_from_env())
        specs.extend(list_specs(client, args.project))
    unique: dict[str, RepoSpec] = {}
    for spec in specs:
        unique.setdefault(spec.key, spec)
    return list(unique.values())


def _audit(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from layerlint.audit import runner, shard
    from layerlint.document import DEFAULT_MAX_BYTES
    from layerlint.engine import select_codes

    if not (args.paths or args.repos or args.azure_devops):
        raise UsageError("layerlint audit: error: name repositories (DIR ...), --repos FILE "
                         "or --azure-devops ORG_URL")
    if args.project and not args.azure_devops:
        raise UsageError("layerlint audit: error: --project needs --azure-devops")
    try:
        codes = select_codes(args.select, args.ignore)
        selected = shard.parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        raise UsageError(f"layerlint audit: error: {exc}") from exc
    limits = _cache_limits(args)
    universe = specs = _specs(args)
    if selected is not None:
        specs = shard.select(specs, *selected)
    cache_dir = Path(args.cache_dir).expanduser() if args.cache_dir else default_cache_dir()
    options = runner.Options(frozenset(codes), args.max_file_size or DEFAULT_MAX_BYTES,
                             cache_dir.resolve(), not args.no_cache, runner.code_fingerprint())
    progress = None
    if not (args.quiet or args.no_progress):
        from layerlint.audit.progress import Progress

        progress = Progress(len(specs), stderr)
    reports = runner.run(specs, options, args.jobs or default_jobs(),
                         progress.update if progress is not None else _ignore, universe)
    if progress is not None:
        progress.finish()
    runner.prune(cache_dir, *limits)
    audit = Audit(reports)
    if args.json:
        from layerlint.audit.model import render_json

        _write(args.json, render_json(audit))
    return _finish(audit, args, stdout)


def _ignore(outcome: object) -> None:
    pass


def _cache_limits(args: argparse.Namespace) -> tuple[float, float]:
    """Days and megabytes: the command line wins over the ``audit`` table of the
    configuration found from the working directory, which wins over the defaults."""
    from layerlint.audit import runner

    age, size = args.cache_max_age, args.cache_max_size
    if age is None or size is None:
        from layerlint.config import ConfigError, find, load

        found = find(Path.cwd())
        if found is not None:
            try:
                config = load(found)
            except ConfigError as exc:
                raise UsageError(f"layerlint audit: {exc}") from None
            age = config.audit_cache_max_age if age is None else age
            size = config.audit_cache_max_size if size is None else size
    return (runner.DEFAULT_MAX_AGE_DAYS if age is None else float(age),
            runner.DEFAULT_MAX_SIZE_MB if size is None else float(size))


def _merge(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from layerlint.audit.model import render_json
    from layerlint.audit.shard import MergeError, merge

    parts = []
    for name in args.parts:
        try:
            with open(name, encoding="utf-8") as fh:
                parts.append(Audit.from_json(json.load(fh)))
        except (OSError, ValueError) as exc:
            raise UsageError(f"layerlint audit merge: cannot read {name}: {exc}") from exc
    try:
        audit = merge(parts)
    except MergeError as exc:
        raise UsageError(f"layerlint audit merge: {exc}") from exc
    _write(args.output, render_json(audit))
    return _finish(audit, args, stdout)


def _finish(audit: Audit, args: argparse.Namespace, stdout: TextIO) -> int:
    from layerlint.audit import report_csv, report_html, report_markdown, report_summary

    if args.csv:
        _write(args.csv, report_csv.render(audit))
    if args.html:
        today = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        _write(args.html, report_html.render(audit, generated=today))
    if args.markdown:
        _write(args.markdown, report_markdown.render(audit))
    if not args.quiet:
        stdout.write(report_summary.render(audit, top=args.top))
    return 1 if audit.failing and not args.exit_zero else 0


def _write(path: str, text: str) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"layerlint audit: cannot write {path}: {exc.strerror}") from exc
