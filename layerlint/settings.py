"""From the command line and the configuration file to a configured :class:`Engine`.

Precedence: the command line wins over the configuration file. ``--select`` replaces the
file's ``select``; ``--extend-select``, ``--ignore`` and ``--extend-exclude`` add to the
file's lists; ``--exclude`` replaces the file's ``exclude``, and either replaces the
default exclude (``vendor``: vendored third-party code is not walked into unless the
configured ``exclude`` leaves it out); ``--agents`` replaces
``agents``. ``ignore`` always wins over ``select``. Globs (the file's and the command
line's) are relative to the directory of the configuration file, or to the working
directory when there is none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from layerlint.config import Config, ConfigError, PathRules, find, load

if TYPE_CHECKING:
    import argparse

    from layerlint.engine import Engine
    from layerlint.fixes.settings import FixSettings


class SettingsError(Exception):
    """A usage or configuration error (exit status 2)."""


def read_config(args: argparse.Namespace, cwd: Path) -> Config:
    if args.isolated:
        return Config(root=cwd)
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise SettingsError(f"no such configuration file: {args.config}")
    else:
        found = find(cwd)
        if found is None:
            return Config(root=cwd)
        path = found
    try:
        return load(path)
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None


def build_engine(args: argparse.Namespace, cwd: Path | None = None) -> tuple[Engine, Config]:
    from layerlint.engine import DEFAULT_MAX_BYTES, Engine, expand_codes, select_codes
    from layerlint.rules import RULES

    cwd = (cwd or Path.cwd()).resolve()
    config = read_config(args, cwd)
    where = f"{config.path}: " if config.path is not None else ""

    def expand(items: list[str] | tuple[str, ...], key: str) -> set[str]:
        try:
            return expand_codes(items)
        except ValueError as exc:
            raise SettingsError(f"{where}{key}: {exc}") from None

    try:
        select = args.select if args.select else config.select
        codes = select_codes(select, [*config.ignore, *args.ignore],
                             [*config.extend_select, *args.extend_select])
    except ValueError as exc:
        raise SettingsError(f"{where}{exc}" if config.path else str(exc)) from None
    for code in config.severity:
        if code not in RULES:
            raise SettingsError(f"{where}severity.{code}: unknown rule code")
    pfi = tuple((glob, frozenset(expand(items, f"per-file-ignores[{glob!r}]")))
                for glob, items in config.per_file_ignores)
    from layerlint.discover import DEFAULT_EXCLUDE

    exclude = tuple(args.exclude) if args.exclude is not None else config.exclude
    skip_dirs = DEFAULT_EXCLUDE if exclude is None else ()
    exclude = exclude or ()
    paths = PathRules(config.root, (*exclude, *config.extend_exclude, *args.extend_exclude),
                      pfi)
    engine = Engine(
        codes,
        max_bytes=args.max_file_size or DEFAULT_MAX_BYTES,
        cwd=cwd,
        template_repos=dict(config.template_repos),
        severity=dict(config.severity),
        agents=args.agents or config.agents,
        paths=paths if paths.exclude or paths.per_file_ignores else None,
        inline_ignores=not args.no_ignores,
        skip_dirs=skip_dirs,
    )
    engine.fix_settings = _fix_settings(config)
    return engine, config


def _fix_settings(config: Config) -> FixSettings | None:
    """None for the defaults, so that a run without fixes never imports the fix code."""
    if config.fix_style == "inline" and config.fix_template is None and not config.registries:
        return None
    from layerlint.fixes.settings import FixSettings
    from layerlint.fixes.template_style import DEFAULT_TEMPLATE

    template = DEFAULT_TEMPLATE
    if config.fix_template is not None:
        template = os.path.relpath(config.fix_template, config.root).replace(os.sep, "/")
    return FixSettings(config.fix_style, template, dict(config.registries))
